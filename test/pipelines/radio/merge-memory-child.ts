/**
 * Child process of the merge peak-memory test: merges the 16 UVH5 files in argv[3] either
 * batched (mergeSubbands: preallocated output, row chunks) or naively (read every subband
 * whole, then concatenate), and prints how much ArrayBuffer memory the merge added. No collection runs in between
 * (the figures stay far below V8's external-memory GC trigger), so chunks already dropped
 * still count: the batched figure is an upper bound of its peak, the naive one its peak.
 * (Peak RSS was tried first: at this size freed pages the process already held absorb both.)
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { mergeSubbands, MERGE_DEFAULTS, type SubbandFile } from '../../../pipelines/radio/merge-subbands.js';
import { Uvh5Reader, type UvData } from '../../../pipelines/radio/uvh5.js';

function concatNaive(parts: readonly UvData[]): Float32Array[] {
  const rows = parts[0]!.ant1.length, np = parts[0]!.polarization.length;
  const widths = parts.map((p) => p.freq.length * np);
  const total = widths.reduce((a, b) => a + b, 0);
  // what "load all, then concatenate" holds: every subband whole plus the output
  const vis = new Float32Array(rows * total * 2), flags = new Uint8Array(rows * total), ns = new Float32Array(rows * total);
  for (let r = 0; r < rows; r++) {
    let at = r * total;
    parts.forEach((p, i) => {
      const w = widths[i]!;
      vis.set(p.vis.subarray(2 * r * w, 2 * (r + 1) * w), 2 * at);
      flags.set(p.flags.subarray(r * w, (r + 1) * w), at);
      ns.set(p.nsamples.subarray(r * w, (r + 1) * w), at);
      at += w;
    });
  }
  return [vis, ns, new Float32Array(flags.buffer)];
}

const [mode, dir] = process.argv.slice(2);
const names = readdirSync(dir!).filter((n) => n.endsWith('.uvh5')).sort();
const files: SubbandFile[] = [];
for (const n of names) files.push({ subband: Number(/(\d+)/.exec(n)![1]), reader: await Uvh5Reader.open(join(dir!, n)) });
for (const f of files) void f.reader.counts;
globalThis.gc?.();
const before = process.memoryUsage().arrayBuffers;
// Each branch keeps what it holds at its peak referenced, collects garbage, then measures.
let outputBytes: number, held: unknown;
if (mode === 'batched') {
  const { data } = mergeSubbands(files, MERGE_DEFAULTS);
  held = data;
  outputBytes = data.vis.byteLength + data.flags.byteLength + data.nsamples.byteLength;
} else {
  const parts = [...files].sort((a, b) => a.reader.meta.freq[0]! - b.reader.meta.freq[0]!).map((f) => f.reader.readAll());
  held = [parts, concatNaive(parts)];
  outputBytes = parts.reduce((n, p) => n + p.vis.byteLength + p.flags.byteLength + p.nsamples.byteLength, 0);
}
globalThis.gc?.();
const after = process.memoryUsage().arrayBuffers;
console.log(JSON.stringify({ mode, peakRiseBytes: after - before, outputBytes, held: held !== undefined }));
