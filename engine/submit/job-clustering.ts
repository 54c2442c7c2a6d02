/**
 * Quanta into jobs. `--cluster-by DIMS` puts the quanta of any tasks that share values of
 * DIMS in one job (`visit=exposure,detector`: isr on an exposure's detector and calibrate on
 * the same visit's detector, as LSST's dimension clustering does; `a=b` means dimension a, or
 * b for tasks without a); quanta whose task lacks DIMS (gathers such as assembleCoadd) are not
 * clustered that way: they go `--quanta-per-job N` at a time, per task, in graph order (more
 * at a time when `--max-jobs M` asks for fewer jobs).
 *
 * The job graph must be acyclic (Slurm dependencies cannot wait in a circle): a cluster can
 * make a cycle when one of its quanta feeds a quantum outside that feeds another of its
 * quanta (isr -> a visit-level gather -> calibrate of the same detector). Such clusters are
 * split by stage: d(q) = max over producers p of d(p) + (p in another cluster ? 1 : 0); every
 * edge between the pieces of clusters on a cycle then goes from a lower stage to a higher one,
 * so no cycle is left; clusters on no cycle stay whole.
 */
import type { QuantumGraph } from '../../planner/index.js';
import { EngineError } from '../errors.js';
import { integerProblem } from '../option-problems.js';
import { findCycle, quotientGraph, stronglyConnected, topologicalOrder, type Adjacency } from './job-graph.js';

/** How quanta are grouped into jobs. */
export interface ClusterSpec {
  /** Dimensions whose values group quanta of different tasks; each entry lists alternatives (see the module comment). */
  readonly by?: readonly (readonly string[])[];
  /** Quanta per job for quanta not grouped by `by` (same task, graph order; default 1). */
  readonly quantaPerJob?: number;
  /**
   * Most jobs wanted: quanta not grouped by `by` go as many per job as it takes (at least
   * `quantaPerJob`). Groups by `by` are kept whole, so they alone may exceed it.
   */
  readonly maxJobs?: number;
}

/** The jobs of a graph. */
export interface JobPlan {
  /** Job of each quantum. */
  readonly jobOf: Int32Array;
  /** Quanta of each job (ascending); jobs in topological order: a job's upstream jobs come before it. */
  readonly jobs: readonly number[][];
  /** Upstream jobs of each job (ascending). */
  readonly upstream: readonly number[][];
  /** Clusters that were split to keep the job graph acyclic. */
  readonly splitClusters: number;
}

/** `visit=exposure,detector` -> [['visit', 'exposure'], ['detector']]. */
export function parseClusterBy(text: string): string[][] {
  const dims = text.split(',').map((d) => d.trim()).filter(Boolean).map((d) => d.split('=').map((x) => x.trim()));
  if (!dims.length || dims.some((alts) => alts.some((x) => !/^\w+$/.test(x)))) {
    throw new EngineError(`--cluster-by '${text}': give dimension names separated by commas (a=b for "a, or b where a task has no a")`, 'SUBMIT_OPTIONS');
  }
  return dims;
}

/** The dimension of each `by` entry a task has, or null when it lacks one (its quanta are chunked instead). */
function clusterDims(task: QuantumGraph['tasks'][number], spec: ClusterSpec): string[] | null {
  const dims = spec.by?.map((alts) => alts.find((d) => task.dimensions.includes(d)));
  return dims?.every((d) => d !== undefined) ? (dims as string[]) : null;
}

/** Quanta per chunk: `quantaPerJob`, raised until the chunks and `clusters` groups fit in `maxJobs` where they can. */
function chunkSize(graph: QuantumGraph, spec: ClusterSpec, clusters: number): number {
  let perJob = spec.quantaPerJob ?? 1;
  const problem = integerProblem('--quanta-per-job', perJob, 1) ?? integerProblem('--max-jobs', spec.maxJobs, 1);
  if (problem) throw new EngineError(problem, 'SUBMIT_OPTIONS');
  const chunked = graph.tasks.filter((t) => !clusterDims(t, spec)).map((t) => t.quantumCount);
  const jobs = (n: number) => clusters + chunked.reduce((sum, c) => sum + Math.ceil(c / n), 0);
  const most = Math.max(1, ...chunked);
  while (spec.maxJobs !== undefined && jobs(perJob) > spec.maxJobs && perJob < most) perJob = Math.min(most, perJob * 2);
  return perJob;
}

