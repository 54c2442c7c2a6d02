/**
 * mergeSubbands (dimensions instrument, observation): the 16 frequency subbands of an
 * observation into one visibility set. Each subband's header is read once (the readers cache
 * it) and every check and the merge reuse it. Checks come first: every expected subband is
 * present, time, baseline and polarization axes agree, and the channels, in frequency order,
 * are contiguous; each failure names the subband. Then the output is allocated once and each
 * subband is read, in row chunks of at most `chunkBytes` into one reused chunk buffer, and
 * copied into its channel range: the peak is the output plus one chunk (concatenating whole
 * subbands holds every subband and the output at once; reading chunks into fresh arrays
 * leaves them all as garbage until a collection, which does not lower the peak either).
 */
import { defineConfig, readConfig, type ConfigOf } from '../core/config-schema.js';
import type { TaskRunInput, TaskRunOutput } from '../core/connections.js';
import { RadioError } from './errors.js';
import { BYTES_PER_ELEMENT, Uvh5Reader, writeUvh5, type UvData, type UvMeta } from './uvh5.js';

/** mergeSubbands' config fields. */
export const MERGE_CONFIG = defineConfig({
  expectedSubbands: { type: 'number', default: 16, doc: 'Subbands 0..expectedSubbands-1 must all be there' },
  chunkBytes: { type: 'number', default: 1 << 20, doc: 'Most bytes of decoded data held per chunk read' },
});

/** Config of mergeSubbands (defaults filled in by {@link readConfig}). */
export type MergeConfig = ConfigOf<typeof MERGE_CONFIG>;

/** Every mergeSubbands field at its default. */
export const MERGE_DEFAULTS: MergeConfig = readConfig(MERGE_CONFIG, {}, 'mergeSubbands');

/** One subband's file. */
export interface SubbandFile {
  readonly subband: number;
  readonly reader: Uvh5Reader;
}

/** Figures of a merge. */
export interface MergeFigures {
  readonly subbands: number;
  readonly channels: number;
  readonly rows: number;
  readonly chunkRows: number;
  readonly chunkReads: number;
  readonly headerReads: number;
}

/** Checks the subbands' headers, then merges them in frequency order into one preallocated visibility set. */
export function mergeSubbands(files: readonly SubbandFile[], config: MergeConfig): { data: UvData; figures: MergeFigures } {
  const ordered = checkSubbands(files, config.expectedSubbands);
  const ref = ordered[0]!.reader;
  const { Nblts: rows, Npols: npols } = ref.counts;
  const channels = ordered.reduce((n, f) => n + f.reader.counts.Nfreqs, 0);
  const vis = new Float32Array(rows * channels * npols * 2), flags = new Uint8Array(rows * channels * npols), nsamples = new Float32Array(rows * channels * npols);
  const maxNf = Math.max(...ordered.map((f) => f.reader.counts.Nfreqs));
  const chunkRows = Math.max(1, Math.floor(config.chunkBytes / (maxNf * npols * BYTES_PER_ELEMENT)));
  const chunkElements = chunkRows * maxNf * npols;
  const buffer = { vis: new Float32Array(2 * chunkElements), flags: new Uint8Array(chunkElements), nsamples: new Float32Array(chunkElements) };
  let c0 = 0, chunkReads = 0;
  for (const { reader } of ordered) {
    const width = reader.counts.Nfreqs * npols;
    for (let start = 0; start < rows; start += chunkRows) {
      const count = Math.min(chunkRows, rows - start);
      const chunk = reader.readRows(start, count, buffer);
      chunkReads++;
      for (let r = 0; r < count; r++) {
        const to = (start + r) * channels * npols + c0 * npols;
        vis.set(chunk.vis.subarray(2 * r * width, 2 * (r + 1) * width), 2 * to);
        flags.set(chunk.flags.subarray(r * width, (r + 1) * width), to);
        nsamples.set(chunk.nsamples.subarray(r * width, (r + 1) * width), to);
      }
    }
    c0 += reader.counts.Nfreqs;
  }
  const metas = ordered.map((f) => f.reader.meta);
  const data: UvData = {
    ...ref.meta, freq: concat(metas.map((m) => m.freq)), channelWidth: concat(metas.map((m) => m.channelWidth)),
    history: `${ref.meta.history}; merged ${ordered.length} subbands by qg mergeSubbands`, vis, flags, nsamples,
  };
  const headerReads = files.reduce((n, f) => n + f.reader.headerReads, 0);
  return { data, figures: { subbands: ordered.length, channels, rows, chunkRows, chunkReads, headerReads } };
}

