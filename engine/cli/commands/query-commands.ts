/** `qg query collections|dataset-types|datasets|dimension-records`. */
import type { Argv, CommandModule } from 'yargs';
import { globToRegExp, ConvexPolygon, COLLECTION_TYPES, taiToIso, type CollectionType, type Timespan } from '../../../registry/index.js';
import { printRows, type OutputFormat } from '../output.js';
import { listOption, withFormat, withRepo, withRepository } from './shared-options.js';

const common = <T>(y: Argv<T>) => withFormat(withRepo(y));

const collections: CommandModule = {
  command: 'collections [pattern]',
  describe: 'List collections (glob pattern with * and ?), with chain children',
  builder: (y) => common(y)
    .positional('pattern', { type: 'string', describe: 'Glob on collection names' })
    .option('type', { choices: COLLECTION_TYPES as CollectionType[], array: true, describe: 'Only these types' })
    .example('$0 query collections -b repo "SimCam/*"', ''),
  handler: async (argv) => withRepository(String(argv['repo']), async (repo) => {
    const list = await repo.registry.collections.query(argv['pattern'] as string | undefined, argv['type'] as CollectionType[] | undefined);
    const rows = await Promise.all(list.map(async (c) => [c.name, c.type, c.type === 'CHAINED' ? (await repo.registry.collections.getChain(c.name)).join(', ') : '']));
    printRows(argv['format'] as OutputFormat, ['name', 'type', 'children'], rows);
  }),
};

const datasetTypes: CommandModule = {
  command: 'dataset-types [pattern]',
  describe: 'List dataset types',
  builder: (y) => common(y).positional('pattern', { type: 'string', describe: 'Glob on names' }),
  handler: async (argv) => withRepository(String(argv['repo']), async (repo) => {
    const re = argv['pattern'] ? globToRegExp(String(argv['pattern'])) : null;
    const types = (await repo.registry.datasetTypes.all()).filter((t) => !re || re.test(t.name));
    printRows(argv['format'] as OutputFormat, ['name', 'dimensions', 'storageClass', 'isCalibration'],
      types.map((t) => [t.name, t.dimensions.required.join(', '), t.storageClass, t.isCalibration]));
  }),
};

const datasets: CommandModule = {
  command: 'datasets <types..>',
  describe: 'List datasets of the given types in collections (find-first with --find-first)',
  builder: (y) => common(y)
    .positional('types', { type: 'string', array: true, describe: 'Dataset type names' })
    .option('collections', { alias: 'c', type: 'string', array: true, demandOption: true, describe: 'Collections to search, in order (comma-separated or repeated)' })
    .option('find-first', { type: 'boolean', default: false, describe: 'Only the first dataset per data ID, in collection order' })
    .option('limit', { type: 'number', describe: 'At most this many rows per type' })
    .example('$0 query datasets raw -b repo -c SimCam/defaults', ''),
  handler: async (argv) => withRepository(String(argv['repo']), async (repo) => {
    const searched = listOption(argv['collections'] as string[]);
    const rows: unknown[][] = [];
    for (const type of listOption(argv['types'] as string[])) {
      let refs = await repo.registry.datasets.query(type, searched, repo.registry.knex, { findFirst: Boolean(argv['findFirst']) });
      if (argv['limit'] !== undefined) refs = refs.slice(0, Number(argv['limit']));
      for (const r of refs) rows.push([r.datasetType, r.collection, r.run, r.id, r.dataId]);
    }
    printRows(argv['format'] as OutputFormat, ['type', 'collection', 'run', 'id', 'dataId'], rows);
  }),
};

const dimensionRecords: CommandModule = {
  command: 'dimension-records <element>',
  describe: 'List the records of a dimension element (regions shown as vertex counts)',
  builder: (y) => common(y)
    .positional('element', { type: 'string', describe: 'e.g. detector, visit, patch' })
    .option('limit', { type: 'number', describe: 'At most this many records' })
    .example('$0 query dimension-records detector -b repo', ''),
  handler: async (argv) => withRepository(String(argv['repo']), async (repo) => {
    const records = await repo.registry.dimensions.query(String(argv['element']), repo.registry.knex, {}, argv['limit'] as number | undefined);
    const columns = records.length ? Object.keys(records[0]!) : [];
    const shown = (v: unknown) => (v instanceof ConvexPolygon ? `polygon(${v.vertices.length} vertices)`
      : v && typeof v === 'object' && 'begin' in v && 'end' in v ? `[${taiToIso((v as Timespan).begin)}, ${taiToIso((v as Timespan).end)}) TAI` : v);
    printRows(argv['format'] as OutputFormat, columns, records.map((r) => columns.map((c) => shown(r[c]))));
  }),
};

/** The `query` command group. */
export const queryCommands: CommandModule = {
  command: 'query <command>',
  describe: 'Look at what a repository holds',
  builder: (y) => y.command(collections).command(datasetTypes).command(datasets).command(dimensionRecords).demandCommand(1),
  handler: () => {},
};
