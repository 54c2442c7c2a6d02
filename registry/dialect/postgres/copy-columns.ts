/**
 * A query's values column by column from its `COPY (...) TO STDOUT` text (tab-separated lines,
 * backslash escapes, byte arrays as `\\x` and hex digits): read in one stream and parsed here
 * with no array per row, where a cursor made one per row and the driver parsed each value on
 * its own (a tract's 241k data-ID rows took ~0.4 s through a cursor).
 */
import type { ResultColumn } from '../database.js';
import { integerAt } from '../decimal-integers.js';

const TAB = 9, NEWLINE = 10, BACKSLASH = 92;

/** What COPY text writes for the characters it escapes. */
const UNESCAPED: Readonly<Record<string, string>> = { '\\': '\\', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/**
 * The columns of COPY text `text` holding values of `kinds`, or null when it is not exactly
 * that: a line of another width, a NULL (`\N`), a value not of its kind, an escape COPY does
 * not write. The caller then reads the query another way.
 */
export function columnsFromCopyText(text: Uint8Array, kinds: readonly ResultColumn['kind'][]): unknown[][] | null {
  if (!kinds.length) return null;
  const out: unknown[][] = kinds.map(() => []);
  const buffer = Buffer.from(text.buffer, text.byteOffset, text.byteLength);
  let at = 0;
  while (at < buffer.length) {
    for (let c = 0; c < kinds.length; c++) {
      let end = at, escaped = false;
      for (; end < buffer.length && buffer[end] !== TAB && buffer[end] !== NEWLINE; end++) {
        // the escaped character is a letter or a backslash, never a separator
        if (buffer[end] === BACKSLASH) [escaped, end] = [true, end + 1];
      }
      if (buffer[end] !== (c === kinds.length - 1 ? NEWLINE : TAB)) return null;
      const value = valueOf(buffer, at, end, kinds[c]!, escaped);
      if (value === null) return null;
      out[c]!.push(value);
      at = end + 1;
    }
  }
  return out;
}

/** The value in `buffer[start, end)`, of `kind`; null when it is not one. */
function valueOf(buffer: Buffer, start: number, end: number, kind: ResultColumn['kind'], escaped: boolean): unknown {
  if (kind === 'int') return escaped ? null : integerAt(buffer, start, end);
  if (kind === 'string') return escaped ? unescape(buffer.toString('utf8', start, end)) : buffer.toString('utf8', start, end);
  // a byte array prints as \x and its hex digits, the backslash escaped: \\x0a1b...
  if (buffer[start] !== BACKSLASH || buffer[start + 1] !== BACKSLASH || buffer[start + 2] !== 120) return null;
  const hex = buffer.toString('latin1', start + 3, end);
  const bytes = Buffer.from(hex, 'hex'); // stops at the first character that is not a digit pair
  return bytes.length * 2 === hex.length ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) : null;
}

/** COPY text's escapes undone; null for one it does not write (`\N`, a NULL, among them). */
function unescape(text: string): string | null {
  let failed = false;
  const out = text.replace(/\\(.)/gs, (_, c: string) => {
    const u = UNESCAPED[c];
    if (u === undefined) failed = true;
    return u ?? '';
  });
  return failed ? null : out;
}
