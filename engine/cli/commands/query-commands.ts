/** `qg query collections|dataset-types|datasets|dimension-records`. */
import type { Argv, CommandModule } from 'yargs';
import { pathToFileURL } from 'node:url';
import { globToRegExp, ConvexPolygon, COLLECTION_TYPES, taiToIso, taiFromIso, parseBinds, queryDatasets, queryDimensionRecords, DataIdQuery, absentValues, absentValueText, comparedStringValues, parseWhere, type DataIdQuerySpec, type Repository, type CollectionType, type Timespan } from '../../../registry/index.js';
import { fileRecordsOf } from '../../../registry/maintenance/index.js';
import { formatTable, printRows, type OutputFormat } from '../output.js';
import { bindOption, listOption, withFormat, withRepo, withRepository } from './shared-options.js';

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
  builder: (y) => common(y).positional('pattern', { type: 'string', describe: 'Glob on names' })
    .example('$0 query dataset-types -b repo', '')
    .example("$0 query dataset-types -b repo '*Coadd*' --format json", 'The coadd types, as JSON'),
  handler: async (argv) => withRepository(String(argv['repo']), async (repo) => {
    const re = argv['pattern'] ? globToRegExp(String(argv['pattern'])) : null;
    const types = (await repo.registry.datasetTypes.all()).filter((t) => !re || re.test(t.name));
    printRows(argv['format'] as OutputFormat, ['name', 'dimensions', 'storageClass', 'isCalibration'],
      types.map((t) => [t.name, t.dimensions.required.join(', '), t.storageClass, t.isCalibration]));
  }),
};

const withWhere = <T>(y: Argv<T>) => y
  .option('where', { alias: ['w', 'd', 'data-query'], type: 'string', default: '', describe: "Boolean expression on data IDs (the data query, -d as in pipetask), e.g. \"instrument='SimCam' AND visit IN (1..10) AND band='r'\"" })
  .option('bind', { type: 'string', array: true, describe: 'name=value for :name (or a bare name) in --where; a,b,c binds a list' });

const datasets: CommandModule = {
  command: 'datasets <types..>',
  describe: 'Find datasets of the given types in collections, optionally constrained by --where',
  builder: (y) => withWhere(common(y))
    .positional('types', { type: 'string', array: true, describe: 'Dataset type names' })
    .option('collections', { alias: 'c', type: 'string', array: true, demandOption: true, describe: 'Collections to search, in order (comma-separated or repeated)' })
    .option('find-first', { type: 'boolean', default: false, describe: 'Only the first dataset per data ID, in collection order' })
    .option('time', { type: 'string', describe: "Instant (TAI, ISO) at which calibrations must be valid, e.g. '2024-01-01T00:10:00'" })
    .option('limit', { type: 'number', describe: 'At most this many rows per type' })
    .option('show-uri', { type: 'boolean', default: false, describe: "Add each dataset's file as a file:// URI (empty when it has none)" })
    .example('$0 query datasets raw -b repo -c SimCam/defaults --where "detector = 3"', '')
    .example('$0 query datasets raw -b repo -c SimCam/defaults --show-uri', '')
    .example('$0 query datasets bias -b repo -c SimCam/calib --find-first --time 2024-01-01T00:10:00', 'The bias valid at that instant'),
  handler: async (argv) => withRepository(String(argv['repo']), async (repo) => {
    const searched = listOption(argv['collections'] as string[]);
    const rows: unknown[][] = [];
    for (const type of listOption(argv['types'] as string[])) {
      const found = await queryDatasets(repo.registry, {
        datasetType: type, collections: searched, where: String(argv['where'] ?? ''), bind: parseBinds(bindOption(argv['bind'])),
        findFirst: Boolean(argv['findFirst']),
        ...(argv['time'] ? { time: taiFromIso(String(argv['time'])) } : {}),
        ...(argv['limit'] !== undefined ? { limit: Number(argv['limit']) } : {}),
      });
      const files = argv['showUri'] ? await fileRecordsOf(repo.registry, found.map((r) => r.id)) : null;
      for (const r of found) {
        const file = files?.get(r.id);
        rows.push([r.datasetType, r.collection, r.run, r.id, r.dataId, r.validity ?? '', ...(files ? [file ? pathToFileURL(repo.datastore.pathOf(file)).href : ''] : [])]);
      }
    }
    printRows(argv['format'] as OutputFormat, ['type', 'collection', 'run', 'id', 'dataId', 'validity', ...(argv['showUri'] ? ['uri'] : [])], rows);
  }),
};

