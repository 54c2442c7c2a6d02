/**
 * The ready queue: Kahn's algorithm run incrementally over the graph's producer -> consumer
 * CSR arrays. A quantum becomes ready when every producer of its inputs has completed; a
 * failed quantum blocks only what is downstream of it. Pure bookkeeping over typed arrays:
 * no I/O, no timers, no workers (the pool and the coordinator live elsewhere).
 */

/** Producer -> consumer adjacency (CSR) with in-degrees, as `QuantumGraph.dependencies()` gives it. */
export interface DependencyArrays {
  /** Consumers of q are `targets[offsets[q] .. offsets[q+1])`. */
  readonly offsets: Int32Array;
  readonly targets: Int32Array;
  /** Number of producers of each quantum (edges into it). */
  readonly indegree: Int32Array;
}

/** Quantum states in the queue. */
export const QUANTUM_PENDING = 0;
export const QUANTUM_READY = 1;
export const QUANTUM_RUNNING = 2;
export const QUANTUM_DONE = 3;
export const QUANTUM_FAILED = 4;
export const QUANTUM_BLOCKED = 5;
/** Completed before this run started (resume). */
export const QUANTUM_SKIPPED = 6;
/** Never started because the run stopped early (--fail-fast, interrupt). */
export const QUANTUM_CANCELLED = 7;
/** State names by number. */
export const QUANTUM_STATE_NAMES = ['pending', 'ready', 'running', 'done', 'failed', 'blocked', 'skipped', 'cancelled'] as const;

/** A binary min-heap of quantum numbers (lower numbers first: upstream tasks, then data-ID order). */
class QuantumHeap {
  private items = new Int32Array(64);
  size = 0;

  push(q: number): void {
    if (this.size === this.items.length) {
      const grown = new Int32Array(this.items.length * 2);
      grown.set(this.items);
      this.items = grown;
    }
    const a = this.items;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]! <= q) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = q;
  }

  pop(): number | undefined {
    if (this.size === 0) return undefined;
    const a = this.items;
    const top = a[0]!;
    const last = a[--this.size]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const c = r < this.size && a[r]! < a[l]! ? r : l;
      if (a[c]! >= last) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = last;
    return top;
  }
}

/**
 * Incremental topological scheduling. Invariants: a quantum is handed out by `take` at most
 * once per `requeue`; it is ready only when all its producers are done or skipped; once
 * failed, everything downstream that has not run is blocked and is never handed out.
 */
export class ReadyQueue {
  /** State of each quantum (`QUANTUM_*`). */
  readonly states: Uint8Array;
  private readonly waiting: Int32Array;
  private readonly heap = new QuantumHeap();
  private running = 0;
  private unfinished = 0;

  /**
   * @param deps the graph's dependency arrays
   * @param completed quanta already complete (resume): they are skipped and count as done for their consumers
   */
  constructor(private readonly deps: DependencyArrays, completed?: Uint8Array) {
    const n = deps.indegree.length;
    this.states = new Uint8Array(n);
    this.waiting = deps.indegree.slice();
    if (completed) {
      for (let q = 0; q < n; q++) {
        if (!completed[q]) continue;
        this.states[q] = QUANTUM_SKIPPED;
        for (let i = deps.offsets[q]!; i < deps.offsets[q + 1]!; i++) this.waiting[deps.targets[i]!]!--;
      }
    }
    for (let q = 0; q < n; q++) {
      if (this.states[q] === QUANTUM_SKIPPED) continue;
      this.unfinished++;
      if (this.waiting[q] === 0) {
        this.states[q] = QUANTUM_READY;
        this.heap.push(q);
      }
    }
  }

  /** Quanta ready to start. */
  get readyCount(): number {
    return this.heap.size;
  }

  /** Quanta handed out and not yet completed, failed or requeued. */
  get runningCount(): number {
    return this.running;
  }

