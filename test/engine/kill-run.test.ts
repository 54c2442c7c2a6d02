/**
 * `kill -9` of the whole `qg run` process at random moments, repeated, on both dialects:
 * the real CLI (`node engine/cli/qg.mjs run GRAPH.qg ...`) is spawned on a 201-quantum
 * arithmetic graph and killed with SIGKILL at a random moment: while it loads, starts its
 * workers and cleans up after the previous kill, or (most often) a random delay after the
 * run has announced itself in its event log, while quanta run and batches of outputs are
 * flushed and registered. After every kill the
 * registry and the files must agree (each registered dataset has its file with the recorded
 * size and checksum, nothing is registered twice); unregistered files may be left. Then the
 * same command runs to the end, and: every output the graph predicts is registered exactly
 * once under the graph's UUID, every file matches its record, no orphan file is left, and the
 * results equal the hand computation. Set QG_KILL_SEED to replay a sequence of delays.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Repository } from '../../registry/index.js';
import { saveGraph, type QuantumGraph } from '../../planner/index.js';
import { GraphJobs, readEventLog } from '../../engine/index.js';
import { seededRandom } from '../support/random.js';
import { DIALECTS, makeRepo, tempDir } from '../support/test-repos.js';
import { ARITH_TASK_MODULE } from './fixtures/arith-tasks.js';
import { ARITH_PIPELINE, buildArith, expectConsistentRun, expectedCombined, expectedTotal, fillArithRepo, pipelineWith } from './engine-helpers.js';
import { runCli, type KillPoint } from './kill-helpers.js';

const DETECTORS = 100;
const KILLS = Number(process.env.QG_KILLS ?? 5);
const SEED = Number(process.env.QG_KILL_SEED ?? Date.now() % 1_000_000);

describe.each(DIALECTS)('kill -9 of qg run (%s)', (dialect) => {
  let repo: Repository;
  let root: string;
  let dispose: () => Promise<void>;
  let graph: QuantumGraph;
  let graphFile: string;
  const dir = tempDir('qg-kill-');

  beforeAll(async () => {
    ({ repo, root, dispose } = await makeRepo(dialect));
    await fillArithRepo(repo, DETECTORS);
    const pipeline = pipelineWith(dir.path, ARITH_PIPELINE, { square: { sleepMs: 40 }, combine: { sleepMs: 40 } });
    graph = await buildArith(repo, pipeline, 'u/kill');
    graphFile = join(dir.path, 'kill.qg');
    await saveGraph(graph, graphFile);
  });
  afterAll(async () => {
    await dispose?.();
    dir.cleanup();
  });

  it(`survives ${KILLS} kills at random points, then completes with every output registered once (seed ${SEED})`, async () => {
    const rand = seededRandom(SEED + (dialect === 'sqlite' ? 0 : 1));
    const args = ['run', graphFile, '-b', root, '-j', '2', '--tasks', ARITH_TASK_MODULE, '--no-progress'];
    const eventLog = join(root, graph.header.outputRun, '_events.jsonl');
    const history: string[] = [];
    let kills = 0;
    // Kill points: some while the process loads, starts its workers and cleans up after the
    // previous kill (0.2-3.5 s after the spawn; the run starts after 2-4 s here), most while
    // quanta run and batches register (0-1.5 s after the run announced itself in its event
    // log), in random order.
    const points: KillPoint[] = Array.from({ length: KILLS }, (_, i) => (i % 3 === 0
      ? { after: 'spawn', ms: Math.round(200 + rand() * 3300) }
      : { after: 'run-started', ms: Math.round(rand() * 1500) }));
    for (let i = points.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [points[i], points[j]] = [points[j]!, points[i]!];
    }
    for (const point of points) {
      const result = await runCli(args, point, eventLog);
      history.push(`${point.ms} ms after ${point.after}: ${result.killed ? `killed at ${result.ms} ms` : `exited ${result.status}`}`);
      if (result.killed) kills++;
      else expect(result.status, `${history.join('; ')}\n${result.output}`).toBe(0);
      const datasets = await expectConsistentRun(repo, graph.header.outputRun, { allowOrphans: true });
      history[history.length - 1] += ` (${datasets.length} datasets registered, ${datasets.orphans?.length ?? 0} unregistered files)`;
      if (!result.killed) break; // finished before the kill: nothing left to interrupt
    }
    const final = await runCli(args, null, eventLog);
    expect(final.status, `${history.join('; ')}\n${final.output}`).toBe(0);
    expect(kills, history.join('; ')).toBeGreaterThan(0);

    const datasets = await expectConsistentRun(repo, graph.header.outputRun);
    // every predicted output exactly once, under the graph's UUID
    const gj = new GraphJobs(graph, repo.datastore.template);
    const expected = new Map<string, string>();
    for (let q = 0; q < graph.quantumCount; q++) for (const o of gj.outputs(q)) expected.set(graph.datasetId(o.dataset), gj.ref(o.dataset).datasetType);
    for (const t of graph.tasks) {
      const config = graph.datasetTypes.find((x) => x.name === `${t.label}_config`)!;
      expected.set(graph.datasetId(config.datasetOffset), config.name);
    }
    expect(datasets).toHaveLength(expected.size);
    for (const d of datasets) expect(expected.get(d.id), `${d.datasetType} ${JSON.stringify(d.dataId)}`).toBe(d.datasetType);
    // the numbers
    const all = Array.from({ length: DETECTORS }, (_, d) => d);
    const total = datasets.find((d) => d.datasetType === 'total')!;
    expect(JSON.parse(readFileSync(join(root, total.path!), 'utf8'))).toEqual({ value: expectedTotal(all), detectors: all });
    for (const d of datasets.filter((x) => x.datasetType === 'combined')) {
      expect(JSON.parse(readFileSync(join(root, d.path!), 'utf8'))).toEqual({ value: expectedCombined(Number(d.dataId['detector'])) });
    }
    // the event log survived the kills (a torn last line is skipped) and records every invocation that started
    const events = readEventLog(eventLog);
    expect(events.filter((e) => e.event === 'run-finished').length).toBeGreaterThanOrEqual(1);
    console.log(`[${dialect}] kill -9 sequence (seed ${SEED}): ${history.join('; ')}; then completed`);
  }, 120_000);
});
