/**
 * Radio figures for `npm run bench`. The merge's peak memory: 16 subbands merged in row chunks
 * into a preallocated output against loading every subband whole and concatenating
 * (merge-memory.ts, the merge test's measurement). Mosaic validation: on the mosaic tests' synthetic tiles (4
 * tiles of 200 x 200 pixels and their primary beams, the radio sky map's central patch), the
 * time of a whole mosaic (validation, regridding, accumulation) against the time each
 * validator takes to reject the case it exists for, with the header and pixel reads made
 * before it did: the cheap checks reject on headers alone, at a small fraction of the cost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { patchGrid } from '../../pipelines/image/sky-map.js';
import { MOSAIC_DEFAULTS, buildMosaic, type MosaicConfig } from '../../pipelines/radio/mosaic.js';
import { mergePeaks, writeMergeSubbands } from '../pipelines/radio/merge-memory.js';
import { SKY_MAP, countedTiles, syntheticTile, testSources, validationCases, type FixtureTiles, type ReadCounts } from '../pipelines/radio/mosaic-fixtures.js';

const RUNS = 5;

/** Median wall time (ms) of `RUNS` mosaics of `tiles`, the reads of the last, and the error code (if any). */
function timeMosaic(tiles: () => FixtureTiles, config: MosaicConfig): { ms: number; reads: ReadCounts; code: string } {
  const grid = patchGrid(SKY_MAP.describe(), 0, 4), sources = testSources();
  const times: number[] = [];
  let reads: ReadCounts = { headers: 0, tilePixels: 0, beamPixels: 0 }, code = '-';
  for (let i = 0; i < RUNS; i++) {
    const input = tiles();
    reads = { headers: 0, tilePixels: 0, beamPixels: 0 };
    const t0 = performance.now();
    try {
      buildMosaic(countedTiles(input, reads), grid, config, sources);
    } catch (e) {
      code = (e as { code?: string }).code ?? String(e);
    }
    times.push(performance.now() - t0);
  }
  return { ms: times.sort((a, b) => a - b)[RUNS >> 1]!, reads, code };
}

/** The merge peak-memory table. */
async function mergeMemorySection(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'qg-bench-merge-'));
  try {
    await writeMergeSubbands(dir);
    const p = mergePeaks(dir), mb = (b: number) => (b / 2 ** 20).toFixed(1);
    return [
      `### Radio subband merge peak memory (16 subbands, output ${mb(p.outputBytes)} MB; ArrayBuffer memory the merge adds, largest of 3 runs)`, '',
      '| merge | peak MB | of the output | of the naive peak |',
      '|---|---|---|---|',
      `| batched: row chunks of ${mb(p.chunkBytes)} MB into a preallocated output (reading + one chunk) | ${mb(p.batchedPeakBytes)} | ${(p.batchedPeakBytes / p.outputBytes).toFixed(2)}x | ${(100 * p.batchedPeakBytes / p.naive.peakRiseBytes).toFixed(0)}% |`,
      `| naive: every subband whole, then concatenated | ${mb(p.naive.peakRiseBytes)} | ${(p.naive.peakRiseBytes / p.outputBytes).toFixed(2)}x | 100% |`,
      '',
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The bench's markdown section. */
export async function runRadioBench(): Promise<string> {
  const rms = 0.005, sources = testSources();
  const tiles = [0, 1, 2, 3].map((k) => syntheticTile(k, sources, rms, 40));
  const full = timeMosaic(() => tiles, MOSAIC_DEFAULTS);
  const row = (name: string, r: ReturnType<typeof timeMosaic>) =>
    `| ${name} | ${r.code} | ${r.ms.toFixed(2)} | ${(100 * r.ms / full.ms).toFixed(1)}% | ${r.reads.headers} | ${r.reads.tilePixels} | ${r.reads.beamPixels} |`;
  return [
    ...(await mergeMemorySection()),
    `### Radio mosaic validation (${tiles.length} tiles of 200 x 200 pixels, one patch; median of ${RUNS} runs)`, '',
    '| case | result | ms | of a whole mosaic | header reads | tile pixel reads | beam pixel reads |',
    '|---|---|---|---|---|---|---|',
    row('valid tiles: the whole mosaic', full),
    ...validationCases(tiles, rms).map((c) => row(c.name, timeMosaic(c.tiles, c.config))),
  ].join('\n');
}

// `npx tsx test/bench/radio-bench.ts` prints the section alone.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(await runRadioBench());
