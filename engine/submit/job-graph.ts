/**
 * Graph algorithms over the smallest shape they need: a CSR adjacency (`targets[offsets[v] ..
 * offsets[v+1])` are the successors of v). Pure functions, no I/O; they serve the clustering
 * of quanta into jobs (job-clustering.ts).
 */
import { csrFromPairs } from '../../planner/index.js';

/** Successors of each node as CSR arrays. */
export interface Adjacency {
  readonly offsets: Int32Array;
  readonly targets: Int32Array;
}

/** The node count of `adj`. */
export function nodeCount(adj: Adjacency): number {
  return adj.offsets.length - 1;
}

/** Adjacency from successor lists (`{a: ['b'], b: []}`-style literal graphs in tests, with numbers). */
export function adjacencyOf(successors: readonly (readonly number[])[]): Adjacency {
  const sources = successors.flatMap((s, v) => s.map(() => v));
  const { offsets, values } = csrFromPairs(successors.length, sources, successors.flat());
  return { offsets, targets: values };
}

/**
 * The graph of groups: node v belongs to group `groupOf[v]` (0 .. groups-1); group a has an
 * edge to group b when some node of a has one to some node of b (a != b; each edge once, in
 * ascending order).
 */
export function quotientGraph(adj: Adjacency, groupOf: Int32Array, groups: number): Adjacency {
  const sets = Array.from({ length: groups }, () => new Set<number>());
  for (let v = 0; v < nodeCount(adj); v++) {
    const g = groupOf[v]!;
    for (let i = adj.offsets[v]!; i < adj.offsets[v + 1]!; i++) {
      const h = groupOf[adj.targets[i]!]!;
      if (h !== g) sets[g]!.add(h);
    }
  }
  return adjacencyOf(sets.map((s) => [...s].sort((a, b) => a - b)));
}

/** Kahn's order (lowest node first among the ready ones), or null when the graph has a cycle. */
export function topologicalOrder(adj: Adjacency): Int32Array | null {
  const n = nodeCount(adj);
  const indegree = new Int32Array(n);
  for (const t of adj.targets) indegree[t]!++;
  const order = new Int32Array(n);
  let head = 0, tail = 0;
  for (let v = 0; v < n; v++) if (indegree[v] === 0) order[tail++] = v;
  while (head < tail) {
    const v = order[head++]!;
    for (let i = adj.offsets[v]!; i < adj.offsets[v + 1]!; i++) if (--indegree[adj.targets[i]!]! === 0) order[tail++] = adj.targets[i]!;
  }
  return tail === n ? order : null;
}

/** Strongly connected components (iterative Tarjan): the component of each node and their sizes. */
export function stronglyConnected(adj: Adjacency): { component: Int32Array; sizes: number[] } {
  const n = nodeCount(adj);
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const component = new Int32Array(n).fill(-1);
  const sizes: number[] = [];
  const stack: number[] = [];
  let next = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const work: [number, number][] = [[root, adj.offsets[root]!]];
    index[root] = low[root] = next++;
    stack.push(root);
    onStack[root] = 1;
    while (work.length) {
      const frame = work[work.length - 1]!;
      const v = frame[0];
      if (frame[1] < adj.offsets[v + 1]!) {
        const w = adj.targets[frame[1]++]!;
        if (index[w] === -1) {
          index[w] = low[w] = next++;
          stack.push(w);
          onStack[w] = 1;
          work.push([w, adj.offsets[w]!]);
        } else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
        continue;
      }
      work.pop();
      if (work.length) low[work[work.length - 1]![0]] = Math.min(low[work[work.length - 1]![0]]!, low[v]!);
      if (low[v] !== index[v]) continue;
      let size = 0;
      for (let w = -1; w !== v; size++) {
        w = stack.pop()!;
        onStack[w] = 0;
        component[w] = sizes.length;
      }
      sizes.push(size);
    }
  }
  return { component, sizes };
}

/** A cycle as its path `[a, b, ..., a]`, or null when the graph is acyclic (self loops count). */
export function findCycle(adj: Adjacency): number[] | null {
  const { component, sizes } = stronglyConnected(adj);
  for (let v = 0; v < nodeCount(adj); v++) {
    const succ = adj.targets.subarray(adj.offsets[v]!, adj.offsets[v + 1]!);
    if (succ.includes(v)) return [v, v];
    if (sizes[component[v]!]! < 2) continue;
    // Walk inside v's component back to v (breadth-first, so the path is a shortest one).
    const parent = new Map<number, number>([[v, -1]]);
    const queue = [v];
    while (queue.length) {
      const u = queue.shift()!;
      for (let i = adj.offsets[u]!; i < adj.offsets[u + 1]!; i++) {
        const w = adj.targets[i]!;
        if (w === v) {
          const back: number[] = [];
          for (let x = u; x !== -1; x = parent.get(x)!) back.push(x);
          return [...back.reverse(), v];
        }
        if (component[w] === component[v] && !parent.has(w)) {
          parent.set(w, u);
          queue.push(w);
        }
      }
    }
  }
  return null;
}
