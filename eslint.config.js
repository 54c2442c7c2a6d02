// Lint rules run by `npm test`. Besides typescript-eslint's recommended rules, they encode the
// README's one-way dependencies between the top-level folders:
//   engine -> planner -> pipelines -> registry  (engine may also use pipelines and registry)
// and that a folder is entered only through an index.ts: the top-level folder's public surface,
// or a subfolder's narrower one (registry/datastore, registry/query/where, pipelines/core) for
// code that must start fast (worker threads, `qg show`) without the databases and YAML.
import tseslint from 'typescript-eslint';

/** An import of `folder` other than an index (its internals). */
const internalsOf = (folder) => ({
  group: [`**/${folder}/**/*.js`, `!**/${folder}/**/index.js`], // files, not folders: gitignore cannot re-include a file inside an excluded folder
  message: `import ${folder}/ through an index.ts (its public surface, or a subfolder's)`,
});

/** Any import of `folder`, which the importing folder must not depend on. */
const forbidden = (folder, why) => ({ group: [`**/${folder}/**`, `**/${folder}/index.js`], message: why });

/** `no-restricted-imports` for the files of one top-level folder. */
const boundary = (files, patterns) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns }] } });

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'demo-repo/**', 'test/support/debian-data/**', '.scratch/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  boundary(['registry/**/*.ts'], [
    forbidden('planner', 'registry/ imports nothing of ours (planner depends on registry, not the reverse)'),
    forbidden('engine', 'registry/ imports nothing of ours (engine depends on registry, not the reverse)'),
    forbidden('pipelines', 'registry/ imports nothing of ours (pipelines depend on registry, not the reverse)'),
  ]),
  boundary(['pipelines/**/*.ts'], [
    forbidden('planner', 'pipelines/ must not depend on planner/ (the planner uses the pipeline model)'),
    forbidden('engine', 'pipelines/ must not depend on engine/ (the engine runs the tasks)'),
    internalsOf('registry'),
  ]),
  boundary(['planner/**/*.ts'], [
    forbidden('engine', 'planner/ must not depend on engine/ (the engine runs what the planner builds)'),
    internalsOf('registry'),
    internalsOf('pipelines'),
  ]),
  boundary(['engine/**/*.ts'], [internalsOf('registry'), internalsOf('pipelines'), internalsOf('planner')]),
);
