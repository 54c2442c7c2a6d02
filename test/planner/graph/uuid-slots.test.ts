/**
 * A graph's dataset UUIDs are packed 16 bytes each: putUuid and uuidText against Node's own
 * hex codec, for random UUIDs in either case, and malformed text refused.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { putUuid, uuidText } from '../../../planner/index.js';

describe('packed UUIDs', () => {
  it('writes the bytes Buffer.from(hex) makes and reads back the lower-case text', () => {
    const bytes = new Uint8Array(16 * 4);
    for (let r = 0; r < 2000; r++) {
      const text = r % 2 ? randomUUID() : randomUUID().toUpperCase();
      putUuid(bytes, 2, text);
      expect(Buffer.from(bytes.subarray(32, 48)).equals(Buffer.from(text.replace(/-/g, ''), 'hex'))).toBe(true);
      expect(uuidText(bytes, 2)).toBe(text.toLowerCase());
    }
    // the slots beside it are untouched
    expect([...bytes.subarray(0, 32), ...bytes.subarray(48)].every((b) => b === 0)).toBe(true);
  });

  it('refuses text that is not 32 hex digits', () => {
    const uuid = randomUUID();
    for (const bad of ['', 'xyz', uuid.slice(0, 35), `${uuid}00`, `g${uuid.slice(1)}`, `-${uuid.slice(1)}`, uuid.replace(/-/g, '').slice(0, 31) + '-0']) {
      expect(() => putUuid(new Uint8Array(16), 0, bad), bad).toThrow(/not a UUID/);
    }
  });
});
