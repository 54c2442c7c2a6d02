/**
 * A seeded field of point sources with stellar colours: positions uniform on the tangent
 * plane of the tract, r magnitudes from a power-law number count (dN/dm ∝ 10^(0.2 m)),
 * other bands from one colour index. Fluxes are AB, in nanojansky.
 */
import { HtmPixelization } from '../../registry/index.js';
import { SimulationError } from './errors.js';
import { Random } from './random.js';
import type { TanProjection } from './tan-projection.js';

/** AB magnitude of 1 nJy: m = 31.4 - 2.5 log10(flux / nJy). */
export const AB_NJY_ZERO_POINT = 31.4;

/** Bands the simulator knows (physical filters `<instrument>-<band>`). */
export const KNOWN_BANDS: readonly string[] = ['u', 'g', 'r', 'i', 'z', 'y'];

/** Magnitude range of the simulated stars in r. */
export const STAR_MAG_RANGE: readonly [number, number] = [14, 22.5];

/** Column-oriented star catalog; row i is star `id[i]`. */
export interface StarField {
  readonly count: number;
  /** Ids 1..count. */
  readonly id: BigInt64Array;
  /** Degrees. */
  readonly ra: Float64Array;
  readonly dec: Float64Array;
  /** Unit vectors packed x, y, z (3 per star). */
  readonly xyz: Float64Array;
  /** AB magnitudes per band. */
  readonly mag: Readonly<Record<string, Float64Array>>;
  /** Fluxes per band, nJy. */
  readonly flux: Readonly<Record<string, Float64Array>>;
  /** htm7 (or the given level's) trixel of each star. */
  readonly htm: Int32Array;
}

/** What to generate. */
export interface StarFieldSpec {
  readonly seed: number;
  /** Projection whose pixel grid the field is laid on (the tract's). */
  readonly wcs: TanProjection;
  /** The square [cx - half, cx + half]^2 in `wcs` pixels that receives stars. */
  readonly centerPixel: readonly [number, number];
  readonly halfSizePixels: number;
  readonly count: number;
  readonly bands: readonly string[];
  readonly htmLevel: number;
}

/** Magnitude offset of `band` from r for colour index c = g - r (smooth main-sequence-like colours). */
export function bandOffset(band: string, c: number): number {
  switch (band) {
    case 'u': return c + 1.0 + 0.8 * c;
    case 'g': return c;
    case 'r': return 0;
    case 'i': return -(0.45 * c - 0.05);
    case 'z': return -(0.45 * c - 0.05) - 0.25 * c;
    case 'y': return -(0.45 * c - 0.05) - 0.35 * c;
    default: throw new SimulationError(`unknown band '${band}' (known: ${KNOWN_BANDS.join(', ')})`, 'SIMULATE_OPTIONS');
  }
}

/** nJy of an AB magnitude. */
export function magToNanojansky(mag: number): number {
  return 10 ** (-0.4 * (mag - AB_NJY_ZERO_POINT));
}

/** Generates the star field; the same spec gives the same stars, bit for bit. */
export function generateStarField(spec: StarFieldSpec): StarField {
  const n = spec.count;
  if (!Number.isInteger(n) || n < 0) throw new SimulationError(`star count must be a non-negative integer, got ${n}`, 'SIMULATE_OPTIONS');
  for (const b of spec.bands) bandOffset(b, 0);
  const rng = Random.stream(spec.seed, 'stars');
  const htm = new HtmPixelization(spec.htmLevel);
  const id = new BigInt64Array(n), ra = new Float64Array(n), dec = new Float64Array(n), xyz = new Float64Array(3 * n), tri = new Int32Array(n);
  const mag: Record<string, Float64Array> = {}, flux: Record<string, Float64Array> = {};
  for (const b of spec.bands) {
    mag[b] = new Float64Array(n);
    flux[b] = new Float64Array(n);
  }
  const [m0, m1] = STAR_MAG_RANGE;
  const alpha = 0.2 * Math.LN10;
  const span = Math.expm1(alpha * (m1 - m0));
  for (let i = 0; i < n; i++) {
    const x = spec.centerPixel[0] + rng.uniform(-1, 1) * spec.halfSizePixels;
    const y = spec.centerPixel[1] + rng.uniform(-1, 1) * spec.halfSizePixels;
    // Inverse CDF of the truncated exponential in magnitude.
    const r = m0 + Math.log1p(rng.next() * span) / alpha;
    const c = rng.uniform(0.2, 1.4);
    const v = spec.wcs.pixelToVector(x, y);
    const [a, d] = spec.wcs.pixelToSky(x, y);
    id[i] = BigInt(i + 1);
    ra[i] = a;
    dec[i] = d;
    xyz[3 * i] = v[0];
    xyz[3 * i + 1] = v[1];
    xyz[3 * i + 2] = v[2];
    tri[i] = htm.indexXyz(v[0], v[1], v[2]);
    for (const b of spec.bands) {
      const m = r + bandOffset(b, c);
      mag[b]![i] = m;
      flux[b]![i] = magToNanojansky(m);
    }
  }
  return { count: n, id, ra, dec, xyz, mag, flux, htm: tri };
}
