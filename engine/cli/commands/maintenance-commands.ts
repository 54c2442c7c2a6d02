/**
 * LSST butler's maintenance commands, with its option names: `qg remove-runs`, `qg
 * prune-datasets`, `qg collection-chain`, `qg certify-calibrations` and `qg
 * retrieve-artifacts`. The destructive ones list what they would remove and do nothing more
 * without `--force` / `--no-confirm`; they hold the lock of every run whose files they delete,
 * so a run being executed by `qg run` is refused (RUN_LOCKED) and none starts meanwhile.
 */
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { formatDataId, parseBinds, runFolder, taiFromIso, type FoundDataset, type Repository } from '../../../registry/index.js';
import { CHAIN_EDIT_MODES, MaintenanceError, certifyCalibrations, editCollectionChain, findDatasets, planPrune, planRunRemoval, pruneDatasets, removeRuns, retrieveArtifacts, type ChainEditMode, type FileDeletion } from '../../../registry/maintenance/index.js';
import { lockRun, type RunLock } from '../../index.js';
import { printRows, type OutputFormat } from '../output.js';
import { bindOption, listOption, withFormat, withRepository } from './shared-options.js';

/** Takes the lock of every run (a live `qg run` of one makes it throw RUN_LOCKED); returns the release. */
function holdRuns(repo: Repository): (runs: readonly string[]) => () => void {
  return (runs) => {
    const locks: RunLock[] = [];
    try {
      for (const run of runs) {
        let folder: string;
        try {
          folder = runFolder(run);
        } catch {
          continue; // a name with no folder holds no files and cannot be run
        }
        locks.push(lockRun(join(repo.root, folder), run));
      }
    } catch (e) {
      for (const l of locks) l.release();
      throw e;
    }
    return () => {
      for (const l of locks) l.release();
    };
  };
}

/** The refusal of a destructive command run without confirmation (exit status 2). */
function needConfirmation(option: string): MaintenanceError {
  return new MaintenanceError(`nothing was removed: pass ${option} to remove what is listed above (or --dry-run to only list it)`, 'USAGE_CONFIRM');
}

/** One line about deleted and kept files. */
function filesLine(files: FileDeletion): string {
  const named = files.kept.filter((k) => k.reason === 'named by another dataset').length;
  const other = files.kept.length - named;
  return `${files.deleted} file(s) deleted` + (named ? `; ${named} kept (another dataset names them)` : '') + (other ? `; ${other} kept (outside their run folder or qg's own)` : '');
}

const withRepoArg = <T>(y: Argv<T>) => y.positional('repo', { type: 'string', describe: 'Repository folder', demandOption: true });

/** `--dry-run` of the commands that list what they would remove. */
const DRY_RUN = { type: 'boolean', default: false, describe: 'Only list what would be removed' } as const;

/** `--where` and `--bind` of the commands that find datasets. */
const DATA_ID_FILTER = {
  where: { type: 'string', default: '', describe: 'Data-ID expression, as in qg query datasets' },
  bind: { type: 'string', array: true, describe: 'name=value for :name in --where' },
} as const;

/** What the commands that find datasets (findDatasets, planPrune) take from their options besides collections and types. */
function datasetFilter(argv: Record<string, unknown>) {
  return { where: String(argv['where'] ?? ''), bind: parseBinds(bindOption(argv['bind'])), findAll: Boolean(argv['findAll']) };
}

