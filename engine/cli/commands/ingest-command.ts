/** `qg ingest`: register raw FITS files. */
import type { CommandModule } from 'yargs';
import { ingestRaws } from '../../../registry/ingest/index.js';
import { EXIT_FAILURE } from '../exit-status.js';
import { formatTable } from '../output.js';
import { withRepository } from './shared-options.js';

/** The `ingest` command. */
export const ingestCommand: CommandModule = {
  command: 'ingest <repo> <paths..>',
  describe: 'Ingest raw FITS files (or folders of them): read headers once, define exposures, register raws',
  builder: (y) => y
    .positional('repo', { type: 'string' })
    .positional('paths', { type: 'string', array: true, describe: 'Files or folders (searched for *.fits, *.fit, *.fts)' })
    .option('instrument', { type: 'string', demandOption: true, describe: 'Instrument name (its translation config maps header keywords to data IDs)' })
    .option('translation', { type: 'string', describe: 'Translation config YAML (default: the one shipped for the instrument)' })
    .option('run', { type: 'string', describe: 'RUN collection (default <instrument>/raw/all)' })
    .option('transfer', { choices: ['copy', 'link', 'symlink', 'direct'] as const, default: 'copy' as const, describe: 'How files enter the repository (direct: only for files already inside it)' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'Read and translate headers, report, register nothing' })
    .example('$0 ingest ./repo /data/night1 --instrument SAAO-STE3', '')
    .example('$0 ingest ./repo /data/night1 --instrument SAAO-STE3 --dry-run', 'What would be ingested, and which files fail and why')
    .epilog('Headers are cached in the repository (.qg/header-cache.json): a file read before, and not changed since, is not read again. Exit status 1 if a file was not ingested.'),
  handler: async (argv) => withRepository(String(argv['repo']), async (repo) => {
    const result = await ingestRaws(repo, (argv['paths'] as string[]).map(String), {
      instrument: String(argv['instrument']),
      ...(argv['translation'] ? { translation: String(argv['translation']) } : {}),
      ...(argv['run'] ? { run: String(argv['run']) } : {}),
      transfer: argv['transfer'] as 'copy' | 'link' | 'symlink' | 'direct', dryRun: Boolean(argv['dryRun']),
    });
    const verb = result.dryRun ? 'would ingest' : 'ingested';
    console.log(`${verb} ${result.dryRun ? result.planned.length : result.ingested.length} raw(s) into ${result.run} in ${result.seconds.toFixed(2)} s ` +
      `(${result.headerReads} header reads, ${result.headerCacheHits} from cache)`);
    if (result.failed.length) {
      console.log(`\n${result.failed.length} file(s) not ingested:\n${formatTable(['path', 'code', 'reason'], result.failed.map((f) => [f.path, f.code, f.reason]))}`);
      process.exitCode = EXIT_FAILURE;
    }
  }),
};
