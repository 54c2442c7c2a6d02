/**
 * RunCoordinator driven by a fake worker pool: the pool fails the attempts a scenario names
 * (with the code it names) and runs every other attempt with the real executor in this
 * thread. Scenarios come from seeds (failures, retries, pool size); the expected outcome of
 * each quantum is computed here by brute-force reachability over the graph's dependencies,
 * not by the ready queue. Also: an interrupt while a quantum hangs. SQLite only: the
 * registration itself is covered on both dialects by run-graph.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Repository } from '../../../registry/index.js';
import type { QuantumGraph } from '../../../planner/index.js';
import {
  CompositeObserver, GraphJobs, RunCoordinator, executeQuantum, prepareRunState, registerRunCollections,
  type QuantumFinishedEvent, type QuantumJob, type QuantumOutcome, type QuantumRunner, type RunSummary,
} from '../../../engine/index.js';
import { makeRepo } from '../../support/test-repos.js';
import { seededRandom } from '../../support/random.js';
import { TASK_LIBRARY } from '../fixtures/arith-tasks.js';
import { ARITH_PIPELINE, buildArith, expectConsistentRun, fillArithRepo } from '../engine-helpers.js';

const DETECTORS = 4;
/** Codes the coordinator never retries (one of them), and one it does. */
const NOT_RETRIED_CODE = 'INPUT_MISSING';
const RETRIED_CODE = 'TASK_FAILED';

/** Which attempts of which quanta fail: quantum -> its first `attempts` attempts fail with `code`. */
type Faults = ReadonlyMap<number, { readonly attempts: number; readonly code: string }>;

/** A pool of `size` fake workers: scripted failures, hanging quanta (until stopAll), the real executor otherwise. */
class FakePool implements QuantumRunner {
  private busy = new Map<number, (outcome: QuantumOutcome) => void>();
  /** Attempts started, per quantum. */
  readonly attempts = new Map<number, number>();
  /** Called when a hanging quantum starts. */
  onHang: () => void = () => {};

  constructor(private readonly repo: Repository, private readonly size: number, private readonly faults: Faults, private readonly hanging: ReadonlySet<number> = new Set()) {}

  get idle(): number {
    return this.size - this.busy.size;
  }

  run(job: QuantumJob): { worker: number; outcome: Promise<QuantumOutcome> } {
    const worker = [...Array(this.size).keys()].find((w) => !this.busy.has(w));
    if (worker === undefined) throw new Error('no idle fake worker');
    this.attempts.set(job.quantum, job.attempt);
    const outcome = new Promise<QuantumOutcome>((resolve) => {
      const settle = (o: QuantumOutcome) => {
        this.busy.delete(worker);
        resolve(o);
      };
      this.busy.set(worker, settle);
      if (this.hanging.has(job.quantum)) return void setImmediate(this.onHang);
      const fault = this.faults.get(job.quantum);
      setImmediate(() => {
        if (fault && job.attempt <= fault.attempts) settle(failure(fault.code, `scripted failure of attempt ${job.attempt}`));
        else void executeQuantum(job, { datastore: this.repo.datastore, library: TASK_LIBRARY, worker }).then(settle);
      });
    });
    return { worker, outcome };
  }

  async stopAll(): Promise<void> {
    for (const settle of [...this.busy.values()]) settle(failure('WORKER_DIED', 'the run was stopped while this quantum was running'));
  }
}

function failure(code: string, message: string): QuantumOutcome {
  return { ok: false, error: { name: 'EngineError', code, message }, log: [], start: Date.now(), end: Date.now() };
}

/** Quanta reachable from `from` along producer -> consumer edges, `from` excluded. */
function downstream(graph: QuantumGraph, from: Iterable<number>): Set<number> {
  const { offsets, targets } = graph.dependencies();
  const seen = new Set<number>();
  const stack = [...from];
  while (stack.length) {
    const q = stack.pop()!;
    for (let i = offsets[q]!; i < offsets[q + 1]!; i++) {
      const c = targets[i]!;
      if (!seen.has(c)) {
        seen.add(c);
        stack.push(c);
      }
    }
  }
  return seen;
}