const removeRunsCommand: CommandModule = {
  command: 'remove-runs <repo> <collections..>',
  describe: 'Remove RUN collections (names or globs) with their datasets and files; they also leave the chains that list them',
  builder: (y) => withFormat(withRepoArg(y))
    .positional('collections', { type: 'string', array: true, describe: 'RUN names or globs (* and ?); comma-separated or several' })
    .option('force', { type: 'boolean', default: false, describe: 'Remove without stopping at the listing' })
    .option('dry-run', DRY_RUN)
    .example("$0 remove-runs ./repo 'u/me/test*' --dry-run", '')
    .example("$0 remove-runs ./repo 'u/me/test*' --force", '')
    .epilog('The runs leave the CHAINED collections that list them, and their datasets the TAGGED and CALIBRATION collections; then their files are deleted. ' +
      'Without --force it lists what it would remove and stops (exit status 2). A run that `qg run` is executing is refused.'),
  handler: async (argv) => withRepository(String(argv['repo']), async (repo) => {
    const plan = await planRunRemoval(repo.registry, listOption(argv['collections'] as string[]));
    if (!plan.runs.length) {
      console.log(`no RUN collections match${plan.notRuns.length ? ` (matched, not RUNs: ${plan.notRuns.map((c) => `${c.name} (${c.type})`).join(', ')})` : ''}`);
      return;
    }
    const format = argv['format'] as OutputFormat;
    console.log(`${argv['force'] && !argv['dryRun'] ? 'removing' : 'would remove'} ${plan.runs.length} RUN collection(s) and ${plan.runs.reduce((a, r) => a + r.datasets, 0)} dataset(s):`);
    printRows(format, ['run', 'datasets', 'removed from chains'], plan.runs.map((r) => [r.name, r.datasets, r.parents.join(', ')]));
    if (argv['dryRun']) return;
    if (!argv['force']) throw needConfirmation('--force');
    const result = await removeRuns(repo, plan, { hold: holdRuns(repo) });
    console.log(`removed ${result.runs} run(s) and ${result.datasets} dataset(s); ${filesLine(result.files)}`);
  }),
};

const pruneDatasetsCommand: CommandModule = {
  command: 'prune-datasets <repo> [collections..]',
  describe: 'Purge datasets (registry and files), unstore them (files only) or disassociate them from TAGGED collections',
  builder: (y) => withFormat(withRepoArg(y))
    .positional('collections', { type: 'string', array: true, describe: 'Collections to search, in order (comma-separated or several)' })
    .option('datasets', { alias: 'dataset-type', type: 'string', array: true, describe: 'Dataset types (default: every type the collections hold)' })
    .options(DATA_ID_FILTER)
    .option('find-all', { type: 'boolean', default: false, describe: 'Every match in every collection, not only the first per data ID in collection order' })
    .option('purge', { type: 'string', describe: 'Remove the found datasets of this RUN completely (registry and files); not with --unstore/--disassociate' })
    .option('unstore', { type: 'boolean', default: false, describe: 'Delete the files (and file records), keep the registrations' })
    .option('disassociate', { type: 'string', array: true, describe: 'Take the found datasets out of these TAGGED collections' })
    .option('dry-run', DRY_RUN)
    .option('confirm', { type: 'boolean', default: true, describe: 'Stop at the listing; --no-confirm removes' })
    .option('quiet', { type: 'boolean', default: false, describe: 'Do not list the datasets' })
    .example('$0 prune-datasets ./repo u/me/run1 --purge u/me/run1 --where "detector = 2" --dry-run', '')
    .example('$0 prune-datasets ./repo u/me/run1 --unstore --datasets postISRCCD --no-confirm', '')
    .epilog('Give --purge RUN, or --unstore, --disassociate TAG or both. Without --no-confirm it lists what it would do and stops (exit status 2). ' +
      'It deletes no file of a run that `qg run` is executing: it refuses.'),
  handler: async (argv) => withRepository(String(argv['repo']), async (repo) => {
    const plan = await planPrune(repo.registry, {
      collections: listOption(argv['collections'] as string[] | undefined), datasetTypes: listOption(argv['datasets'] as string[] | undefined),
      ...datasetFilter(argv),
    }, {
      ...(argv['purge'] ? { purge: String(argv['purge']) } : {}), unstore: Boolean(argv['unstore']),
      disassociate: listOption(argv['disassociate'] as string[] | undefined),
    });
    const format = argv['format'] as OutputFormat;
    const what = plan.action.purge ? 'purge' : [plan.action.unstore ? 'unstore' : '', plan.action.disassociate?.length ? `disassociate from ${plan.action.disassociate.join(', ')}` : ''].filter(Boolean).join(' and ');
    const doIt = !argv['dryRun'] && !argv['confirm'];
    console.log(`${doIt ? 'pruning' : 'would prune'} (${what}) ${plan.datasets.length} dataset(s)${plan.datasets.length && !argv['quiet'] ? ':' : ''}`);
    if (!argv['quiet'] && plan.datasets.length) printRows(format, ['type', 'run', 'id', 'dataId'], plan.datasets.map((d) => [d.datasetType, d.run, d.id, formatDataId(d.dataId)]));
    if (plan.leftAlone.length) console.log(`left alone: ${plan.leftAlone.length} dataset(s) found in other runs than '${plan.action.purge}', e.g. ${describe(plan.leftAlone[0]!)}`);
    if (!plan.datasets.length || argv['dryRun']) return;
    if (argv['confirm']) throw needConfirmation('--no-confirm');
    const result = await pruneDatasets(repo, plan, { hold: holdRuns(repo) });
    const parts = [
      plan.action.purge ? `purged ${result.purged} dataset(s)` : '', plan.action.unstore ? `unstored ${result.unstored} dataset(s)` : '',
      plan.action.disassociate?.length ? `removed ${result.disassociated} association(s)` : '',
    ].filter(Boolean);
    console.log(`${parts.join(', ')}; ${filesLine(result.files)}`);
  }),
};

