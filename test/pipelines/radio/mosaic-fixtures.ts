/**
 * Synthetic tiles for the mosaic tests, made directly (no imaging, so that every number is
 * known): one tile per observation of the radio profile, 200 x 200 pixels of 1.5 arcmin on a
 * TAN grid about its pointing, holding point sources of known flux as the restoring beam (a
 * circular Gaussian of 4 pixels FWHM) times the primary beam at the source, plus noise of
 * `rmsJy` correlated on the beam's scale (white noise smoothed by a Gaussian of the beam's
 * sigma / sqrt 2, then scaled), like a restored image's. Each tile and beam goes through FITS
 * bytes, and is handed to the mosaic behind counters of header and pixel reads.
 */
import { FitsHeader, exposureFromFits, exposureToFits, type Exposure } from '../../../registry/index.js';
import { TanWcs } from '../../../pipelines/image/tan-wcs.js';
import { angularDistance, rad, type PointSource } from '../../../pipelines/radio/interferometry.js';
import type { MosaicTile } from '../../../pipelines/radio/mosaic-tiles.js';
import { MOSAIC_DEFAULTS, type MosaicConfig } from '../../../pipelines/radio/mosaic.js';
import { gaussianBeam } from '../../../pipelines/radio/primary-beam.js';
import { RADIO_PROFILE, Random, planRadioObservations } from '../../../pipelines/simulate/index.js';
import { radioSkyMap } from '../../../pipelines/simulate/radio-simulator.js';

export const TILE_NPIX = 200;
export const TILE_CELL_DEG = 1.5 / 60;
export const BEAM_FWHM_PX = 4;
export const FREQUENCY_HZ = 1.405e9;
export const OBSERVATIONS = planRadioObservations(RADIO_PROFILE);
export const SKY_MAP = radioSkyMap(RADIO_PROFILE, OBSERVATIONS);

/** Sources at on-sky offsets (degrees east, north) from the tract centre; the first sits between two pointings. */
export function testSources(): PointSource[] {
  const [ra0, dec0] = SKY_MAP.wcs.pixelToSky((SKY_MAP.inner.width - 1) / 2, (SKY_MAP.inner.height - 1) / 2);
  const at = (east: number, north: number, flux: number) => ({ ra: ra0 + east / Math.cos(rad(dec0 + north)), dec: dec0 + north, flux, spectralIndex: 0, refFrequencyHz: FREQUENCY_HZ });
  return [at(0, 0, 0.2), at(-0.6, 0.5, 0.15), at(0.9, -0.4, 0.3), at(-1.2, -0.8, 0.12), at(0.3, 0.9, 0.25), at(-0.75, 0.05, 0.18), at(1.6, 0.6, 0.2)];
}

/** The tile and primary beam of observation `k`, as FITS-read exposures. */
export function syntheticTile(k: number, sources: readonly PointSource[], rmsJy: number, seed: number): { image: Exposure; beam: Exposure } {
  const o = OBSERVATIONS[k]!;
  const wcs = new TanWcs({ crval: [o.ra, o.dec], crpix: [TILE_NPIX / 2 + 1, TILE_NPIX / 2 + 1], cd: [[-TILE_CELL_DEG, 0], [0, TILE_CELL_DEG]] });
  const n = TILE_NPIX, beam = new Float32Array(n * n), image = correlatedNoise(n, rmsJy, new Random(seed + k));
  const diameter = RADIO_PROFILE.dishDiameterM;
  const pb = (ra: number, dec: number) => gaussianBeam(angularDistance(rad(ra), rad(dec), rad(o.ra), rad(o.dec)), FREQUENCY_HZ, diameter);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) beam[y * n + x] = pb(...wcs.pixelToSky(x, y));
  const s2 = (BEAM_FWHM_PX / 2.3548) ** 2;
  for (const s of sources) {
    const [sx, sy] = wcs.skyToPixel(s.ra, s.dec), apparent = s.flux * pb(s.ra, s.dec);
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) image[y * n + x] += apparent * Math.exp(-((x - sx) ** 2 + (y - sy) ** 2) / (2 * s2));
  }
  const header = new FitsHeader(wcs.toCards());
  header.set('BUNIT', 'Jy/beam');
  for (const k of ['BMAJ', 'BMIN']) header.set(k, BEAM_FWHM_PX * TILE_CELL_DEG, '', { numberFormat: 'real' });
  header.set('BPA', 0, '', { numberFormat: 'real' });
  header.set('RMSNOISE', rmsJy, '', { numberFormat: 'real' });
  header.set('PBCOR', false);
  header.set('FREQ', FREQUENCY_HZ, '', { numberFormat: 'real' });
  const viaFits = (e: Exposure) => exposureFromFits(exposureToFits(e));
  return { image: viaFits({ width: n, height: n, image, header }), beam: viaFits({ width: n, height: n, image: beam, header: new FitsHeader(wcs.toCards()) }) };
}