describe('RunCoordinator with a fake pool', () => {
  let repo: Repository;
  let dispose: () => Promise<void>;
  let runs = 0;

  beforeAll(async () => {
    ({ repo, dispose } = await makeRepo('sqlite'));
    await fillArithRepo(repo, DETECTORS);
  });
  afterAll(async () => dispose?.());

  /** Builds a fresh graph and runs it on `pool` (made for the graph), collecting the quantum-finished events. */
  async function coordinate(makePool: (graph: QuantumGraph) => FakePool, settings: { retries?: number; failFast?: boolean; signal?: AbortSignal } = {}) {
    const graph = await buildArith(repo, ARITH_PIPELINE, `u/coordinator/c${++runs}`);
    const jobs = new GraphJobs(graph, repo.datastore.template);
    await registerRunCollections(repo, graph);
    const state = await prepareRunState(repo, jobs, graph.header.outputRun);
    const pool = makePool(graph);
    const events: QuantumFinishedEvent[] = [];
    const observers = new CompositeObserver([{ quantumFinished: (e) => events.push(e) }]);
    const summary = await new RunCoordinator({
      repo, graph, jobs, state, selected: null, pool, observers, settings: {
        retries: settings.retries ?? 0, failFast: settings.failFast ?? false, batchSize: 4, verifyChecksums: true, signal: settings.signal,
        workers: 1, command: 'test', invocation: `i${runs}`, startedAt: Date.now(), eventLog: null,
      },
    }).run();
    return { graph, pool, events, summary };
  }

  /** Quanta of the summary's failures, and of the finished events with `status`. */
  const failedIn = (summary: RunSummary) => summary.failures.map((f) => f.quantum);
  const withStatus = (events: readonly QuantumFinishedEvent[], status: QuantumFinishedEvent['status']) => events.filter((e) => e.status === status).map((e) => e.quantum).sort((a, b) => a - b);

  it('runs a graph without failures to completion', async () => {
    const { graph, summary, events } = await coordinate(() => new FakePool(repo, 2, new Map()));
    expect(summary.counts).toEqual({ alreadyDone: 0, succeeded: graph.quantumCount, failed: 0, blocked: 0, cancelled: 0 });
    expect(summary.complete).toBe(true);
    expect(withStatus(events, 'succeeded')).toEqual([...Array(graph.quantumCount).keys()]);
    await expectConsistentRun(repo, summary.run);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('fails, retries and blocks as brute force predicts (seed %i)', async (seed) => {
    const random = seededRandom(seed);
    const retries = Math.floor(random() * 3);
    const size = 1 + Math.floor(random() * 3);
    let faults: Faults = new Map();
    const { graph, pool, summary, events } = await coordinate((g) => {
      faults = new Map([...Array(g.quantumCount).keys()].filter(() => random() < 0.3)
        .map((q) => [q, { attempts: 1 + Math.floor(random() * 3), code: random() < 0.3 ? NOT_RETRIED_CODE : RETRIED_CODE }]));
      return new FakePool(repo, size, faults);
    }, { retries });

    const attemptsAllowed = (code: string) => (code === NOT_RETRIED_CODE ? 1 : retries + 1);
    const doomed = [...faults].filter(([, f]) => f.attempts >= attemptsAllowed(f.code)).map(([q]) => q);
    const blocked = downstream(graph, doomed);
    const failed = doomed.filter((q) => !blocked.has(q)).sort((a, b) => a - b);
    const succeeded = [...Array(graph.quantumCount).keys()].filter((q) => !failed.includes(q) && !blocked.has(q));
    expect(failedIn(summary)).toEqual(failed);
    expect(withStatus(events, 'failed')).toEqual(failed);
    expect(withStatus(events, 'succeeded')).toEqual(succeeded);
    expect(summary.counts).toEqual({ alreadyDone: 0, succeeded: succeeded.length, failed: failed.length, blocked: blocked.size, cancelled: 0 });
    expect(Object.values(summary.blocked).reduce((n, b) => n + b, 0)).toBe(blocked.size);
    expect(summary.complete).toBe(failed.length === 0);
    // every quantum that ran was tried until it succeeded or ran out of attempts
    for (const q of [...failed, ...succeeded]) {
      const fault = faults.get(q);
      const expected = fault ? Math.min(fault.attempts + 1, attemptsAllowed(fault.code)) : 1;
      expect(pool.attempts.get(q), `attempts of quantum ${q}`).toBe(expected);
    }
    for (const f of summary.failures) expect(f.attempts).toBe(pool.attempts.get(f.quantum));
    for (const q of blocked) expect(pool.attempts.has(q), `blocked quantum ${q} never starts`).toBe(false);
    expect(events.filter((e) => e.status === 'retrying').length).toBe([...pool.attempts.values()].reduce((n, a) => n + a - 1, 0));
    await expectConsistentRun(repo, summary.run);
  });

  it('stops after the first failure with --fail-fast, cancelling what had not started', async () => {
    const { graph, summary } = await coordinate(() => new FakePool(repo, 1, new Map([[0, { attempts: 1, code: RETRIED_CODE }]])), { failFast: true });
    expect(summary.stoppedEarly).toBe(true);
    expect(failedIn(summary)).toEqual([0]);
    const { succeeded, failed, blocked, cancelled } = summary.counts;
    expect(succeeded + failed + blocked + cancelled).toBe(graph.quantumCount);
    expect(cancelled).toBeGreaterThan(0);
  });

  it('cancels on an interrupt: the running quantum is stopped, nothing new starts', async () => {
    const abort = new AbortController();
    const hanging = DETECTORS; // the first combine quantum: after squares, before the sum
    const { graph, pool, summary, events } = await coordinate((g) => {
      expect(g.tasks[g.taskOf(hanging)]!.label).toBe('combine');
      const p = new FakePool(repo, 1, new Map(), new Set([hanging]));
      p.onHang = () => abort.abort();
      return p;
    }, { signal: abort.signal });
    expect(summary.interrupted).toBe(true);
    expect(summary.complete).toBe(false);
    expect(withStatus(events, 'cancelled')).toEqual([hanging]);
    const started = new Set(pool.attempts.keys());
    const succeeded = withStatus(events, 'succeeded');
    expect(succeeded.every((q) => started.has(q) && q !== hanging)).toBe(true);
    expect(summary.counts).toEqual({ alreadyDone: 0, succeeded: succeeded.length, failed: 0, blocked: 0, cancelled: graph.quantumCount - succeeded.length });
    // nothing downstream of the stopped quantum ran
    for (const q of downstream(graph, [hanging])) expect(started.has(q)).toBe(false);
    await expectConsistentRun(repo, summary.run);
  });
});
