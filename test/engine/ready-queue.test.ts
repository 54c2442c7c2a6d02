/**
 * The ready queue on tiny literal graphs (producer -> consumers), each with the exact order
 * and blocked sets expected: a chain, a diamond, two independent branches where one fails,
 * retries (requeue), resume (quanta complete beforehand), cancellation, and the
 * topological order of a real graph's dependency arrays.
 */
import { describe, expect, it } from 'vitest';
import {
  QUANTUM_BLOCKED, QUANTUM_CANCELLED, QUANTUM_DONE, QUANTUM_FAILED, QUANTUM_READY, QUANTUM_SKIPPED, ReadyQueue, type DependencyArrays,
} from '../../engine/index.js';

/** CSR arrays of `{0: [1, 2], 1: [3]}`-style adjacency over n quanta, edges added in reverse order. */
function deps(n: number, adjacency: Record<number, number[]>): DependencyArrays {
  const offsets = new Int32Array(n + 1);
  const targets: number[] = [];
  const indegree = new Int32Array(n);
  for (let q = 0; q < n; q++) {
    const list = [...(adjacency[q] ?? [])].reverse();
    targets.push(...list);
    for (const t of list) indegree[t]!++;
    offsets[q + 1] = targets.length;
  }
  return { offsets, targets: Int32Array.from(targets), indegree };
}

/** Takes and completes everything, returning the order. */
function drain(queue: ReadyQueue): number[] {
  const order: number[] = [];
  for (let q = queue.take(); q !== undefined; q = queue.take()) {
    order.push(q);
    queue.complete(q);
  }
  return order;
}

describe('ReadyQueue', () => {
  it('runs a chain in order, one at a time', () => {
    const queue = new ReadyQueue(deps(4, { 0: [1], 1: [2], 2: [3] }));
    expect(queue.readyCount).toBe(1);
    expect(queue.take()).toBe(0);
    expect(queue.take()).toBeUndefined(); // 1 waits for 0
    expect(queue.complete(0)).toEqual([1]);
    expect(drain(queue)).toEqual([1, 2, 3]);
    expect(queue.finished).toBe(true);
    expect(queue.unfinishedCount).toBe(0);
  });

  it('releases a diamond join only when both sides are done; lowest number first', () => {
    const queue = new ReadyQueue(deps(4, { 0: [2, 1], 1: [3], 2: [3] }));
    expect(queue.take()).toBe(0);
    expect(queue.complete(0).sort()).toEqual([1, 2]);
    expect(queue.take()).toBe(1);
    expect(queue.take()).toBe(2);
    expect(queue.complete(2)).toEqual([]);
    expect(queue.states[3]).toBe(0);
    expect(queue.complete(1)).toEqual([3]);
    expect(drain(queue)).toEqual([3]);
  });

  it('a failure blocks exactly its downstream; the other branch finishes', () => {
    // 0 -> 1 -> 2, 0 -> 3, 4 -> 5 -> 6, and 2 and 5 both feed 7
    const queue = new ReadyQueue(deps(8, { 0: [1, 3], 1: [2], 2: [7], 4: [5], 5: [6, 7] }));
    expect(queue.take()).toBe(0);
    expect(queue.take()).toBe(4);
    queue.complete(4);
    expect(queue.fail(0).sort()).toEqual([1, 2, 3, 7]);
    expect(queue.states[0]).toBe(QUANTUM_FAILED);
    for (const b of [1, 2, 3, 7]) expect(queue.states[b]).toBe(QUANTUM_BLOCKED);
    expect(drain(queue)).toEqual([5, 6]); // 7 stays blocked although 5 completes
    expect(queue.finished).toBe(true);
    expect(queue.counts()).toMatchObject({ done: 3, failed: 1, blocked: 4, pending: 0, ready: 0, running: 0 });
  });

  it('requeue hands a quantum out again (a retry)', () => {
    const queue = new ReadyQueue(deps(2, { 0: [1] }));
    expect(queue.take()).toBe(0);
    queue.requeue(0);
    expect(queue.states[0]).toBe(QUANTUM_READY);
    expect(queue.take()).toBe(0);
    queue.complete(0);
    expect(drain(queue)).toEqual([1]);
  });

  it('resume: complete quanta are skipped and count as done for their consumers', () => {
    const done = Uint8Array.from([1, 0, 1, 0]);
    const queue = new ReadyQueue(deps(4, { 0: [1], 2: [3], 1: [3] }), done);
    expect(queue.states[0]).toBe(QUANTUM_SKIPPED);
    expect(queue.unfinishedCount).toBe(2);
    expect(drain(queue)).toEqual([1, 3]);
  });

  it('a complete quantum downstream of a failure stays complete', () => {
    const queue = new ReadyQueue(deps(3, { 0: [1], 1: [2] }), Uint8Array.from([0, 0, 1]));
    queue.take();
    expect(queue.fail(0)).toEqual([1]);
    expect(queue.states[2]).toBe(QUANTUM_SKIPPED);
  });

  it('cancelRemaining stops handing out work; running quanta still complete or are abandoned', () => {
    const queue = new ReadyQueue(deps(5, { 0: [1], 2: [3] }));
    expect(queue.take()).toBe(0);
    expect(queue.take()).toBe(2);
    expect(queue.cancelRemaining().sort()).toEqual([1, 3, 4]);
    expect(queue.take()).toBeUndefined();
    expect(queue.complete(0)).toEqual([]); // 1 was cancelled, not released
    queue.abandon(2);
    expect(queue.states[2]).toBe(QUANTUM_CANCELLED);
    expect(queue.finished).toBe(true);
    expect(queue.counts()).toMatchObject({ done: 1, cancelled: 4 });
  });

  it('refuses impossible transitions', () => {
    const queue = new ReadyQueue(deps(2, { 0: [1] }));
    expect(() => queue.complete(0)).toThrow(/cannot complete quantum 0 in state ready/);
    expect(() => queue.fail(1)).toThrow(/pending/);
  });

  it('hands out a large random DAG in an order that respects every edge', () => {
    const n = 2000;
    const adjacency: Record<number, number[]> = {};
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let q = 0; q < n; q++) for (let k = 0; k < 3; k++) if (q + 1 < n) (adjacency[q] ??= []).push(q + 1 + Math.floor(rand() * Math.min(50, n - q - 1)));
    for (const list of Object.values(adjacency)) list.splice(0, list.length, ...new Set(list));
    const queue = new ReadyQueue(deps(n, adjacency));
    const position = new Int32Array(n).fill(-1);
    // complete in a scrambled order: keep up to 4 running, finish a random one
    const running: number[] = [];
    let step = 0;
    for (;;) {
      while (running.length < 4) {
        const q = queue.take();
        if (q === undefined) break;
        running.push(q);
      }
      if (!running.length) break;
      const q = running.splice(Math.floor(rand() * running.length), 1)[0]!;
      position[q] = step++;
      queue.complete(q);
    }
    expect(step).toBe(n);
    for (const [p, list] of Object.entries(adjacency)) for (const t of list) expect(position[Number(p)]).toBeLessThan(position[t]!);
    expect(queue.states.every((s) => s === QUANTUM_DONE)).toBe(true);
  });
});