function describe(d: FoundDataset): string {
  return `${d.datasetType} ${formatDataId(d.dataId)} in '${d.run}'`;
}

const collectionChainCommand: CommandModule = {
  command: 'collection-chain <repo> <parent> [children..]',
  describe: 'Define or change a CHAINED collection (the search path of its children)',
  builder: (y) => withRepoArg(y)
    .positional('parent', { type: 'string', describe: 'The CHAINED collection (created by redefine, extend and prepend when missing)' })
    .positional('children', { type: 'string', array: true, describe: 'Collections (comma-separated or several); positions for --mode pop (default 0)' })
    .option('mode', { choices: CHAIN_EDIT_MODES as ChainEditMode[], default: 'redefine' as ChainEditMode, describe: 'redefine: replace; extend: append; prepend: put first; remove: take out; pop: take out by position' })
    .option('doc', { type: 'string', describe: 'Documentation of a chain created here' })
    .option('flatten', { type: 'boolean', default: false, describe: 'Put the children of chained children in their place' })
    .example('$0 collection-chain ./repo u/me/defaults SimCam/raw/all,SimCam/calib,skymaps', '')
    .example('$0 collection-chain ./repo u/me/defaults u/me/run2 --mode prepend', '')
    .example('$0 collection-chain ./repo u/me/defaults --mode pop', ''),
  handler: async (argv) => withRepository(String(argv['repo']), async (repo) => {
    const result = await editCollectionChain(repo.registry, String(argv['parent']), listOption(argv['children'] as string[] | undefined), {
      mode: argv['mode'] as ChainEditMode, flatten: Boolean(argv['flatten']), ...(argv['doc'] ? { doc: String(argv['doc']) } : {}),
    });
    if (result.popped.length) console.log(`popped: ${result.popped.join(', ')}`);
    console.log(`[${result.children.join(', ')}]`);
  }),
};