/** Groups before cycle splitting: one per shared value of `by`, then per-task chunks. */
export function initialClusters(graph: QuantumGraph, spec: ClusterSpec): { groupOf: Int32Array; groups: number } {
  const groupOf = new Int32Array(graph.quantumCount);
  const keys = new Map<string, number>();
  let groups = 0;
  for (const task of graph.tasks) {
    const dims = clusterDims(task, spec);
    if (!dims) continue;
    for (let i = 0; i < task.quantumCount; i++) {
      const dataId = graph.quantumDataId(task.quantumOffset + i);
      const key = JSON.stringify(dims.map((d) => dataId[d]));
      let g = keys.get(key);
      if (g === undefined) keys.set(key, (g = groups++));
      groupOf[task.quantumOffset + i] = g;
    }
  }
  const perJob = chunkSize(graph, spec, groups);
  for (const task of graph.tasks) {
    if (clusterDims(task, spec)) continue;
    for (let i = 0; i < task.quantumCount; i++) groupOf[task.quantumOffset + i] = i % perJob === 0 ? groups++ : groups - 1;
  }
  return { groupOf, groups };
}

/** Splits the groups that lie on cycles of the group graph by stage (see the module comment). */
export function splitCycles(deps: Adjacency, groupOf: Int32Array, groups: number): { groupOf: Int32Array; groups: number; split: number } {
  const { component, sizes } = stronglyConnected(quotientGraph(deps, groupOf, groups));
  const onCycle = (g: number) => sizes[component[g]!]! > 1;
  let split = 0;
  for (let g = 0; g < groups; g++) if (onCycle(g)) split++;
  if (!split) return { groupOf, groups, split };
  const order = topologicalOrder(deps);
  if (!order) throw new EngineError('the quantum graph has a cycle', 'ENGINE_BUG');
  const stage = new Int32Array(groupOf.length);
  for (const q of order) {
    for (let i = deps.offsets[q]!; i < deps.offsets[q + 1]!; i++) {
      const t = deps.targets[i]!;
      stage[t] = Math.max(stage[t]!, stage[q]! + (groupOf[q] === groupOf[t] ? 0 : 1));
    }
  }
  const keys = new Map<string, number>();
  const out = new Int32Array(groupOf.length);
  for (let q = 0; q < groupOf.length; q++) {
    const key = `${groupOf[q]}:${onCycle(groupOf[q]!) ? stage[q] : 0}`;
    let g = keys.get(key);
    if (g === undefined) keys.set(key, (g = keys.size));
    out[q] = g;
  }
  return { groupOf: out, groups: keys.size, split };
}

/** The jobs of `graph` under `spec`: clustered, cycles split, in topological order. */
export function planJobs(graph: QuantumGraph, spec: ClusterSpec): JobPlan {
  const deps = graph.dependencies();
  const initial = initialClusters(graph, spec);
  const { groupOf, groups, split } = splitCycles(deps, initial.groupOf, initial.groups);
  const jobGraph = quotientGraph(deps, groupOf, groups);
  const order = topologicalOrder(jobGraph);
  if (!order) throw new EngineError(`the job graph still has a cycle after splitting (groups ${findCycle(jobGraph)!.join(' -> ')})`, 'ENGINE_BUG');
  const jobOfGroup = new Int32Array(groups);
  order.forEach((g, j) => (jobOfGroup[g] = j));
  const jobOf = groupOf.map((g) => jobOfGroup[g]!);
  const jobs: number[][] = Array.from({ length: groups }, () => []);
  for (let q = 0; q < jobOf.length; q++) jobs[jobOf[q]!]!.push(q);
  const upstream: number[][] = Array.from({ length: groups }, () => []);
  for (let g = 0; g < groups; g++) {
    for (let i = jobGraph.offsets[g]!; i < jobGraph.offsets[g + 1]!; i++) upstream[jobOfGroup[jobGraph.targets[i]!]!]!.push(jobOfGroup[g]!);
  }
  for (const u of upstream) u.sort((a, b) => a - b);
  return { jobOf, jobs, upstream, splitClusters: split };
}