/** Why an empty result may be empty: values of --where that no dimension record holds (one statement per compared dimension). */
async function absentValueLines(repo: Repository, spec: DataIdQuerySpec): Promise<string[]> {
  const where = spec.where ?? '';
  const compared = comparedStringValues(parseWhere(where), repo.registry.universe, spec.bind ?? new Map(), where);
  return (await absentValues(repo.registry, compared)).map(absentValueText);
}

const dataIds: CommandModule = {
  command: 'data-ids',
  describe: 'Distinct data IDs over some dimensions that satisfy --where (spatial and temporal relations included)',
  builder: (y) => withWhere(common(y))
    // --order-by takes the next word even when it starts with '-' (-visit sorts descending), not as flags
    .parserConfiguration({ 'nargs-eats-options': true })
    .option('dimensions', { alias: 'D', type: 'string', array: true, demandOption: true, describe: 'Dimensions of the result (comma-separated or repeated); -d is the data query (--where)' })
    .option('datasets', { type: 'string', array: true, describe: 'Only data IDs for which these dataset types exist in --collections' })
    .option('collections', { alias: 'c', type: 'string', array: true, describe: 'Collections searched for --datasets' })
    .option('full', { type: 'boolean', default: false, describe: 'Also show implied dimensions (physical_filter, band, ...)' })
    .option('order-by', { type: 'string', requiresArg: true, describe: 'Sort by these dimensions, comma-separated or repeated; -name for descending (--order-by -visit)' })
    .option('limit', { type: 'number', describe: 'At most this many rows' })
    .option('explain', { type: 'boolean', default: false, describe: "Print the database's plan of the query instead of rows" })
    .example("$0 query data-ids -b repo --dimensions visit,detector -d \"patch = 24 AND skymap='simSkyMap' AND tract=0\"", 'Visit-detector pairs whose footprint overlaps patch 24')
    .example("$0 query data-ids -b repo -D visit --order-by -visit --limit 5", 'The last 5 visits (-name sorts descending)')
    .example("$0 query data-ids -b repo -D exposure --where \"exposure.timespan OVERLAPS (T'2024-01-01 00:00', T'2024-01-01 01:00')\"", 'Exposures in an hour (UTC)'),
  handler: async (argv) => withRepository(String(argv['repo']), async (repo) => {
    const spec: DataIdQuerySpec = {
      dimensions: listOption(argv['dimensions'] as string[]), where: String(argv['where'] ?? ''),
      bind: parseBinds(bindOption(argv['bind'])),
      datasets: listOption(argv['datasets'] as string[] | undefined), collections: listOption(argv['collections'] as string[] | undefined),
      full: Boolean(argv['full']), orderBy: listOption(argv['orderBy'] as string[] | undefined),
      ...(argv['limit'] !== undefined ? { limit: Number(argv['limit']) } : {}),
    };
    const format = argv['format'] as OutputFormat;
    const empty = await repo.registry.transaction(async (tx) => {
      const query = await DataIdQuery.prepare(repo.registry, tx, spec);
      try {
        if (argv['explain']) {
          console.log(await query.explain());
          return false;
        }
        if (format === 'json') {
          printRows(format, query.columns, await query.rows());
          return false;
        }
        let header = true;
        let count = 0;
        for await (const batch of query.stream()) {
          const table = formatTable(query.columns, batch).split('\n');
          console.log((header ? table : table.slice(2)).join('\n'));
          header = false;
          count += batch.length;
        }
        return count === 0;
      } finally {
        await query.dispose();
      }
    });
    if (empty) console.log(['(none)', ...(await absentValueLines(repo, spec))].join('\n'));
  }),
};

const dimensionRecords: CommandModule = {
  command: 'dimension-records <element>',
  describe: 'List the records of a dimension element (regions shown as vertex counts)',
  builder: (y) => withWhere(common(y))
    .positional('element', { type: 'string', describe: 'e.g. detector, visit, patch' })
    .option('limit', { type: 'number', describe: 'At most this many records' })
    .example('$0 query dimension-records detector -b repo', '')
    .example("$0 query dimension-records visit -b repo --where \"band = 'r' AND visit > 2\"", ''),
  handler: async (argv) => withRepository(String(argv['repo']), async (repo) => {
    const records = await queryDimensionRecords(repo.registry, {
      element: String(argv['element']), where: String(argv['where'] ?? ''), bind: parseBinds(bindOption(argv['bind'])),
      ...(argv['limit'] !== undefined ? { limit: Number(argv['limit']) } : {}),
    });
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
  builder: (y) => y.command(collections).command(datasetTypes).command(datasets).command(dataIds).command(dimensionRecords).demandCommand(1),
  handler: () => {},
};
