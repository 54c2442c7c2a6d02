/**
 * `kill -9` of `qg run` while command tasks run, repeated, then resumed, on both dialects:
 * the real CLI runs the user-task graph (fixtures/user-tasks/: a module, then a command per
 * detector that sleeps before writing, then a gathering command) and is killed with SIGKILL a
 * random delay after its first command started (at least one kill must cut a command short,
 * as the event log tells). After every kill no process of the killed
 * run's commands is left (their watchdogs kill their groups) and the registry and the files
 * agree. The last run completes: every output the graph predicts is registered exactly once
 * under the graph's UUID, no file is left without a record (no staged output of a killed
 * command), and the numbers equal the hand computation. QG_KILL_SEED replays the delays.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Repository } from '../../registry/index.js';
import { saveGraph, type QuantumGraph } from '../../planner/index.js';
import { GraphJobs, readEventLog } from '../../engine/index.js';
import { seededRandom } from '../support/random.js';
import { DIALECTS, makeRepo, tempDir } from '../support/test-repos.js';
import { buildArith, copyUserTasks, expectConsistentRun, expectedCombined, expectedTotal, fillArithRepo, INSTRUMENT, pipelineWith } from './engine-helpers.js';
import { processesWith, runCli } from './kill-helpers.js';

const DETECTORS = 24;
const KILLS = Number(process.env.QG_KILLS ?? 3);
const SEED = Number(process.env.QG_KILL_SEED ?? Date.now() % 1_000_000);

/** Combine quanta (commands) the last invocation in the event log started and did not finish. */
function commandsCut(eventLog: string): number {
  const events = readEventLog(eventLog);
  const last = events.map((e) => e.event).lastIndexOf('run-started');
  const running = new Set<number>();
  for (const e of events.slice(last)) {
    if (e.event === 'quantum-started' && e.task === 'combine') running.add(e.quantum);
    if (e.event === 'quantum-finished') running.delete(e.quantum);
  }
  return running.size;
}

/** Waits `ms` milliseconds. */
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(DIALECTS)('kill -9 of qg run with command tasks (%s)', (dialect) => {
  let repo: Repository;
  let root: string;
  let dispose: () => Promise<void>;
  let graph: QuantumGraph;
  let graphFile: string;
  const dir = tempDir('qg-kill-command-');

  beforeAll(async () => {
    ({ repo, root, dispose } = await makeRepo(dialect));
    await fillArithRepo(repo, DETECTORS);
    const pipelines = join(dir.path, 'pipelines');
    const pipeline = pipelineWith(pipelines, copyUserTasks(pipelines), { combine: { sleep: 0.3 } });
    graph = await buildArith(repo, pipeline, 'u/kill-command');
    graphFile = join(dir.path, 'kill.qg');
    await saveGraph(graph, graphFile);
  });
  afterAll(async () => {
    await dispose?.();
    dir.cleanup();
  });

  it(`survives ${KILLS} kills while commands run, then completes with every output registered once (seed ${SEED})`, async () => {
    const rand = seededRandom(SEED + (dialect === 'sqlite' ? 0 : 1));
    const args = ['run', graphFile, '-b', root, '-j', '2', '--no-progress'];
    const eventLog = join(root, graph.header.outputRun, '_events.jsonl');
    const history: string[] = [];
    let kills = 0;
    let cut = 0;
    for (let i = 0; i < KILLS; i++) {
      // timed from the first command's start: the set-up before it takes seconds on a loaded machine
      const result = await runCli(args, { after: 'quantum-started', task: 'combine', ms: Math.round(50 + rand() * 900) }, eventLog);
      history.push(result.killed ? `killed at ${result.ms} ms` : `exited ${result.status}`);
      if (!result.killed) {
        expect(result.status, `${history.join('; ')}\n${result.output}`).toBe(0);
        break;
      }
      kills++;
      cut += commandsCut(eventLog);
      await pause(300);
      expect(processesWith(dir.path), 'commands of the killed run still running').toEqual([]);
      const datasets = await expectConsistentRun(repo, graph.header.outputRun, { allowOrphans: true });
      history[history.length - 1] += ` (${datasets.length} datasets registered, ${datasets.orphans?.length ?? 0} unregistered files)`;
    }
    const final = await runCli(args, null, eventLog);
    expect(final.status, `${history.join('; ')}\n${final.output}`).toBe(0);
    expect(kills, history.join('; ')).toBeGreaterThan(0);
    expect(cut, `no kill hit a running command: ${history.join('; ')}`).toBeGreaterThan(0);

    const datasets = await expectConsistentRun(repo, graph.header.outputRun);
    const gj = new GraphJobs(graph, repo.datastore.template);
    const expected = new Map<string, string>();
    for (let q = 0; q < graph.quantumCount; q++) for (const o of gj.outputs(q)) expected.set(graph.datasetId(o.dataset), gj.ref(o.dataset).datasetType);
    for (const t of graph.tasks) {
      const config = graph.datasetTypes.find((x) => x.name === `${t.label}_config`)!;
      expected.set(graph.datasetId(config.datasetOffset), config.name);
    }
    expect(datasets).toHaveLength(expected.size);
    for (const d of datasets) expect(expected.get(d.id), `${d.datasetType} ${JSON.stringify(d.dataId)}`).toBe(d.datasetType);
    const all = Array.from({ length: DETECTORS }, (_, d) => d);
    const value = (type: string, detector?: number) => JSON.parse(readFileSync(join(root, datasets.find((d) => d.datasetType === type && (detector === undefined || d.dataId['detector'] === detector))!.path!), 'utf8'));
    for (const d of all) expect(value('combined', d)).toEqual({ value: expectedCombined(d) });
    expect(value('total')).toEqual({ value: expectedTotal(all), count: DETECTORS, instrument: INSTRUMENT });
    console.log(`[${dialect}] kill -9 with command tasks (seed ${SEED}): ${history.join('; ')}; then completed`);
  }, 180_000);
});
