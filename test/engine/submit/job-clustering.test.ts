/**
 * Quanta into jobs: graph algorithms on tiny literal graphs (exact expected cycles), cycle
 * splitting (a cluster whose merge would make a cycle is split, one on no cycle stays whole),
 * the demo graph clustered by visit=exposure,detector (isr + calibrate of a detector-visit in
 * one job, makeWarp and assembleCoadd separate) and unclustered, acyclic either way, and the
 * sbatch calls per 1,000 quanta each needs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adjacencyOf, findCycle, parseClusterBy, planJobs, quotientGraph, sbatchCalls, splitCycles, stronglyConnected, topologicalOrder,
  type JobPlan, type SbatchCall,
} from '../../../engine/index.js';
import { simulateRepository } from '../../../pipelines/simulate/index.js';
import { buildQuantumGraph, type QuantumGraph } from '../../../planner/index.js';
import { makeRepo } from '../../support/test-repos.js';

describe('job graph algorithms', () => {
  it('finds the exact cycle of tiny graphs, or none', () => {
    expect(findCycle(adjacencyOf([[1], [2], []]))).toBeNull();
    expect(findCycle(adjacencyOf([[1], [2], [0]]))).toEqual([0, 1, 2, 0]);
    expect(findCycle(adjacencyOf([[], [1]]))).toEqual([1, 1]);
    // nodes in reverse order: 2 -> 1 -> 2, 0 apart
    expect(findCycle(adjacencyOf([[], [2], [1]]))).toEqual([1, 2, 1]);
    expect(topologicalOrder(adjacencyOf([[], [0], [1]]))).toEqual(Int32Array.from([2, 1, 0]));
    expect(topologicalOrder(adjacencyOf([[1], [0]]))).toBeNull();
    const { component, sizes } = stronglyConnected(adjacencyOf([[1], [0, 2], [], [3]]));
    expect(component[0]).toBe(component[1]);
    expect(sizes.sort()).toEqual([1, 1, 2]);
  });

  it('merges nodes into groups (the quotient graph)', () => {
    const g = quotientGraph(adjacencyOf([[1, 2], [3], [3], []]), Int32Array.from([0, 0, 1, 1]), 2);
    expect([...g.offsets, -1, ...g.targets]).toEqual([0, 1, 1, -1, 1]);
  });

  it("splits a cluster whose merge would make a cycle (isr -> gather -> calibrate), and leaves others whole", () => {
    // quanta: 0 isr(a), 1 calibrate(a), 2 gather, 3 isr(b), 4 calibrate(b); isr -> gather -> calibrate
    const deps = adjacencyOf([[2], [], [1, 4], [2], []]);
    const clusters = Int32Array.from([0, 0, 1, 2, 2]); // {isr(a), calibrate(a)}, {gather}, {isr(b), calibrate(b)}
    expect(findCycle(quotientGraph(deps, clusters, 3))).not.toBeNull();
    const out = splitCycles(deps, clusters, 3);
    expect(out.split).toBe(3); // the three clusters of the cycle
    expect(findCycle(quotientGraph(deps, out.groupOf, out.groups))).toBeNull();
    expect(out.groupOf[0]).not.toBe(out.groupOf[1]);
    // the same clusters without the gather's edge back: no cycle, nothing split
    const plain = adjacencyOf([[1], [], [], [4], []]);
    expect(splitCycles(plain, Int32Array.from([0, 0, 1, 2, 2]), 3)).toMatchObject({ split: 0, groups: 3 });
  });

  it('parses --cluster-by', () => {
    expect(parseClusterBy('visit=exposure, detector')).toEqual([['visit', 'exposure'], ['detector']]);
    expect(() => parseClusterBy('visit;drop')).toThrow(expect.objectContaining({ code: 'SUBMIT_OPTIONS' }));
  });
});

/** Every quantum in exactly one job, every job after its upstream jobs, upstream = the quanta's producers' jobs, no cycle. */
function checkPlan(graph: QuantumGraph, plan: JobPlan): void {
  const seen = new Uint8Array(graph.quantumCount);
  plan.jobs.forEach((quanta, j) => {
    for (const q of quanta) {
      expect(plan.jobOf[q]).toBe(j);
      seen[q]!++;
    }
  });
  expect(seen.every((x) => x === 1)).toBe(true);
  const deps = graph.dependencies();
  const expected = plan.jobs.map(() => new Set<number>());
  for (let q = 0; q < graph.quantumCount; q++) {
    for (let i = deps.offsets[q]!; i < deps.offsets[q + 1]!; i++) {
      const [a, b] = [plan.jobOf[q]!, plan.jobOf[deps.targets[i]!]!];
      if (a !== b) expected[b]!.add(a);
    }
  }
  plan.upstream.forEach((u, j) => {
    expect(u).toEqual([...expected[j]!].sort((x, y) => x - y));
    for (const x of u) expect(x).toBeLessThan(j);
  });
  expect(findCycle(adjacencyOf(plan.jobs.map((_, j) => plan.upstream.flatMap((u, k) => (u.includes(j) ? [k] : [])))))).toBeNull();
}