/** Unit-variance white noise smoothed by a Gaussian of sigma = beam sigma / sqrt 2, scaled to `rms`. */
function correlatedNoise(n: number, rms: number, rng: Random): Float32Array {
  const sigma = BEAM_FWHM_PX / 2.3548 / Math.SQRT2, reach = Math.ceil(4 * sigma);
  const kernel = Float64Array.from({ length: 2 * reach + 1 }, (_, i) => Math.exp(-((i - reach) ** 2) / (2 * sigma * sigma)));
  const gain = kernel.reduce((s, k) => s + k * k, 0); // variance gain of one separable pass
  const white = Float64Array.from({ length: n * n }, () => rng.normal());
  const pass = (src: Float64Array, dx: number, dy: number) => Float64Array.from(src, (_, p) => {
    const x = p % n, y = Math.floor(p / n);
    let s = 0;
    for (let i = -reach; i <= reach; i++) {
      const xx = (x + i * dx + n) % n, yy = (y + i * dy + n) % n;
      s += kernel[i + reach]! * src[yy * n + xx]!;
    }
    return s;
  });
  const smooth = pass(pass(white, 1, 0), 0, 1);
  return Float32Array.from(smooth, (v) => (v * rms) / gain);
}

/** Header and pixel reads of tiles handed to the mosaic. */
export interface ReadCounts {
  headers: number;
  tilePixels: number;
  beamPixels: number;
}

/** `tiles` as mosaic tiles that count their reads into `counts`. */
export function countedTiles(tiles: readonly { image: Exposure; beam?: Exposure }[], counts: ReadCounts): MosaicTile[] {
  return tiles.map((t, k) => ({
    name: `observation ${OBSERVATIONS[k]!.id}`,
    image: { header: () => (counts.headers++, t.image.header), pixels: () => (counts.tilePixels++, t.image.image as Float32Array) },
    ...(t.beam ? { beam: { header: () => (counts.headers++, t.beam!.header), pixels: () => (counts.beamPixels++, t.beam!.image as Float32Array) } } : {}),
  }));
}

/** A copy of `e` with header cards changed. */
export function withCards(e: Exposure, cards: Record<string, number | boolean>): Exposure {
  const header = new FitsHeader([...e.header]);
  for (const [k, v] of Object.entries(cards)) header.set(k, v, '', typeof v === 'number' ? { numberFormat: 'real' } : {});
  return { ...e, header };
}

/** Tiles as the mosaic fixtures make them, a beam possibly left out. */
export type FixtureTiles = { image: Exposure; beam?: Exposure }[];

/** A case each validator exists for: the tiles and config that trip it, and the pixel reads allowed before it does. */
export interface ValidationCase {
  readonly name: string;
  readonly code: string;
  readonly tiles: () => FixtureTiles;
  readonly config: MosaicConfig;
  readonly reads: { readonly tilePixels: number; readonly beamPixels: number };
}

/** One case per validator, in the order they run, on `tiles` (of noise `rms`). */
export function validationCases(tiles: readonly { image: Exposure; beam: Exposure }[], rms: number): ValidationCase[] {
  const edit = (k: number, image: Record<string, number | boolean>, beam: Record<string, number | boolean> = {}) => () =>
    tiles.map((t, j) => (j === k ? { image: withCards(t.image, image), beam: withCards(t.beam, beam) } : t));
  const none = { tilePixels: 0, beamPixels: 0 }, n = tiles.length;
  const shifted = (t: { image: Exposure; beam: Exposure }) => ({ CRVAL2: (t.image.header.getNumber('CRVAL2') as number) + 0.05 });
  const c = (name: string, code: string, make: () => FixtureTiles, reads = none, config = MOSAIC_DEFAULTS): ValidationCase => ({ name, code, tiles: make, config, reads });
  return [
    c('a tile without its primary beam', 'MOSAIC_MISSING', () => tiles.map((t, j) => (j === 2 ? { image: t.image } : t))),
    c('a primary beam off its tile grid', 'MOSAIC_GRID', edit(1, {}, { CRPIX1: 100.5 })),
    c('a tile of another pixel scale', 'MOSAIC_GRID', edit(1, { CD1_1: -0.03, CD2_2: 0.03 }, { CD1_1: -0.03, CD2_2: 0.03 })),
    c('a synthesized beam 30% wider than the median', 'MOSAIC_BEAM', edit(3, { BMAJ: 1.3 * BEAM_FWHM_PX * TILE_CELL_DEG })),
    c('a tile 6x noisier than the median', 'MOSAIC_NOISE', edit(0, { RMSNOISE: 6 * rms })),
    c('corrected and apparent tiles mixed', 'MOSAIC_PBCOR', edit(2, { PBCOR: true })),
    c('a patch the primary beams do not cover', 'MOSAIC_COVERAGE', () => [...tiles], { tilePixels: 0, beamPixels: n }, { ...MOSAIC_DEFAULTS, pbCutoff: 1.01 }),
    c('a tile 3 arcmin off the catalog', 'MOSAIC_ASTROMETRY', edit(1, shifted(tiles[1]!), shifted(tiles[1]!)), { tilePixels: n, beamPixels: n }),
  ];
}
