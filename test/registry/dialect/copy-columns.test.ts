/**
 * COPY text parsed column by column, against hand-written text in PostgreSQL's format
 * (tab-separated lines, backslash escapes, byte arrays as \\x and hex): values as written,
 * and null (read another way) for anything else.
 */
import { describe, expect, it } from 'vitest';
import { columnsFromCopyText } from '../../../registry/dialect/postgres/copy-columns.js';

const text = (s: string) => new TextEncoder().encode(s);

describe('columnsFromCopyText', () => {
  it('reads integers, escaped strings and byte arrays', () => {
    const copy = '-12\ta\\tb\\\\c\\n\\r\\b\\f\\v\t\\\\x00ff2c\n' +
      '9007199254740991\tünï ✓\t\\\\x\n' +
      '0\t\t\\\\xABcd\n';
    expect(columnsFromCopyText(text(copy), ['int', 'string', 'blob'])).toEqual([
      [-12, 9007199254740991, 0],
      ['a\tb\\c\n\r\b\f\v', 'ünï ✓', ''],
      [Uint8Array.from([0, 255, 44]), new Uint8Array(0), Uint8Array.from([0xab, 0xcd])],
    ]);
  });

  it('reads no rows from no text', () => {
    expect(columnsFromCopyText(new Uint8Array(0), ['int', 'string'])).toEqual([[], []]);
  });

  it.each([
    ['a NULL', '1\t\\N\n', ['int', 'string']],
    ['a NULL integer', '\\N\tx\n', ['int', 'string']],
    ['a line too short', '1\n', ['int', 'string']],
    ['a line too long', '1\tx\ty\n', ['int', 'string']],
    ['no final newline', '1\tx', ['int', 'string']],
    ['a number that is not an integer', '1.5\tx\n', ['int', 'string']],
    ['an empty integer', '\tx\n', ['int', 'string']],
    ['an escape COPY does not write', '1\t\\101\n', ['int', 'string']],
    ['a byte array without its \\x', '1\t00ff\n', ['int', 'blob']],
    ['a byte array with an odd digit', '1\t\\\\x0f0\n', ['int', 'blob']],
    ['a byte array with a letter past f', '1\t\\\\x0g\n', ['int', 'blob']],
  ] as const)('refuses %s', (_, copy, kinds) => {
    expect(columnsFromCopyText(text(copy), kinds)).toBeNull();
  });
});
