/**
 * Interferometer geometry and the point-source sky model (Thompson, Moran & Swenson,
 * "Interferometry and Synthesis in Radio Astronomy", ch. 4): antenna positions as local
 * east-north-up or ECEF offsets, baselines projected to (u, v, w) for an hour angle and
 * declination, direction cosines (l, m, n) of a source about the phase centre, and model
 * visibilities V = sum_s S_s(nu) A_s(nu) exp(-2 pi i nu (u l + v m + w (n - 1)) / c).
 * Angles in radians unless named otherwise; positions and uvw in metres.
 */
import { SPEED_OF_LIGHT, primaryBeam, type BeamShape } from './primary-beam.js';

/** A point source: position (degrees), flux density at `refFrequencyHz` (Jy) and spectral index (S ~ nu^alpha). */
export interface PointSource {
  readonly ra: number;
  readonly dec: number;
  readonly flux: number;
  readonly spectralIndex: number;
  readonly refFrequencyHz: number;
}

/** Flux density of `s` at `frequencyHz`. */
export function sourceFlux(s: PointSource, frequencyHz: number): number {
  return s.flux * (frequencyHz / s.refFrequencyHz) ** s.spectralIndex;
}

/** ECEF offset of an east-north-up offset at geodetic latitude and longitude. */
export function enuToEcef(enu: readonly [number, number, number], latitude: number, longitude: number): [number, number, number] {
  const [e, n, u] = enu;
  const sl = Math.sin(longitude), cl = Math.cos(longitude), sp = Math.sin(latitude), cp = Math.cos(latitude);
  return [-sl * e - sp * cl * n + cp * cl * u, cl * e - sp * sl * n + cp * sl * u, cp * n + sp * u];
}

/** (u, v, w) of an east-north-up baseline at `latitude`, for a source at `hourAngle` and `dec` (TMS eqs. 4.1-4.3). */
export function enuToUvw(enu: readonly [number, number, number], latitude: number, hourAngle: number, dec: number): [number, number, number] {
  const [e, n, up] = enu;
  const sp = Math.sin(latitude), cp = Math.cos(latitude);
  const X = -sp * n + cp * up, Y = e, Z = cp * n + sp * up;
  const sh = Math.sin(hourAngle), ch = Math.cos(hourAngle), sd = Math.sin(dec), cd = Math.cos(dec);
  return [sh * X + ch * Y, -sd * ch * X + sd * sh * Y + cd * Z, cd * ch * X - cd * sh * Y + sd * Z];
}

/** Direction cosines (l, m, n) of (ra, dec) about the phase centre (ra0, dec0), all radians. */
export function directionCosines(ra: number, dec: number, ra0: number, dec0: number): [number, number, number] {
  const da = ra - ra0;
  const cd = Math.cos(dec), sd = Math.sin(dec), cd0 = Math.cos(dec0), sd0 = Math.sin(dec0);
  return [cd * Math.sin(da), sd * cd0 - cd * sd0 * Math.cos(da), sd * sd0 + cd * cd0 * Math.cos(da)];
}

/** Angular distance between two directions, radians. */
export function angularDistance(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const s = Math.sin((dec2 - dec1) / 2) ** 2 + Math.cos(dec1) * Math.cos(dec2) * Math.sin((ra2 - ra1) / 2) ** 2;
  return 2 * Math.asin(Math.min(1, Math.sqrt(s)));
}

/** What the model needs of a visibility set. */
export interface ModelGeometry {
  readonly uvw: Float64Array;
  readonly freq: Float64Array;
  readonly phaseCenterRa: number;
  readonly phaseCenterDec: number;
}

/** The primary beam the model applies: shape and dish diameter. */
export interface BeamSpec {
  readonly shape: BeamShape;
  readonly diameterM: number;
}

/**
 * Model visibilities of `sources` (unpolarized: the same in every polarization), shaped
 * (rows, Nfreqs, Npols) with re, im interleaved. The apparent flux of each source per channel
 * (spectrum times primary beam) is computed once, and each (row, source) delay once; only the
 * phasor is evaluated per channel.
 */
export function modelVisibilities(geometry: ModelGeometry, sources: readonly PointSource[], beam: BeamSpec, npols: number): Float32Array {
  const rows = geometry.uvw.length / 3, nf = geometry.freq.length;
  const apparent = sources.map((s) => {
    const theta = angularDistance(rad(s.ra), rad(s.dec), geometry.phaseCenterRa, geometry.phaseCenterDec);
    return Float64Array.from(geometry.freq, (f) => sourceFlux(s, f) * primaryBeam(beam.shape, theta, f, beam.diameterM));
  });
  const lmn = sources.map((s) => directionCosines(rad(s.ra), rad(s.dec), geometry.phaseCenterRa, geometry.phaseCenterDec));
  const out = new Float32Array(rows * nf * npols * 2);
  const re = new Float64Array(nf), im = new Float64Array(nf);
  for (let r = 0; r < rows; r++) {
    re.fill(0);
    im.fill(0);
    const [u, v, w] = [geometry.uvw[3 * r]!, geometry.uvw[3 * r + 1]!, geometry.uvw[3 * r + 2]!];
    sources.forEach((_, s) => {
      const [l, m, n] = lmn[s]!;
      const delay = (-2 * Math.PI * (u * l + v * m + w * (n - 1))) / SPEED_OF_LIGHT;
      const a = apparent[s]!;
      for (let k = 0; k < nf; k++) {
        const phase = delay * geometry.freq[k]!;
        re[k] += a[k]! * Math.cos(phase);
        im[k] += a[k]! * Math.sin(phase);
      }
    });
    for (let k = 0; k < nf; k++) {
      for (let p = 0; p < npols; p++) {
        const i = 2 * ((r * nf + k) * npols + p);
        out[i] = re[k]!;
        out[i + 1] = im[k]!;
      }
    }
  }
  return out;
}

/** Degrees to radians. */
export function rad(degrees: number): number {
  return (degrees * Math.PI) / 180;
}
