/**
 * The merge peak-memory measurement, shared by the merge test and `npm run bench`: 16 UVH5
 * subbands of 1,000 rows x 32 channels x 2 polarizations (0.8 MB decoded each, 13 MB merged)
 * merged in child processes (merge-memory-child.ts) batched and naively, each reporting the
 * ArrayBuffer memory its merge added.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MERGE_DEFAULTS } from '../../../pipelines/radio/merge-subbands.js';
import { writeUvh5, type UvData } from '../../../pipelines/radio/uvh5.js';
import { RADIO_PROFILE, TrueGains, arrayLayout, planRadioObservations, radioSources, simulateSubband } from '../../../pipelines/simulate/index.js';

/** What one child measured. */
export interface MergeReading {
  readonly peakRiseBytes: number;
  readonly outputBytes: number;
}

/** Peaks of both merges; the batched one is its reading plus the one chunk it may hold. */
export interface MergePeaks {
  readonly outputBytes: number;
  readonly batched: MergeReading;
  readonly naive: MergeReading;
  readonly batchedPeakBytes: number;
  readonly chunkBytes: number;
}

const CHILD = fileURLToPath(new URL('./merge-memory-child.ts', import.meta.url));

/** Writes the 16 subbands into `dir` (the simulator's first subband as the template of the metadata). */
export async function writeMergeSubbands(dir: string): Promise<void> {
  const profile = { ...RADIO_PROFILE, antennas: 4, subbands: 4, channelsPerSubband: 3, integrations: 3, sources: 3 };
  const observations = planRadioObservations(profile);
  const ctx = { profile, seed: 5, layout: arrayLayout(profile, 5), sources: radioSources(profile, 5, observations), gains: new TrueGains(profile.antennas, 5) };
  const base = simulateSubband(ctx, observations[0]!, 0);
  const rows = 1000, nf = 32, n = rows * nf * 2;
  for (let s = 0; s < 16; s++) {
    const data: UvData = {
      ...base, ant1: new Int32Array(rows).map((_, i) => i % 40), ant2: new Int32Array(rows).map((_, i) => 40 + (i % 40)),
      time: new Float64Array(rows).map((_, i) => 2461041.5 + Math.floor(i / 40) / 8640), uvw: new Float64Array(rows * 3), integrationTime: new Float64Array(rows).fill(10),
      freq: Float64Array.from({ length: nf }, (_, k) => 1.5e9 - (s + 1) * nf * 1e5 + k * 1e5), channelWidth: new Float64Array(nf).fill(1e5),
      vis: Float32Array.from({ length: 2 * n }, (_, i) => i % 97), flags: new Uint8Array(n), nsamples: new Float32Array(n).fill(1),
    };
    writeFileSync(join(dir, `sb${String(s).padStart(2, '0')}.uvh5`), await writeUvh5(data));
  }
}

function measure(dir: string, mode: 'batched' | 'naive'): MergeReading {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD, mode, dir], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as MergeReading;
}

/**
 * The largest of three readings: memory counted before the merge and released during it
 * (seen about once in six naive runs: 9.6 MB instead of 26.6 MB) can only lower a reading.
 */
function peakOf(dir: string, mode: 'batched' | 'naive'): MergeReading {
  return [measure(dir, mode), measure(dir, mode), measure(dir, mode)].reduce((a, b) => (b.peakRiseBytes > a.peakRiseBytes ? b : a));
}

/** Both merges' peaks over the subbands in `dir` (see {@link writeMergeSubbands}). */
export function mergePeaks(dir: string): MergePeaks {
  const batched = peakOf(dir, 'batched'), naive = peakOf(dir, 'naive'), chunkBytes = MERGE_DEFAULTS.chunkBytes;
  return { outputBytes: batched.outputBytes, batched, naive, batchedPeakBytes: batched.peakRiseBytes + chunkBytes, chunkBytes };
}
