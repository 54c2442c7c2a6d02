/**
 * Output names at build time, on each dialect. An output (`-o` chain or `--output-run`) that
 * `qg run` could not use (absolute, `..`, whitespace) is refused by the build with
 * BUILD_OUTPUT_NAME, the CLI exits 2, and no folder is made anywhere; a graph naming one
 * (made before this check) is refused by `qg run` before its lock makes a folder. Two
 * builds with the same `-o` in the same second get different output runs: `-2`, `-3`, ...
 * when the timestamped name is registered or its run folder exists.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../engine/cli/main.js';
import { runGraph } from '../../engine/index.js';
import { RegistryError, runFolder, type Repository } from '../../registry/index.js';
import { buildQuantumGraph, PlanningError, type BuildSpec } from '../../planner/index.js';
import { DIALECTS, makeRepo, tempDir } from '../support/test-repos.js';
import { ARITH_TASK_MODULE, TASK_LIBRARY } from '../engine/fixtures/arith-tasks.js';
import { ARITH_PIPELINE, INPUT_RUN, fillArithRepo, filesUnder } from '../engine/engine-helpers.js';

/** The error `p` rejects with. */
async function rejection(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

describe.each(DIALECTS)('output names (%s)', (dialect) => {
  let repo: Repository;
  let root: string;
  let dispose: () => Promise<void>;
  const dir = tempDir('qg-output-names-');
  const outside = join(dir.path, 'outside');
  const spec = (output: Partial<BuildSpec>): BuildSpec => ({
    pipeline: ARITH_PIPELINE, inputs: [INPUT_RUN], library: TASK_LIBRARY, where: "instrument = 'Arith'", ...output,
  });
  /** Everything under the repository root but the registry: no folder may appear. */
  const tree = () => filesUnder(root, root).concat(readdirSync(root)).sort();

  beforeAll(async () => {
    ({ repo, root, dispose } = await makeRepo(dialect));
    await fillArithRepo(repo, 2);
  });
  afterAll(async () => {
    await dispose?.();
    dir.cleanup();
  });
  beforeEach(() => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation(() => {});
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  it('the build refuses an output run cannot use, naming the option, with nothing made', async () => {
    const before = tree();
    const cases: [Partial<BuildSpec>, string][] = [
      [{ output: outside }, '-o'], [{ output: '../..' }, '-o'], [{ output: 'u/a b' }, '-o'],
      [{ outputRun: '/tmp/qg-evil/run' }, '--output-run'], [{ outputRun: 'u/../../run' }, '--output-run'],
      [{ output: 'u/fine', outputRun: '/abs/run' }, '--output-run'], [{ output: '/abs', outputRun: 'u/fine/run' }, '-o'],
    ];
    for (const [output, option] of cases) {
      const e = await rejection(buildQuantumGraph(repo, spec(output)));
      expect(e).toBeInstanceOf(PlanningError);
      expect(e.code).toBe('BUILD_OUTPUT_NAME');
      expect(e.message.startsWith(`${option} '`)).toBe(true);
    }
    expect(tree()).toEqual(before);
    expect(existsSync(outside)).toBe(false);
  });

  it('qg build and qg run -p exit 2 on such names and make no folder', async () => {
    const before = tree();
    const build = await main(['build', '-b', root, '-p', 'drp.yaml', '-i', INPUT_RUN, '-o', outside, '--save', join(dir.path, 'x.qg')]);
    expect(build).toBe(2);
    expect(existsSync(join(dir.path, 'x.qg'))).toBe(false);
    for (const output of ['../../escape', outside]) {
      const run = await main(['run', '-b', root, '-p', ARITH_PIPELINE, '-i', INPUT_RUN, '-o', output, '--tasks', ARITH_TASK_MODULE, '--no-progress']);
      expect(run).toBe(2);
    }
    const explicit = await main(['run', '-b', root, '-p', ARITH_PIPELINE, '-i', INPUT_RUN, '--output-run', '../x', '--tasks', ARITH_TASK_MODULE, '--no-progress']);
    expect(explicit).toBe(2);
    expect(tree()).toEqual(before);
    expect(existsSync(outside)).toBe(false);
  });

  it('qg run refuses a graph naming such an output before making its folder', async () => {
    const { graph } = await buildQuantumGraph(repo, spec({ output: 'u/crafted' }));
    (graph.header as { outputRun: string }).outputRun = '../../crafted';
    const before = tree();
    const e = await rejection(runGraph(repo, graph, { taskModules: [ARITH_TASK_MODULE] }));
    expect(e).toBeInstanceOf(RegistryError);
    expect(tree()).toEqual(before);
  });

  it('two builds with the same -o in the same second get different output runs', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-06T12:00:00.250Z'));
    const run = async () => (await buildQuantumGraph(repo, spec({ output: 'u/same' }))).graph.header.outputRun;
    expect(await run()).toBe('u/same/20261206T120000Z');
    await repo.registry.collections.register('u/same/20261206T120000Z', 'RUN'); // the first one ran
    expect(await run()).toBe('u/same/20261206T120000Z-2');
    mkdirSync(join(root, runFolder('u/same/20261206T120000Z-2')), { recursive: true }); // a run folder left on disk
    expect(await run()).toBe('u/same/20261206T120000Z-3');
  });

  it('qg run -p twice with the same -o in the same second makes two runs', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-06T13:00:00.250Z'));
    for (let i = 0; i < 2; i++) {
      expect(await main(['run', '-b', root, '-p', ARITH_PIPELINE, '-i', INPUT_RUN, '-o', 'u/twice', '--tasks', ARITH_TASK_MODULE, '--no-progress'])).toBe(0);
    }
    repo.registry.collections.invalidate();
    const runs = (await repo.registry.collections.query('u/twice/*', ['RUN'])).map((c) => c.name);
    expect(runs).toEqual(['u/twice/20261206T130000Z', 'u/twice/20261206T130000Z-2']);
  });
});
