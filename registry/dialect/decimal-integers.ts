/**
 * Decimal integers read straight from the bytes of a database's text output (SQLite's
 * group_concat, PostgreSQL's COPY), with no string per value.
 */

/**
 * The decimal integer in `bytes[start, end)` (ASCII digits, an optional leading '-'); null when
 * it is not one. Up to 15 digits the sum is exact; longer ones are read as Number() reads them.
 */
export function integerAt(bytes: Uint8Array, start: number, end: number): number | null {
  const negative = bytes[start] === 45; // '-'
  let value = 0;
  for (let k = negative ? start + 1 : start; k < end; k++) {
    const d = bytes[k]! - 48;
    if (d < 0 || d > 9) return null;
    value = value * 10 + d;
  }
  const digits = end - start - (negative ? 1 : 0);
  if (digits === 0) return null;
  if (digits > 15) return Number(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1', start, end));
  return negative ? -value : value;
}
