/**
 * Heap headroom before the big phases (a spatial join's regions, building a graph, running
 * one): the V8 heap a phase needs, estimated from counts known before it allocates, against
 * what the heap limit leaves free. Failing at once with a message that names
 * `--max-old-space-size` beats V8's FATAL abort (exit 134) minutes into the work. Callers
 * throw their own folder's error with code `HEAP_HEADROOM`.
 */
import v8 from 'node:v8';

/**
 * Heap bytes per counted item of each big phase: what was measured on the 56k- and
 * 290k-quanta drp problems (Node 20) with a margin of about a third. Near the limit an
 * estimate can refuse work that would just have fitted; the message says what to raise.
 */
export const HEAP_BYTES = {
  /** A region (already read as a row) decoded for a spatial join: ~1.1 KB as a polygon. */
  region: 1280,
  /** Building, per quantum, dataset or edge (edge pairs as row arrays, found datasets, assembly): ~50 B. */
  buildItem: 64,
  /** Running, per quantum, dataset or edge (the coordinator's state): ~50 B. */
  runItem: 64,
  /** Running, per dataset: the file record it reads or writes (~0.4 KB of strings; estimated, not measured). */
  runDataset: 512,
} as const;

/** What a graph phase's heap need grows with. */
export interface GraphSize {
  readonly quanta: number;
  readonly datasets: number;
  readonly edges: number;
}

/** The heap's limit for long-lived objects (what --max-old-space-size sets) and what is in use, in bytes. */
export interface HeapUse {
  readonly limit: number;
  readonly used: number;
}

const MB = 2 ** 20;
/** V8's young generation (3 x 16 MB semi-spaces on 64-bit): part of `heap_size_limit`, not of the old space. */
const YOUNG_GENERATION = 48 * MB;

/** Estimated heap bytes to build (`build`) or run (`run`) a graph of `size`. */
export function graphHeapNeed(phase: 'build' | 'run', size: GraphSize): number {
  const items = size.quanta + size.datasets + size.edges;
  return phase === 'build' ? items * HEAP_BYTES.buildItem : items * HEAP_BYTES.runItem + size.datasets * HEAP_BYTES.runDataset;
}

/**
 * Null when `need` bytes fit in what `heap` leaves free; otherwise the `--max-old-space-size`
 * (MB) to suggest: what is used plus the need, with a quarter to spare, rounded up to 256 MB.
 */
export function heapShortfall(need: number, heap: HeapUse): number | null {
  if (heap.used + need <= heap.limit) return null;
  return Math.ceil(((heap.used + need) * 1.25) / (256 * MB)) * 256;
}

/**
 * Why `what` (e.g. "building a graph of ...") would exhaust the heap with `need` more bytes
 * (V8's own figures unless `heap` is given), naming the `NODE_OPTIONS=--max-old-space-size=...`
 * to run again with; null if it fits.
 */
export function heapHeadroomProblem(what: string, need: number, heap: HeapUse = currentHeap()): string | null {
  const suggested = heapShortfall(need, heap);
  if (suggested === null) return null;
  const mb = (bytes: number) => Math.ceil(bytes / MB);
  return `${what} needs about ${mb(need)} MB of heap, but only ${Math.max(0, mb(heap.limit - heap.used))} MB of the ${mb(heap.limit)} MB limit is free: ` +
    `run again with NODE_OPTIONS=--max-old-space-size=${suggested}`;
}

/** {@link heapHeadroomProblem} for building (`build`, edges estimated) or running (`run`) a graph of `size`. */
export function graphHeapProblem(phase: 'build' | 'run', size: GraphSize, heap: HeapUse = currentHeap()): string | null {
  const what = `${phase === 'build' ? 'building' : 'running'} a graph of ${size.quanta} quanta, ${size.datasets} datasets and ${phase === 'build' ? '~' : ''}${size.edges} edges`;
  return heapHeadroomProblem(what, graphHeapNeed(phase, size), heap);
}

function currentHeap(): HeapUse {
  const s = v8.getHeapStatistics();
  return { limit: s.heap_size_limit - YOUNG_GENERATION, used: s.used_heap_size };
}
