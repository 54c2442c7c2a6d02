/**
 * The radio demo's last look: the patch mosaics a `qg run` of pipelines/radio.yaml wrote,
 * against the simulator's sky model - each bright isolated source measured (peak of the
 * restored, primary-beam-corrected mosaic) in the mosaic where its predicted noise
 * 1/sqrt(sum w A^2) is lowest, with its catalog flux at the mosaic's frequency; and each
 * tile's beam and noise (measured, and thermal from XX - YY) from its header.
 */
import type { Table } from 'apache-arrow';
import { Repository, type DatasetRef, type Exposure } from '../../registry/index.js';
import { TanWcs, loadRadioCalibration, loadRadioSimulator, measureRadioSources, type SourceMeasurement } from '../../pipelines/index.js';
import { formatTable } from './output.js';

/** A source measured in one mosaic. */
interface Row extends SourceMeasurement {
  readonly patch: number;
  readonly sigma: number;
  readonly offsetArcmin: number;
}

/** Prints the tiles' beams and noise, then every bright isolated source's true and mosaicked flux, from `collection`. */
export async function printRadioFluxes(repoRoot: string, collection: string, out: (line: string) => void = (line) => console.log(line)): Promise<void> {
  const repo = await Repository.open(repoRoot);
  try {
    const refs = (type: string, collections: string[]) => repo.registry.datasets.query(type, collections, repo.registry.knex, { findFirst: true });
    const read = async (ref: DatasetRef) => (await repo.get(ref)) as Exposure;
    const tiles = await Promise.all((await refs('radio_image', [collection])).map(async (ref) => ({ observation: ref.dataId['observation'], header: (await read(ref)).header })));
    out(formatTable(['observation', 'beam (arcmin)', 'PA deg', 'rms mJy/beam', 'thermal mJy/beam', 'CLEAN iterations'], tiles.map(({ observation, header: h }) => [
      observation, `${(60 * h.getNumber('BMAJ')!).toFixed(2)} x ${(60 * h.getNumber('BMIN')!).toFixed(2)}`, h.getNumber('BPA')!.toFixed(1),
      (1000 * h.getNumber('RMSNOISE')!).toFixed(2), (1000 * h.getNumber('THERMRMS')!).toFixed(2), h.getNumber('NITER'),
    ])));
    const [model] = await refs('radio_sky_model', [(await loadRadioSimulator()).RADIO_COLLECTIONS.truth]);
    const sources = (await loadRadioCalibration()).sourcesFromTable((await repo.get(model!)) as Table);
    const weights = await refs('radio_mosaic_weight', [collection]);
    const rows = bestPerSource((await Promise.all((await refs('radio_mosaic', [collection])).map(async (ref) => {
      const weightRef = weights.find((w) => w.dataId['patch'] === ref.dataId['patch'])!;
      return measureMosaic(await read(ref), await read(weightRef), Number(ref.dataId['patch']), sources);
    }))).flat());
    out('');
    out(`${rows.length} bright isolated sources of ${sources.length} in the mosaics (restored peak, primary-beam corrected, vs the sky model):`);
    out(formatTable(['source', 'patch', 'true Jy', 'measured Jy', 'ratio', 'sigma mJy', 'offset arcmin'], rows.map((r) => [
      r.index, r.patch, r.trueFlux.toFixed(3), r.measured.peak.toFixed(3), (r.measured.peak / r.trueFlux).toFixed(4), (1000 * r.sigma).toFixed(1),
      r.offsetArcmin.toFixed(2),
    ])));
  } finally {
    await repo.close();
  }
}

/** Bright isolated sources of one mosaic with their predicted noise. */
function measureMosaic(mosaic: Exposure, weight: Exposure, patch: number, sources: Parameters<typeof measureRadioSources>[2]): Row[] {
  const h = mosaic.header, wcs = TanWcs.fromHeader(h);
  return measureRadioSources({ ...mosaic, image: mosaic.image as Float32Array }, wcs, sources, h.getNumber('FREQ')!, 3 * h.getNumber('BMAJ')!)
    .map((m) => ({
      ...m, patch, sigma: 1 / Math.sqrt(weight.image[Math.round(m.expectedY) * weight.width + Math.round(m.expectedX)] as number),
      offsetArcmin: (Math.hypot(m.measured.x - m.expectedX, m.measured.y - m.expectedY) * wcs.pixelScaleArcsec) / 60,
    }))
    .filter((r) => Number.isFinite(r.sigma) && r.measured.peak > 10 * r.sigma);
}

/** For each source, its row from the mosaic with the lowest predicted noise, by source. */
function bestPerSource(rows: readonly Row[]): Row[] {
  const best = new Map<number, Row>();
  for (const r of rows) {
    const seen = best.get(r.index);
    if (!seen || r.sigma < seen.sigma) best.set(r.index, r);
  }
  return [...best.values()].sort((a, b) => a.index - b.index);
}
