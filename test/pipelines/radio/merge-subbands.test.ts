/**
 * mergeSubbands: the merge equals a plain concatenation in frequency order; a missing
 * subband, a differing time/baseline/polarization axis and a channel gap are refused naming
 * the subband; each header is read once; and the peak memory of the chunked merge into a
 * preallocated output is measured against load-all-then-concatenate (in child processes, by
 * the ArrayBuffer memory each adds; the figures are printed).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSubbands, mergeSubbands, run, type SubbandFile } from '../../../pipelines/radio/merge-subbands.js';
import { readUvh5, Uvh5Reader, writeUvh5, type UvData } from '../../../pipelines/radio/uvh5.js';
import { mergePeaks, writeMergeSubbands } from './merge-memory.js';
import { RADIO_PROFILE, TrueGains, arrayLayout, planRadioObservations, radioSources, simulateSubband, type SubbandContext } from '../../../pipelines/simulate/index.js';

const profile = { ...RADIO_PROFILE, antennas: 4, subbands: 4, channelsPerSubband: 3, integrations: 3, sources: 3 };
const observations = planRadioObservations(profile);
const ctx: SubbandContext = { profile, seed: 5, layout: arrayLayout(profile, 5), sources: radioSources(profile, 5, observations), gains: new TrueGains(profile.antennas, 5) };
const subband = (s: number, change: (d: UvData) => UvData = (d) => d) => change(simulateSubband(ctx, observations[0]!, s));

async function open(datas: readonly [number, UvData][]): Promise<SubbandFile[]> {
  return Promise.all(datas.map(async ([s, d]) => ({ subband: s, reader: await Uvh5Reader.fromBytes(await writeUvh5(d)) })));
}
const closeAll = (files: SubbandFile[]) => files.forEach((f) => f.reader.close());
const config = { expectedSubbands: 4, chunkBytes: 200 };

describe('mergeSubbands', () => {
  it('equals the concatenation in frequency order, read in row chunks, each header once', async () => {
    const parts = [0, 1, 2, 3].map((s) => subband(s));
    const files = await open(parts.map((d, s) => [s, d]));
    try {
      const { data, figures } = mergeSubbands(files, config);
      const ordered = [...parts].reverse();
      expect([...data.freq]).toEqual(ordered.flatMap((p) => [...p.freq]));
      const rows = data.ant1.length, np = 2, nfs = profile.channelsPerSubband;
      for (let r = 0; r < rows; r++) {
        ordered.forEach((p, i) => {
          for (let k = 0; k < nfs * np * 2; k++) expect(data.vis[(r * 12 * np) * 2 + i * nfs * np * 2 + k]).toBe(p.vis[r * nfs * np * 2 + k]);
        });
      }
      expect(figures).toMatchObject({ subbands: 4, channels: 12, rows, headerReads: 4 });
      expect(figures.chunkRows).toBe(Math.floor(200 / (3 * 2 * 13)));
      expect(figures.chunkReads).toBe(4 * Math.ceil(rows / figures.chunkRows));
    } finally {
      closeAll(files);
    }
  });

  it('refuses a missing subband, naming it', async () => {
    const files = await open([0, 1, 3].map((s) => [s, subband(s)]));
    try {
      expect(() => checkSubbands(files, 4)).toThrow(expect.objectContaining({ code: 'SUBBAND_MISSING', message: expect.stringContaining('subband(s) 2 missing') }));
    } finally {
      closeAll(files);
    }
  });

  it.each([
    ['time', (d: UvData) => ({ ...d, time: d.time.map((t) => t + 1e-3) })],
    ['baseline', (d: UvData) => ({ ...d, ant2: d.ant2.map((a) => (a === 3 ? 2 : a)), ant1: d.ant1.map((a) => (a === 2 ? 3 : a)) })],
    ['polarization', (d: UvData) => ({ ...d, polarization: Int32Array.of(-5, -7) })],
  ])('refuses a subband whose %s axis differs, naming it', async (what, change) => {
    const files = await open([0, 1, 2, 3].map((s) => [s, s === 2 ? subband(s, change) : subband(s)]));
    try {
      expect(() => checkSubbands(files, 4)).toThrow(expect.objectContaining({ code: 'SUBBAND_MISMATCH', message: expect.stringMatching(new RegExp(`subband 2: its ${what}`)) }));
    } finally {
      closeAll(files);
    }
  });

  it('refuses channels that are not contiguous, naming the subband', async () => {
    const files = await open([0, 1, 2, 3].map((s) => [s, s === 1 ? subband(s, (d) => ({ ...d, freq: d.freq.map((f) => f - 1e6) })) : subband(s)]));
    try {
      expect(() => checkSubbands(files, 4)).toThrow(expect.objectContaining({ code: 'SUBBAND_MISMATCH', message: expect.stringMatching(/subband (0|1) does not follow subband (1|2)/) }));
    } finally {
      closeAll(files);
    }
  });

  it('runs as a task on UVH5 bytes', async () => {
    const bytes = await Promise.all([3, 1, 0, 2].map(async (s) => writeUvh5(subband(s))));
    const out = await run({
      dataId: { instrument: 'QGARRAY', observation: 1000 }, config: { expectedSubbands: 4 }, inputs: { subbands: bytes },
      inputDataIds: { subbands: [3, 1, 0, 2].map((s) => ({ instrument: 'QGARRAY', observation: 1000, subband: s })) }, log: () => {},
    });
    const merged = await readUvh5(out.outputs['merged'] as Uint8Array);
    expect(merged.freq.length).toBe(12);
    expect(out.metadata).toMatchObject({ headerReads: 4, subbands: 4 });
  });
});

describe('merge peak memory: chunked into a preallocated output vs load-all-then-concatenate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qg-merge-mem-'));
  beforeAll(() => writeMergeSubbands(dir), 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the chunked merge peaks near the output size; loading all first peaks near twice it', () => {
    const { batched, naive, batchedPeakBytes, chunkBytes } = mergePeaks(dir);
    const mb = (b: number) => (b / 2 ** 20).toFixed(1);
    console.log(`merge peak ArrayBuffer memory (output ${mb(batched.outputBytes)} MB): batched ${mb(batchedPeakBytes)} MB (output + one ${mb(chunkBytes)} MB chunk), ` +
      `naive ${mb(naive.peakRiseBytes)} MB: ${(100 * (1 - batchedPeakBytes / naive.peakRiseBytes)).toFixed(0)}% lower`);
    expect(batched.peakRiseBytes).toBeLessThan(1.1 * batched.outputBytes);
    expect(naive.peakRiseBytes).toBeGreaterThan(1.9 * naive.outputBytes);
  }, 120_000);
});