const certifyCommand: CommandModule = {
  command: 'certify-calibrations <repo> <input-run> <output-collection> <dataset-type>',
  describe: 'Certify the calibrations of a RUN into a CALIBRATION collection for a validity range (TAI)',
  builder: (y) => withRepoArg(y)
    .positional('input-run', { type: 'string', describe: 'The RUN holding the calibration datasets' })
    .positional('output-collection', { type: 'string', describe: 'The CALIBRATION collection (created when missing)' })
    .positional('dataset-type', { type: 'string', describe: 'A calibration dataset type, e.g. bias' })
    .option('begin-date', { type: 'string', describe: 'Start of the validity range, ISO (TAI), e.g. 2024-01-01T00:00:00; unbounded when absent' })
    .option('end-date', { type: 'string', describe: 'End of the validity range (excluded); unbounded when absent' })
    .option('search-all-inputs', { type: 'boolean', default: false, describe: 'INPUT may be a chain: the first dataset per data ID along it' })
    .example('$0 certify-calibrations ./repo u/me/bias SimCam/calib bias --begin-date 2024-01-03T00:00:00', 'Valid from that instant on')
    .epilog('Each dataset is certified for [begin, end) in TAI. A range overlapping one already certified for the same type and data ID is refused.'),
  handler: async (argv) => withRepository(String(argv['repo']), async (repo) => {
    const refs = await certifyCalibrations(repo.registry, {
      inputCollection: String(argv['inputRun']), outputCollection: String(argv['outputCollection']), datasetType: String(argv['datasetType']),
      ...(argv['beginDate'] ? { begin: taiFromIso(String(argv['beginDate'])) } : {}), ...(argv['endDate'] ? { end: taiFromIso(String(argv['endDate'])) } : {}),
      searchAllInputs: Boolean(argv['searchAllInputs']),
    });
    console.log(`certified ${refs.length} ${String(argv['datasetType'])} dataset(s) from '${String(argv['inputRun'])}' into '${String(argv['outputCollection'])}' ` +
      `for [${argv['beginDate'] ?? '-inf'}, ${argv['endDate'] ?? '+inf'}) TAI`);
  }),
};

const retrieveCommand: CommandModule = {
  command: 'retrieve-artifacts <repo> <dest>',
  describe: 'Copy (or link) the files of chosen datasets into a folder outside the repository',
  builder: (y) => withRepoArg(y)
    .positional('dest', { type: 'string', describe: 'Destination folder (created when missing; not inside the repository)' })
    .option('collections', { type: 'string', array: true, demandOption: true, describe: 'Collections to search, in order' })
    .option('dataset-type', { alias: 'd', type: 'string', array: true, describe: 'Dataset types (default: every type the collections hold)' })
    .options(DATA_ID_FILTER)
    .option('find-all', { type: 'boolean', default: false, describe: 'Every match, not only the first per data ID in collection order' })
    .option('transfer', { choices: ['copy', 'link', 'symlink'] as const, default: 'copy' as const, describe: 'copy (checksums verified), hard link or symbolic link' })
    .option('preserve-path', { type: 'boolean', default: true, describe: 'Keep the repository-relative paths (--no-preserve-path: file names only)' })
    .option('clobber', { type: 'boolean', default: false, describe: 'Replace files already at the destination' })
    .example('$0 retrieve-artifacts ./repo ./coadds --collections u/me/coadd --dataset-type deepCoadd', ''),
  handler: async (argv) => withRepository(String(argv['repo']), async (repo) => {
    const found = await findDatasets(repo.registry, {
      collections: listOption(argv['collections'] as string[]), datasetTypes: listOption(argv['datasetType'] as string[] | undefined),
      ...datasetFilter(argv),
    });
    const result = await retrieveArtifacts(repo, found, String(argv['dest']), {
      transfer: argv['transfer'] as 'copy' | 'link' | 'symlink', preservePath: Boolean(argv['preservePath']), clobber: Boolean(argv['clobber']),
    });
    for (const path of result.written) console.log(path);
    console.log(`retrieved ${result.written.length} file(s) of ${found.length} dataset(s) into ${String(argv['dest'])}` +
      (result.withoutFile.length ? `; ${result.withoutFile.length} dataset(s) have no file (e.g. ${describe(result.withoutFile[0] as FoundDataset)})` : ''));
  }),
};

/** The maintenance commands, registered at the top level (as butler's are). */
export const maintenanceCommands: readonly CommandModule[] = [removeRunsCommand, pruneDatasetsCommand, collectionChainCommand, certifyCommand, retrieveCommand];
