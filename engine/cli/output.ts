/** Printing results: aligned text tables by default, JSON on request. */
import { isAbsolute, relative } from 'node:path';

/** Output formats every listing command accepts. */
export type OutputFormat = 'table' | 'json';

/** Formats a value for a table cell. */
function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (typeof value === 'object') return JSON.stringify(value, jsonReplacer);
  return String(value);
}

/** JSON.stringify replacer for bigint and bytes. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return value;
}

/** `path` as printed: relative to the working directory when inside it, so output carries no machine paths. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** Renders rows as a table with a header rule, columns left-aligned. */
export function formatTable(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const text = rows.map((r) => r.map(cell));
  const widths = columns.map((c, i) => Math.max(c.length, ...text.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n');
}

/** Prints `rows` as a table or as a JSON array of objects. */
export function printRows(format: OutputFormat, columns: readonly string[], rows: readonly (readonly unknown[])[], out: (s: string) => void = console.log): void {
  if (format === 'json') {
    out(JSON.stringify(rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]]))), jsonReplacer, 1));
  } else if (rows.length === 0) {
    out('(none)');
  } else {
    out(formatTable(columns, rows));
  }
}
