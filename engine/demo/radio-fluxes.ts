/**
 * The radio demo's checks of what a `qg run` of pipelines/radio.yaml wrote: each tile's beam
 * and noise (measured, and thermal from XX - YY) from its header, and the patch mosaics
 * against the simulator's sky model - each bright isolated source measured (peak of the
 * restored, primary-beam-corrected mosaic) in the mosaic where its predicted noise
 * 1/sqrt(sum w A^2) is lowest, with its catalog flux at the mosaic's frequency.
 */
import type { Table } from 'apache-arrow';
import type { DatasetRef, Exposure, FitsHeader, Repository } from '../../registry/index.js';
import { TanWcs, loadRadioCalibration, measureRadioSources, type SourceMeasurement } from '../../pipelines/index.js';
import { loadRadioSimulator } from '../../pipelines/simulate/index.js';

/** One tile's imaging, from its header. */
export interface TileSummary {
  readonly observation: string | number | undefined;
  readonly header: FitsHeader;
}

/** A source measured in the mosaic where its predicted noise is lowest. */
export interface MosaicSource extends SourceMeasurement {
  readonly patch: number;
  /** Predicted noise (Jy/beam) at the source. */
  readonly sigma: number;
  readonly offsetArcmin: number;
}

/** The `radio_image` tiles of `collection`. */
export async function radioTiles(repo: Repository, collection: string): Promise<TileSummary[]> {
  return Promise.all((await query(repo, 'radio_image', [collection])).map(async (ref) => ({ observation: ref.dataId['observation'], header: (await read(repo, ref)).header })));
}

/** The sky model's sources, and those bright and isolated enough to measure in the mosaics of `collection`, by source. */
export async function compareRadioFluxes(repo: Repository, collection: string): Promise<{ readonly sources: number; readonly measured: MosaicSource[] }> {
  const [model] = await query(repo, 'radio_sky_model', [(await loadRadioSimulator()).RADIO_COLLECTIONS.truth]);
  const sources = (await loadRadioCalibration()).sourcesFromTable((await repo.get(model!)) as Table);
  const weights = await query(repo, 'radio_mosaic_weight', [collection]);
  const measured = bestPerSource((await Promise.all((await query(repo, 'radio_mosaic', [collection])).map(async (ref) => {
    const weightRef = weights.find((w) => w.dataId['patch'] === ref.dataId['patch'])!;
    return measureMosaic(await read(repo, ref), await read(repo, weightRef), Number(ref.dataId['patch']), sources);
  }))).flat());
  return { sources: sources.length, measured };
}

function query(repo: Repository, type: string, collections: string[]): Promise<DatasetRef[]> {
  return repo.registry.datasets.query(type, collections, repo.registry.knex, { findFirst: true });
}

async function read(repo: Repository, ref: DatasetRef): Promise<Exposure> {
  return (await repo.get(ref)) as Exposure;
}

/** Bright isolated sources of one mosaic with their predicted noise. */
function measureMosaic(mosaic: Exposure, weight: Exposure, patch: number, sources: Parameters<typeof measureRadioSources>[2]): MosaicSource[] {
  const h = mosaic.header, wcs = TanWcs.fromHeader(h);
  return measureRadioSources({ ...mosaic, image: mosaic.image as Float32Array }, wcs, sources, h.getNumber('FREQ')!, 3 * h.getNumber('BMAJ')!)
    .map((m) => ({
      ...m, patch, sigma: 1 / Math.sqrt(weight.image[Math.round(m.expectedY) * weight.width + Math.round(m.expectedX)] as number),
      offsetArcmin: (Math.hypot(m.measured.x - m.expectedX, m.measured.y - m.expectedY) * wcs.pixelScaleArcsec) / 60,
    }))
    .filter((r) => Number.isFinite(r.sigma) && r.measured.peak > 10 * r.sigma);
}

/** For each source, its row from the mosaic with the lowest predicted noise, by source. */
function bestPerSource(rows: readonly MosaicSource[]): MosaicSource[] {
  const best = new Map<number, MosaicSource>();
  for (const r of rows) {
    const seen = best.get(r.index);
    if (!seen || r.sigma < seen.sigma) best.set(r.index, r);
  }
  return [...best.values()].sort((a, b) => a.index - b.index);
}
