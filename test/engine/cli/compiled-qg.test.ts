/**
 * Compiled qg (dist/qg.cjs) as users start it, through engine/cli/qg.mjs: `qg run` of user
 * tasks (a TypeScript module and shell commands) twice, the second time with the main
 * process and every worker thread starting from V8's code cache (engine/cli/launch.mjs), in
 * which Node 20 loses the loader of `import()` unless the launcher lends its own; a code
 * cache V8 refuses costs only its rewrite; and the Slurm job scripts compiled `qg submit`
 * writes start qg by a path that exists.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { saveGraph } from '../../../planner/index.js';
import { Repository } from '../../../registry/index.js';
import { DIALECTS, makeRepo, tempDir } from '../../support/test-repos.js';
import { ARITH_TASK_MODULE } from '../fixtures/arith-tasks.js';
import { ARITH_PIPELINE, buildArith, copyUserTasks, fillArithRepo, INPUT_RUN, INSTRUMENT } from '../engine-helpers.js';

const ROOT = new URL('../../../', import.meta.url);
const QG = fileURLToPath(new URL('engine/cli/qg.mjs', ROOT));
const DETECTORS = 3;

/** Runs compiled `qg args...`; throws (with its stderr) unless it exits 0. */
const qg = (...args: string[]) => execFileSync(process.execPath, [QG, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** The code cache file of the current build for the kind of run `key`. */
function cacheFile(key: string): string {
  const { builtAt } = JSON.parse(readFileSync(new URL('dist/build-stamp.json', ROOT), 'utf8')) as { builtAt: number };
  return fileURLToPath(new URL(`dist/code-cache/${key}-${builtAt}.bin`, ROOT));
}

describe('compiled qg', () => {
  beforeAll(async () => {
    const { distState } = (await import(new URL('engine/cli/launch.mjs', ROOT).href)) as { distState: () => string };
    const state = distState();
    if (state !== 'fresh') throw new Error(`dist/ is not fresh (${state}): run \`npm run build\` (npm ci does)`);
  });

  it('runs user tasks twice, the second time with every start from the code cache', async () => {
    const dir = tempDir('qg-compiled-');
    try {
      const root = join(dir.path, 'repo');
      mkdirSync(root);
      const repo = await Repository.create(root);
      await fillArithRepo(repo, DETECTORS);
      await repo.close();
      const pipeline = copyUserTasks(join(dir.path, 'pipelines'));
      const run = (n: number) => qg('run', '-b', root, '-p', pipeline, '-i', INPUT_RUN, '-o', `u/compiled${n}`, '--where', `instrument = '${INSTRUMENT}'`, '-j', '2');
      // square, combine per detector, sum once: every one needs import() (the .ts module, or tsx to load it)
      const quanta = 2 * DETECTORS + 1;
      expect(run(1)).toContain(`${quanta} succeeded, 0 failed`);
      const caches = ['qg-run', 'worker'].map(cacheFile);
      const written = caches.map((f) => statSync(f).mtimeMs);
      expect(run(2)).toContain(`${quanta} succeeded, 0 failed`);
      // V8 took them: one it refuses is written again
      expect(caches.map((f) => statSync(f).mtimeMs)).toEqual(written);
    } finally {
      dir.cleanup();
    }
  });

  // a shared registry is what submission needs: PostgreSQL
  it.runIf(DIALECTS.includes('postgresql'))('writes job scripts that start this qg (submit --dry-run)', async () => {
    const { repo, root, dispose } = await makeRepo('postgresql');
    try {
      await fillArithRepo(repo, DETECTORS);
      const graph = await buildArith(repo, ARITH_PIPELINE, 'u/compiled-submit');
      const file = join(root, 'submit.qg');
      await saveGraph(graph, file);
      qg('submit', file, '-b', root, '--dry-run', '--tasks', ARITH_TASK_MODULE);
      const scripts = join(root, graph.header.outputRun, '_submit', 'scripts');
      const started = [...readFileSync(join(scripts, 'a000.sh'), 'utf8').matchAll(/[^\s'"]+qg\.mjs/g)].map((m) => m[0]);
      expect(started).toEqual([QG]);
      expect(existsSync(started[0]!)).toBe(true);
    } finally {
      await dispose();
    }
  });

  it('rewrites a code cache V8 refuses, and runs as without one', () => {
    const help = qg('--help');
    const file = cacheFile('qg-help');
    const garbage = Buffer.alloc(statSync(file).size, 0x5a);
    writeFileSync(file, garbage);
    expect(qg('--help')).toBe(help);
    expect(readFileSync(file).equals(garbage)).toBe(false);
    expect(qg('--help')).toBe(help);
  });
});
