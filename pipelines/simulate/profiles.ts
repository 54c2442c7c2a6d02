/**
 * Simulation profiles (tiny, small, tract, survey) and how options override them. A profile fixes
 * the camera (detector size, pixel scale), the sky map (patch size) and the survey (visits,
 * bands, nights); overrides change counts, and the geometry follows (the dither area grows
 * with the tract so that visits keep covering it).
 */
import { SimulationError } from './errors.js';
import { KNOWN_BANDS } from './star-field.js';

/** Names of the built-in profiles. */
export type ProfileName = 'tiny' | 'small' | 'tract' | 'survey';

/** A complete description of what to simulate (a profile with overrides applied). */
export interface SimulationProfile {
  readonly name: ProfileName;
  readonly description: string;
  readonly visits: number;
  readonly detectors: number;
  readonly patchesPerSide: number;
  readonly bands: readonly string[];
  /** Whether files (raw and calibration images, catalogs, the sky map) are written by default. */
  readonly pixels: boolean;
  /** Observing nights the visits are spread over. */
  readonly nights: number;
  /** Detector data-section size and overscan columns, pixels. */
  readonly detectorWidth: number;
  readonly detectorHeight: number;
  readonly overscan: number;
  /** Gap between detectors, pixels. */
  readonly detectorGap: number;
  /** Detector and tract pixel scale, arcsec. */
  readonly pixelScaleArcsec: number;
  /** Patch size without its border, and the border, in tract pixels. */
  readonly patchInnerPixels: number;
  readonly patchBorderPixels: number;
  /** Mean number of stars falling on one detector. */
  readonly starsPerDetector: number;
  /** Stars brighter than this (r, AB) go into the reference catalog. */
  readonly refCatMagLimit: number;
  /** Tract center [RA, Dec], degrees. */
  readonly center: readonly [number, number];
}

/**
 * The built-in profiles.
 * - tiny: 4 visits x 4 detectors of 128x128 (+16 overscan), 2x2 patches, g and r, with pixels;
 *   a couple of seconds.
 * - small: 12 visits x 9 detectors of 256x256, 5x5 patches, g r i, with pixels.
 * - tract: 6,350 visits x 20 detectors (0.2 degrees, 3600x3600 at 0.2"), 7x7 patches,
 *   g r i, registry content only. Patches are 0.7 degrees so that a 4-task drp pipeline
 *   (isr, calibrate, makeWarp, assembleCoadd) gets about 290k quanta from about 240k
 *   (visit, detector, patch) data-ID rows: the largest graph LSST's documentation quotes
 *   (290,189 quanta from 234,155 rows). With the LSST-test proportions (0.3-degree patches)
 *   rows would outnumber quanta (3.4 patches per detector).
 * - survey: the tract's camera and patches over 14x14 patches (the area of 4 such tracts,
 *   as one tract: the sky map has one) and 21,900 visits: about 1M quanta, past LSST's
 *   largest published graph, for the planner's scaling (issue 11 item 4). Each visit gets
 *   the tract profile's 46 quanta (its pointings spread over the wider area), so
 *   `--visits` scales it down in proportion: 217 visits make about 10k quanta.
 */
export const SIMULATION_PROFILES: Readonly<Record<ProfileName, SimulationProfile>> = Object.freeze({
  tiny: Object.freeze({
    name: 'tiny', description: '4 visits x 4 detectors (128x128), 2x2 patches, 2 bands, with pixels',
    visits: 4, detectors: 4, patchesPerSide: 2, bands: Object.freeze(['g', 'r']), pixels: true, nights: 2,
    detectorWidth: 128, detectorHeight: 128, overscan: 16, detectorGap: 8, pixelScaleArcsec: 1.0,
    patchInnerPixels: 160, patchBorderPixels: 12, starsPerDetector: 40, refCatMagLimit: 20.5, center: Object.freeze([150, 2] as const),
  }),
  small: Object.freeze({
    name: 'small', description: '12 visits x 9 detectors (256x256), 5x5 patches, 3 bands, with pixels',
    visits: 12, detectors: 9, patchesPerSide: 5, bands: Object.freeze(['g', 'r', 'i']), pixels: true, nights: 3,
    detectorWidth: 256, detectorHeight: 256, overscan: 16, detectorGap: 16, pixelScaleArcsec: 1.0,
    patchInnerPixels: 200, patchBorderPixels: 16, starsPerDetector: 120, refCatMagLimit: 20.5, center: Object.freeze([150, 2] as const),
  }),
  tract: Object.freeze({
    name: 'tract', description: '6,350 visits x 20 detectors (0.2 deg), 7x7 patches (0.7 deg), 3 bands, registry only',
    visits: 6350, detectors: 20, patchesPerSide: 7, bands: Object.freeze(['g', 'r', 'i']), pixels: false, nights: 10,
    detectorWidth: 3600, detectorHeight: 3600, overscan: 32, detectorGap: 36, pixelScaleArcsec: 0.2,
    patchInnerPixels: 12600, patchBorderPixels: 360, starsPerDetector: 50, refCatMagLimit: 20.5, center: Object.freeze([150, 2] as const),
  }),
  survey: Object.freeze({
    name: 'survey', description: '21,900 visits x 20 detectors (0.2 deg), 14x14 patches (0.7 deg), 3 bands, registry only: about 1M quanta',
    visits: 21900, detectors: 20, patchesPerSide: 14, bands: Object.freeze(['g', 'r', 'i']), pixels: false, nights: 11,
    detectorWidth: 3600, detectorHeight: 3600, overscan: 32, detectorGap: 36, pixelScaleArcsec: 0.2,
    patchInnerPixels: 12600, patchBorderPixels: 360, starsPerDetector: 50, refCatMagLimit: 20.5, center: Object.freeze([150, 2] as const),
  }),
});

