/** `qg repo create|import|export|check`. */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { Repository } from '../../../registry/index.js';
import { EXPORT_FILE, MaintenanceError, checkRepository, exportWithFiles } from '../../../registry/maintenance/index.js';
import { exportButlerYaml, importButlerExport } from '../../../registry/butler-export/index.js';
import { EXIT_FAILURE } from '../exit-status.js';
import { displayPath, formatTable } from '../output.js';
import { withRepository } from './shared-options.js';

const create: CommandModule = {
  command: 'create <repo>',
  describe: 'Create an empty repository (SQLite registry in the folder, or PostgreSQL with --db)',
  builder: (y) => y
    .positional('repo', { type: 'string', describe: 'Folder to create (must be absent or empty)' })
    .option('db', { type: 'string', describe: 'postgresql://user:password@host:port/database for a shared registry' })
    .option('schema', { type: 'string', describe: 'PostgreSQL schema for this repository (lets one database hold several)' })
    .option('universe', { type: 'string', describe: 'Dimension universe YAML (default: the one shipped, LSST-compatible names)' })
    .example('$0 repo create ./repo', 'Embedded SQLite registry in ./repo/registry.sqlite3')
    .example('$0 repo create ./repo --db postgresql://qg@dbhost/survey --schema rc2', 'Shared PostgreSQL registry'),
  handler: async (argv) => {
    const repo = await Repository.create(String(argv['repo']), {
      ...(argv['db'] ? { db: String(argv['db']) } : {}),
      ...(argv['schema'] ? { schema: String(argv['schema']) } : {}),
      ...(argv['universe'] ? { universeYaml: readFileSync(String(argv['universe']), 'utf8') } : {}),
    });
    console.log(`created repository ${displayPath(repo.root)} (${repo.config.registry.dialect} registry)`);
    await repo.close();
  },
};

const importCmd: CommandModule = {
  command: 'import <repo> <file>',
  describe: "Import a YAML file written by LSST's `butler export` (or `qg repo export`), in one transaction",
  builder: (y) => y
    .positional('repo', { type: 'string' })
    .positional('file', { type: 'string', describe: 'export.yaml, or a folder written by `qg repo export --transfer` (its export.yaml)' })
    .option('skip-existing-dimensions', { type: 'boolean', default: false, describe: 'Leave dimension records that already exist alone instead of failing' })
    .option('transfer', { choices: ['copy', 'link', 'none'] as const, default: 'copy' as const, describe: "How dataset files beside the export (at their recorded paths) come in; 'none': look for them in the repository only" })
    .example('$0 repo import ./repo export.yaml', '')
    .example('$0 repo import ./new-repo ./exported', 'A folder written by `qg repo export --transfer`: the registry and every dataset file')
    .epilog('Dataset files beside the export, at the paths it records (as `qg repo export --transfer` writes them), come in with it: copied, unless --transfer says otherwise.'),
  handler: async (argv) => withRepository(String(argv['repo']), async (repo) => {
    const start = performance.now();
    const file = existsSync(String(argv['file'])) && statSync(String(argv['file'])).isDirectory() ? join(String(argv['file']), EXPORT_FILE) : String(argv['file']);
    const s = await importButlerExport(repo, file, { skipExistingDimensions: Boolean(argv['skipExistingDimensions']), transfer: argv['transfer'] as 'copy' | 'link' | 'none' });
    const records = Object.values(s.dimensionRecords).reduce((a, b) => a + b, 0);
    console.log(`imported ${records} dimension records, ${s.collections} collections, ${s.datasetTypes} dataset types, ${s.datasets} datasets, ` +
      `${s.associations} tagged associations, ${s.certifications} certifications in ${((performance.now() - start) / 1000).toFixed(2)} s`);
    for (const [element, fields] of Object.entries(s.droppedFields)) console.log(`note: ${element} fields not in qg's universe were dropped: ${fields.join(', ')}`);
  }),
};

const exportCmd: CommandModule = {
  command: 'export <repo> [file]',
  describe: 'Write the whole registry in butler-export YAML (stdout when no file); with --transfer, a folder with export.yaml and every dataset file',
  builder: (y) => y.positional('repo', { type: 'string' }).positional('file', { type: 'string', describe: 'export.yaml; with --transfer, the folder to write (absent or empty)' })
    .option('transfer', { choices: ['copy', 'link'] as const, describe: 'Also copy (or hard-link) every dataset file into the folder, so that importing it gives a repository that can run' })
    .example('$0 repo export ./repo export.yaml', '')
    .example('$0 repo export ./repo ./exported --transfer copy', 'A folder with every dataset file too: importing it gives a repository that runs')
    .epilog('What it writes round-trips: `qg repo import` of it gives the same registry.'),
  handler: async (argv) => withRepository(String(argv['repo']), async (repo) => {
    if (argv['transfer']) {
      if (!argv['file']) throw new MaintenanceError('--transfer needs the folder to write (qg repo export REPO FOLDER --transfer copy)', 'USAGE_EXPORT');
      const result = await exportWithFiles(repo, String(argv['file']), argv['transfer'] as 'copy' | 'link');
      console.log(`exported the registry to ${result.exportFile} and ${result.files} file(s) beside it (${String(argv['transfer'])})`);
      return;
    }
    const text = await exportButlerYaml(repo);
    if (argv['file']) writeFileSync(String(argv['file']), text);
    else process.stdout.write(text);
  }),
};

const check: CommandModule = {
  command: 'check <repo>',
  describe: 'Verify indexes, report row counts and statistics, and show the plan of a representative spatial join',
  builder: (y) => y.positional('repo', { type: 'string' })
    .example('$0 repo check ./repo', 'Exit status 1 if an index qg expects is missing'),
  handler: async (argv) => withRepository(String(argv['repo']), async (repo) => {
    const report = await checkRepository(repo);
    console.log(`registry: ${report.dialect}`);
    console.log(formatTable(['table', 'rows', 'indexes'], report.tables.map((t) => [t.name, t.rows, t.indexes.length])));
    console.log(`\nstatistics: ${report.statistics}`);
    console.log(report.missingIndexes.length ? `\nMISSING INDEXES:\n  ${report.missingIndexes.join('\n  ')}` : '\nindexes: all expected indexes present');
    console.log(`\nplan of visit_detector_region x patch (through htm overlaps):\n${report.plan}`);
    if (report.missingIndexes.length) process.exitCode = EXIT_FAILURE;
  }),
};

/** The `repo` command group. */
export const repoCommands: CommandModule = {
  command: 'repo <command>',
  describe: 'Create, import into, export and check repositories',
  builder: (y) => y.command(create).command(importCmd).command(exportCmd).command(check).demandCommand(1),
  handler: () => {},
};
