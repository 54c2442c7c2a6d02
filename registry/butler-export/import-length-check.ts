/**
 * Text that an import writes must fit its column's declared length (`varchar(n)`, counted in
 * characters): PostgreSQL refuses longer values with raw SQL text and SQLite would keep
 * them, so the import checks first, with the same rule on both dialects. The lengths are
 * read from the database, so they are the schema's own.
 */
import type { Knex } from 'knex';
import { describePlace, ExportFormatError, type ExportDocument, type Place } from './butler-yaml.js';
import type { ExportContent, ExportEntry } from './export-reader.js';

/** A string to be written to `table.column`, and where it is in the export. */
interface Written {
  readonly table: string;
  readonly column: string;
  readonly value: unknown;
  readonly place: Place;
}

/** Fails on the first string of `content` that is longer than its column allows. */
export async function checkTextLengths(doc: ExportDocument, content: ExportContent, tx: Knex.Transaction): Promise<void> {
  const written = content.entries.flatMap(writtenText);
  const lengths = new Map<string, Map<string, number>>();
  for (const table of new Set(written.map((w) => w.table))) lengths.set(table, await declaredLengths(tx, table));
  for (const { table, column, value, place } of written) {
    const max = lengths.get(table)!.get(column);
    const length = typeof value === 'string' ? [...value].length : 0;
    if (max !== undefined && length > max) {
      throw new ExportFormatError(`${describePlace(doc, place)}: '${column}' is ${length} characters long; the registry holds at most ${max} (${table}.${column})`);
    }
  }
}

/** The strings an entry writes to length-limited columns. */
function writtenText(entry: ExportEntry): Written[] {
  const at = (...keys: (string | number)[]) => ({ path: [...entry.place.path, ...keys], label: entry.place.label });
  switch (entry.kind) {
    case 'dimension':
      return entry.records.flatMap((r, n) => Object.entries(r).map(([column, value]) => ({
        table: entry.element, column, value, place: { ...at('records', n, column), label: `${entry.place.label} record #${n + 1}` },
      })));
    case 'collection':
      return [{ table: 'collection', column: 'name', value: entry.name, place: at('name') }];
    case 'dataset_type':
      return [{ table: 'dataset_type', column: 'name', value: entry.spec.name, place: at('name') }];
    case 'dataset':
      return entry.records.flatMap((r, j) => (r.file ? [{ table: 'datastore_record', column: 'formatter', value: r.file.formatter, place: { ...r.place, path: [...entry.place.path, 'records', j, 'formatter'] } }] : []));
    default:
      return [];
  }
}

/** Declared maximum lengths of `table`'s text columns, by column. */
async function declaredLengths(tx: Knex.Transaction, table: string): Promise<Map<string, number>> {
  const info = await tx(table).columnInfo();
  return new Map(Object.entries(info).filter(([, c]) => c.maxLength !== null && c.maxLength !== undefined).map(([name, c]) => [name, Number(c.maxLength)]));
}