describe('the demo graph as jobs', () => {
  let graph: QuantumGraph;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    const made = await makeRepo('sqlite');
    dispose = made.dispose;
    const summary = await simulateRepository(made.repo, { profile: 'tiny', pixels: false, visits: 6 });
    graph = (await buildQuantumGraph(made.repo, {
      pipeline: 'drp-refcat.yaml', inputs: [summary.collections.defaults], output: 'u/jobs', where: "instrument='SimCam' AND skymap='simSkyMap'",
    })).graph;
  }, 120_000);
  afterAll(async () => dispose?.());

  const label = (q: number) => graph.tasks[graph.taskOf(q)]!.label;
  const calls = (plan: JobPlan) => sbatchCalls(plan.upstream).length;
  const count = (l: string) => graph.tasks.find((t) => t.label === l)!.quantumCount;

  it('unclustered: one job per quantum, the job graph is the quantum graph', () => {
    const plan = planJobs(graph, {});
    checkPlan(graph, plan);
    expect(plan.jobs.length).toBe(graph.quantumCount);
    // jobs waiting for the same jobs share a call (every isr quantum waits for nothing: one array);
    // each calibrate is the only job after its isr: all of them one follower array of the isr array
    const all = sbatchCalls(plan.upstream);
    const tasksOf = (c: SbatchCall) => new Set(c.jobs.map((j) => label(plan.jobs[j]![0]!)));
    const isrCall = all.findIndex((c) => tasksOf(c).has('isr'));
    const calibrateCalls = all.filter((c) => tasksOf(c).has('calibrate'));
    expect(calibrateCalls.map((c) => [[...tasksOf(c)], c.jobs.length, c.follows])).toEqual([[['calibrate'], count('calibrate'), isrCall]]);
    const others = plan.upstream.filter((_, j) => label(plan.jobs[j]![0]!) !== 'calibrate');
    expect(calls(plan)).toBe(new Set(others.map((u) => u.join(','))).size + 1);
  });

  it('--cluster-by visit=exposure,detector: isr + calibrate of a detector-visit in one job, gathers separate', () => {
    const plan = planJobs(graph, { by: parseClusterBy('visit=exposure,detector') });
    checkPlan(graph, plan);
    expect(plan.splitClusters).toBe(0);
    const byTasks = new Map<string, number>();
    for (const quanta of plan.jobs) {
      const key = quanta.map(label).join('+');
      byTasks.set(key, (byTasks.get(key) ?? 0) + 1);
    }
    expect(Object.fromEntries(byTasks)).toEqual({ 'isr+calibrate': count('isr'), makeWarp: count('makeWarp'), assembleCoadd: count('assembleCoadd') });
    for (const quanta of plan.jobs.filter((j) => j.length === 2)) {
      const [isr, cal] = quanta.map((q) => graph.quantumDataId(q));
      expect([cal!['visit'], cal!['detector']]).toEqual([isr!['exposure'], isr!['detector']]);
    }
    const unclustered = planJobs(graph, {});
    const perThousand = (p: JobPlan) => (calls(p) / graph.quantumCount) * 1000;
    console.log(`demo graph (${graph.quantumCount} quanta): ${unclustered.jobs.length} jobs / ${calls(unclustered)} sbatch calls unclustered ` +
      `(${perThousand(unclustered).toFixed(0)} per 1,000 quanta), ${plan.jobs.length} jobs / ${calls(plan)} calls clustered (${perThousand(plan).toFixed(0)} per 1,000)`);
    expect(calls(plan)).toBeLessThan(calls(unclustered));
  });

  it('--quanta-per-job N chunks each task; clustering by visit alone (gathers at visit level) stays acyclic', () => {
    const plan = planJobs(graph, { quantaPerJob: 4 });
    checkPlan(graph, plan);
    for (const quanta of plan.jobs) expect(new Set(quanta.map(label)).size).toBe(1);
    checkPlan(graph, planJobs(graph, { by: [['visit', 'exposure']] }));
    checkPlan(graph, planJobs(graph, { by: [['detector']] })); // isr, calibrate, of every visit of a detector
  });

  it('--max-jobs M chunks unclustered quanta more coarsely until the jobs fit; clusters stay whole', () => {
    for (const maxJobs of [40, 10, 4]) {
      const plan = planJobs(graph, { maxJobs });
      checkPlan(graph, plan);
      expect(plan.jobs.length, `max ${maxJobs}`).toBeLessThanOrEqual(Math.max(maxJobs, graph.tasks.length));
    }
    const clustered = planJobs(graph, { by: parseClusterBy('visit=exposure,detector'), maxJobs: 1 });
    checkPlan(graph, clustered);
    expect(clustered.jobs.filter((j) => j.length === 2).length).toBe(graph.tasks.find((t) => t.label === 'isr')!.quantumCount);
    expect(() => planJobs(graph, { maxJobs: 0 })).toThrow(expect.objectContaining({ code: 'SUBMIT_OPTIONS' }));
  });
});