/** Overrides accepted by `simulateRepository` (and `qg simulate`'s flags). */
export interface ProfileOverrides {
  readonly visits?: number;
  readonly detectors?: number;
  /** Patches per side (a number or 'NxN'). */
  readonly patches?: number | string;
  /** Total patches; must be a perfect square (N*N). */
  readonly patchesTotal?: number;
  /** Bands, as a list or comma-separated. */
  readonly bands?: readonly string[] | string;
  readonly pixels?: boolean;
}

/** Most visits in one night (40 s each: the night stays within its day_obs, which starts an hour earlier). */
const MAX_VISITS_PER_NIGHT = 2000;

/** The profile `name` with `overrides` applied; throws {@link SimulationError} (`SIMULATE_OPTIONS`) for bad values. */
export function resolveProfile(name: string, overrides: ProfileOverrides = {}): SimulationProfile {
  const base = (SIMULATION_PROFILES as Record<string, SimulationProfile>)[name];
  if (!base) throw new SimulationError(`unknown simulation profile '${name}' (known: ${Object.keys(SIMULATION_PROFILES).join(', ')})`, 'SIMULATE_OPTIONS');
  const visits = positiveInt('visits', overrides.visits ?? base.visits, 1_000_000);
  const detectors = positiveInt('detectors', overrides.detectors ?? base.detectors, 400);
  let patchesPerSide = base.patchesPerSide;
  if (overrides.patches !== undefined && overrides.patchesTotal !== undefined) throw new SimulationError('give patches (per side) or patchesTotal, not both', 'SIMULATE_OPTIONS');
  if (overrides.patches !== undefined) patchesPerSide = parsePatchesPerSide(overrides.patches);
  if (overrides.patchesTotal !== undefined) {
    const total = positiveInt('patchesTotal', overrides.patchesTotal, 10_000);
    const side = Math.round(Math.sqrt(total));
    if (side * side !== total) throw new SimulationError(`patchesTotal must be a perfect square (N x N patches), got ${total}`, 'SIMULATE_OPTIONS');
    patchesPerSide = side;
  }
  const bands = parseBands(overrides.bands ?? base.bands);
  const nights = Math.max(Math.min(base.nights, visits), Math.ceil(visits / MAX_VISITS_PER_NIGHT));
  return Object.freeze({ ...base, visits, detectors, patchesPerSide, bands, nights, pixels: overrides.pixels ?? base.pixels });
}

/** Patches per side from `7`, `'7'` or `'7x7'`. */
export function parsePatchesPerSide(value: number | string): number {
  if (typeof value === 'number') return positiveInt('patches', value, 100);
  const m = /^\s*(\d+)\s*(?:[xX]\s*(\d+)\s*)?$/.exec(value);
  if (!m) throw new SimulationError(`patches must be N or NxN, got '${value}'`, 'SIMULATE_OPTIONS');
  if (m[2] !== undefined && m[2] !== m[1]) throw new SimulationError(`patches must be square (NxN), got '${value}'`, 'SIMULATE_OPTIONS');
  return positiveInt('patches', Number(m[1]), 100);
}

/** Band list from an array or 'g,r,i'; unknown or repeated bands are errors. */
export function parseBands(value: readonly string[] | string): readonly string[] {
  const list = (typeof value === 'string' ? value.split(',') : [...value]).map((b) => b.trim()).filter((b) => b.length > 0);
  if (list.length === 0) throw new SimulationError('at least one band is needed', 'SIMULATE_OPTIONS');
  for (const b of list) {
    if (!KNOWN_BANDS.includes(b)) throw new SimulationError(`unknown band '${b}' (known: ${KNOWN_BANDS.join(', ')})`, 'SIMULATE_OPTIONS');
  }
  if (new Set(list).size !== list.length) throw new SimulationError(`bands repeat: ${list.join(',')}`, 'SIMULATE_OPTIONS');
  return Object.freeze(list);
}

function positiveInt(what: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) throw new SimulationError(`${what} must be an integer in 1..${max}, got ${value}`, 'SIMULATE_OPTIONS');
  return value;
}
