/**
 * Run folders and path fields are escaped injectively: two different run names never share a
 * folder (and so never a lock, an event log or a sweep). Checked against an independent
 * decoder and by brute force over names that differ only in characters a replacing sanitiser
 * would merge.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { escapeSegment, runFolder } from '../../../registry/index.js';

/** Inverse of the escaping, written from its rule (percent-decoding of UTF-8 bytes; `%` alone is empty). */
function unescapeSegment(segment: string): string {
  if (segment === '%') return '';
  return decodeURIComponent(segment);
}

describe('run folders', () => {
  it('keep apart the names a replacing sanitiser merged', () => {
    const names = ['u/col:a', 'u/col-a', 'u/col a', 'u/col%3Aa', 'u/col.a', 'u/col..a', 'u/..', 'u/.', 'u//a', 'u/a', 'ü/a', 'u/a/'];
    const folders = names.map(runFolder);
    expect(new Set(folders).size).toBe(names.length);
    for (const f of folders) for (const part of f.split('/')) {
      expect(part).toMatch(/^[A-Za-z0-9_.=+%-]+$/);
      expect(['.', '..', '']).not.toContain(part);
    }
    expect(runFolder('u/demo/drp/20261122T010445Z')).toBe('u/demo/drp/20261122T010445Z');
    expect(runFolder('u/col:a')).toBe('u/col%3Aa');
  });

  it('decode back to the name (so the mapping is injective)', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 12 }), (value) => {
      const s = escapeSegment(value);
      expect(s).not.toContain('/');
      expect(unescapeSegment(s)).toBe(value);
    }), { numRuns: 2000 });
    fc.assert(fc.property(fc.array(fc.string({ maxLength: 5 }), { minLength: 1, maxLength: 4 }), (parts) => {
      expect(runFolder(parts.join('/')).split('/').map(unescapeSegment)).toEqual(parts.join('/').split('/'));
    }), { numRuns: 2000 });
  });
});