  /** Quanta not yet done, failed, blocked or cancelled (pending, ready or running). */
  get unfinishedCount(): number {
    return this.unfinished;
  }

  /** Nothing ready and nothing running: the run is over (every other quantum is blocked or cancelled). */
  get finished(): boolean {
    return this.heap.size === 0 && this.running === 0;
  }

  /** The next ready quantum (lowest number first), now running; undefined when none is ready. */
  take(): number | undefined {
    const q = this.heap.pop();
    if (q === undefined) return undefined;
    this.states[q] = QUANTUM_RUNNING;
    this.running++;
    return q;
  }

  /** Marks a running quantum done; returns the consumers that became ready. */
  complete(q: number): number[] {
    this.expect(q, QUANTUM_RUNNING, 'complete');
    this.states[q] = QUANTUM_DONE;
    this.running--;
    this.unfinished--;
    const ready: number[] = [];
    const { offsets, targets } = this.deps;
    for (let i = offsets[q]!; i < offsets[q + 1]!; i++) {
      const t = targets[i]!;
      if (--this.waiting[t]! === 0 && this.states[t] === QUANTUM_PENDING) {
        this.states[t] = QUANTUM_READY;
        this.heap.push(t);
        ready.push(t);
      }
    }
    return ready;
  }

  /** Puts a running quantum back in the ready queue (a retry). */
  requeue(q: number): void {
    this.expect(q, QUANTUM_RUNNING, 'requeue');
    this.states[q] = QUANTUM_READY;
    this.running--;
    this.heap.push(q);
  }

  /**
   * Marks a running quantum failed and everything downstream of it that has not run as
   * blocked; returns the newly blocked quanta (breadth-first order).
   */
  fail(q: number): number[] {
    this.expect(q, QUANTUM_RUNNING, 'fail');
    this.states[q] = QUANTUM_FAILED;
    this.running--;
    this.unfinished--;
    const blocked: number[] = [];
    const { offsets, targets } = this.deps;
    const frontier = [q];
    while (frontier.length) {
      const p = frontier.pop()!;
      for (let i = offsets[p]!; i < offsets[p + 1]!; i++) {
        const t = targets[i]!;
        if (this.states[t] !== QUANTUM_PENDING) continue; // done/skipped stay; blocked already
        this.states[t] = QUANTUM_BLOCKED;
        this.unfinished--;
        blocked.push(t);
        frontier.push(t);
      }
    }
    return blocked;
  }

  /** Marks a running quantum cancelled (the run was interrupted while it ran); its consumers stay pending. */
  abandon(q: number): void {
    this.expect(q, QUANTUM_RUNNING, 'abandon');
    this.states[q] = QUANTUM_CANCELLED;
    this.running--;
    this.unfinished--;
  }

  /** Stops handing out work: every pending or ready quantum becomes cancelled; returns them. */
  cancelRemaining(): number[] {
    const cancelled: number[] = [];
    while (this.heap.pop() !== undefined) { /* drain */ }
    for (let q = 0; q < this.states.length; q++) {
      const s = this.states[q];
      if (s === QUANTUM_PENDING || s === QUANTUM_READY) {
        this.states[q] = QUANTUM_CANCELLED;
        this.unfinished--;
        cancelled.push(q);
      }
    }
    return cancelled;
  }

  /** Count of quanta in each state, by state name. */
  counts(): Record<(typeof QUANTUM_STATE_NAMES)[number], number> {
    const out = Object.fromEntries(QUANTUM_STATE_NAMES.map((n) => [n, 0])) as Record<(typeof QUANTUM_STATE_NAMES)[number], number>;
    for (const s of this.states) out[QUANTUM_STATE_NAMES[s]!]++;
    return out;
  }

  private expect(q: number, state: number, action: string): void {
    if (this.states[q] !== state) throw new Error(`ready queue: cannot ${action} quantum ${q} in state ${QUANTUM_STATE_NAMES[this.states[q]!]}`);
  }
}