/**
 * The subbands in ascending frequency after the checks, cheapest first: presence, then axes
 * against the first subband, then channel contiguity (SUBBAND_MISSING, SUBBAND_MISMATCH).
 */
export function checkSubbands(files: readonly SubbandFile[], expected: number): SubbandFile[] {
  const present = new Set(files.map((f) => f.subband));
  const missing = Array.from({ length: expected }, (_, s) => s).filter((s) => !present.has(s));
  if (missing.length) throw new RadioError(`subband(s) ${missing.join(', ')} missing (${files.length} of ${expected} present)`, 'SUBBAND_MISSING');
  const ref = files[0]!;
  for (const f of files.slice(1)) checkAxes(ref, f);
  const ordered = [...files].sort((a, b) => a.reader.meta.freq[0]! - b.reader.meta.freq[0]!);
  for (let i = 1; i < ordered.length; i++) checkContiguous(ordered[i - 1]!, ordered[i]!);
  return ordered;
}

function checkAxes(ref: SubbandFile, f: SubbandFile): void {
  const a = ref.reader.meta, b = f.reader.meta;
  const axes: [string, keyof UvMeta][] = [['time', 'time'], ['baseline (antenna 1)', 'ant1'], ['baseline (antenna 2)', 'ant2'], ['polarization', 'polarization']];
  for (const [what, key] of axes) {
    if (!sameArray(a[key] as ArrayLike<number>, b[key] as ArrayLike<number>)) {
      throw new RadioError(`subband ${f.subband}: its ${what} axis differs from subband ${ref.subband}'s`, 'SUBBAND_MISMATCH');
    }
  }
}

function checkContiguous(lower: SubbandFile, upper: SubbandFile): void {
  const lo = lower.reader.meta, hi = upper.reader.meta;
  const gap = hi.freq[0]! - lo.freq[lo.freq.length - 1]!;
  const width = lo.channelWidth[lo.channelWidth.length - 1]!;
  if (Math.abs(gap - width) > 1e-6 * width) {
    throw new RadioError(`subband ${upper.subband} does not follow subband ${lower.subband} in frequency (gap ${gap} Hz, channel width ${width} Hz)`, 'SUBBAND_MISMATCH');
  }
}

function sameArray(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function concat(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The task: inputs `subbands` (UVH5 bytes, gathered), output `merged` (UVH5 bytes). */
export async function run(input: TaskRunInput): Promise<TaskRunOutput> {
  const config = readConfig(MERGE_CONFIG, input.config, 'mergeSubbands');
  const bytes = input.inputs['subbands'] as Uint8Array[];
  const ids = input.inputDataIds['subbands'] as readonly Record<string, string | number>[];
  const files: SubbandFile[] = [];
  try {
    for (const [i, b] of bytes.entries()) files.push({ subband: Number(ids[i]!['subband']), reader: await Uvh5Reader.fromBytes(b) });
    const { data, figures } = mergeSubbands(files, config);
    input.log(`merged ${figures.subbands} subbands (${figures.channels} channels, ${figures.rows} rows) in ${figures.chunkReads} chunk reads of up to ${figures.chunkRows} rows`);
    return { outputs: { merged: await writeUvh5(data) }, metadata: { ...figures } };
  } finally {
    for (const f of files) f.reader.close();
  }
}
