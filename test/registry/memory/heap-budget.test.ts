/**
 * Heap headroom: the estimate against the limit (pure), then the checks where they are made.
 * With V8 reporting a nearly full heap: a spatial join fails with HEAP_HEADROOM after reading
 * its regions and before decoding them; a build fails before reading its edges (the CLI
 * exits 1 naming NODE_OPTIONS=--max-old-space-size) instead of a FATAL abort; `qg run` fails
 * before its lock makes the run folder. (Without the checks, a 290k-quanta build under
 * --max-old-space-size=200 ended in "FATAL ERROR: ... JavaScript heap out of memory" while
 * decoding 127k visit-detector regions, and under 50 MB the 56k-quanta one did likewise.)
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import v8 from 'node:v8';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../engine/cli/main.js';
import { EngineError, runGraph } from '../../../engine/index.js';
import { graphHeapNeed, graphHeapProblem, heapShortfall, queryDataIds, RegistryError, runFolder, type Repository } from '../../../registry/index.js';
import { buildQuantumGraph, PlanningError, type BuildSpec } from '../../../planner/index.js';
import { simulateRepository } from '../../../pipelines/simulate/index.js';
import { makeRepo } from '../../support/test-repos.js';
import { ARITH_TASK_MODULE, TASK_LIBRARY } from '../../engine/fixtures/arith-tasks.js';
import { ARITH_PIPELINE, INPUT_RUN, fillArithRepo } from '../../engine/engine-helpers.js';

const MB = 2 ** 20;

/** V8 reports a heap whose 64 MB old space has `free` bytes left (its limit also counts the 48 MB young generation). */
function heapWithFree(free: number): void {
  const real = v8.getHeapStatistics();
  vi.spyOn(v8, 'getHeapStatistics').mockReturnValue({ ...real, heap_size_limit: 112 * MB, used_heap_size: 64 * MB - free });
}

/** The error `p` rejects with (null if it resolves). */
async function rejection(p: Promise<unknown>): Promise<(Error & { code?: string }) | null> {
  return p.then(() => null, (e: unknown) => e as Error & { code?: string });
}

describe('heap budget (pure)', () => {
  const size = { quanta: 289_948, datasets: 996_664, edges: 1_690_650 };

  it('the need grows linearly with quanta, datasets and edges; a run also pays per dataset', () => {
    const small = { quanta: 1000, datasets: 3000, edges: 6000 };
    expect(graphHeapNeed('build', small)).toBe(10_000 * 64);
    expect(graphHeapNeed('build', { quanta: 2000, datasets: 6000, edges: 12_000 })).toBe(2 * graphHeapNeed('build', small));
    expect(graphHeapNeed('run', small)).toBe(10_000 * 64 + 3000 * 512);
  });

  it('a need that fits has no shortfall; one that does not suggests used + need with a quarter to spare, in 256 MB steps', () => {
    expect(heapShortfall(100 * MB, { limit: 512 * MB, used: 412 * MB })).toBeNull();
    expect(heapShortfall(100 * MB + 1, { limit: 512 * MB, used: 412 * MB })).toBe(768); // 512 MB * 1.25 = 640 -> 768
    expect(heapShortfall(1000 * MB, { limit: 256 * MB, used: 200 * MB })).toBe(1536); // 1200 * 1.25 = 1500 -> 1536
    expect(heapShortfall(0, { limit: 256 * MB, used: 300 * MB })).toBe(512);
  });

  it('the message names the work, the need, the free heap and the NODE_OPTIONS setting', () => {
    const heap = { limit: 200 * MB, used: 40 * MB };
    expect(graphHeapProblem('build', size, heap)).toBe(
      'building a graph of 289948 quanta, 996664 datasets and ~1690650 edges needs about 182 MB of heap, but only 160 MB of the 200 MB limit is free: ' +
      'run again with NODE_OPTIONS=--max-old-space-size=512');
    expect(graphHeapProblem('run', size, heap)).toMatch(/^running a graph of 289948 quanta, 996664 datasets and 1690650 edges needs about 669 MB of heap, .*NODE_OPTIONS=--max-old-space-size=1024$/);
    expect(graphHeapProblem('build', size, { limit: 4096 * MB, used: 40 * MB })).toBeNull();
  });
});

describe('heap checks before the big phases', () => {
  let repo: Repository;
  let root: string;
  let dispose: () => Promise<void>;
  const spec: BuildSpec = { pipeline: ARITH_PIPELINE, inputs: [INPUT_RUN], output: 'u/heap', library: TASK_LIBRARY, where: "instrument = 'Arith'" };

  beforeAll(async () => {
    ({ repo, root, dispose } = await makeRepo('sqlite'));
    await fillArithRepo(repo, 4);
  });
  afterAll(async () => dispose?.());
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  it('a build fails with HEAP_HEADROOM when its estimate does not fit, and succeeds when it does', async () => {
    heapWithFree(1000); // 9 quanta, 34 datasets, ~43 edges need ~5.5 KB
    const e = await rejection(buildQuantumGraph(repo, spec));
    expect(e).toBeInstanceOf(PlanningError);
    expect(e!.code).toBe('HEAP_HEADROOM');
    expect(e!.message).toContain('NODE_OPTIONS=--max-old-space-size=256');
    heapWithFree(MB);
    expect((await buildQuantumGraph(repo, spec)).graph.quantumCount).toBe(9);
  });

  it('the CLI exits 1 with the message; qg run refuses before making the run folder', async () => {
    const { graph } = await buildQuantumGraph(repo, spec);
    heapWithFree(1000);
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await main(['run', '-b', root, '-p', ARITH_PIPELINE, '-i', INPUT_RUN, '-o', 'u/heap-cli', '--tasks', ARITH_TASK_MODULE, '--no-progress'])).toBe(1);
    expect(err.mock.calls.flat().join('\n')).toMatch(/qg: error: building a graph of 9 quanta.*NODE_OPTIONS=--max-old-space-size=256/);
    const e = await rejection(runGraph(repo, graph, { taskModules: [ARITH_TASK_MODULE] }));
    expect(e).toBeInstanceOf(EngineError);
    expect(e!.code).toBe('HEAP_HEADROOM');
    expect(existsSync(join(root, runFolder(graph.header.outputRun)))).toBe(false);
  });

  it('a spatial join fails with HEAP_HEADROOM before decoding regions that would not fit', async () => {
    const sim = await makeRepo('sqlite');
    try {
      await simulateRepository(sim.repo, { profile: 'tiny', pixels: false });
      const query = () => queryDataIds(sim.repo.registry, { dimensions: ['visit', 'detector', 'patch'], where: "instrument = 'SimCam' AND skymap = 'simSkyMap'" });
      const rows = (await query()).rows.length;
      expect(rows).toBeGreaterThan(0);
      heapWithFree(1000);
      const e = await rejection(query());
      expect(e).toBeInstanceOf(RegistryError);
      expect(e!.code).toBe('HEAP_HEADROOM');
      expect(e!.message).toMatch(/^decoding \d+ \w+ regions for a spatial join needs about \d+ MB of heap.*--max-old-space-size=256$/);
    } finally {
      await sim.dispose();
    }
  });
});
