/**
 * The simulated survey: visits dithered and rotated over the tract, spread over nights
 * starting 2024-01-01 01:00 TAI (30 s exposures every 40 s, bands in turn), each with its
 * own seeing, transparency and sky; and the two calibration epochs that split the nights.
 */
import { taiFromIso, type Timespan } from '../../registry/index.js';
import type { InstrumentModel, Pointing } from './instrument-model.js';
import type { SimulationProfile } from './profiles.js';
import { Random } from './random.js';
import type { SkyMapModel } from './sky-map-model.js';

/** Exposure time of every simulated exposure, seconds. */
export const EXPOSURE_TIME_S = 30;
/** Time from one exposure's start to the next one's, seconds. */
export const VISIT_CADENCE_S = 40;
/** Start of the first night (TAI): an hour into the day, so DATE-OBS (UTC) falls on the day_obs date. */
export const SURVEY_START_TAI = taiFromIso('2024-01-01 01:00:00');

const NS_PER_S = 1_000_000_000n;
const NS_PER_DAY = 86_400n * NS_PER_S;

/**
 * Instrumental zero points: the AB magnitude giving one electron in a 30 s exposure at
 * transparency 1 (per band).
 */
export const ZERO_POINTS: Readonly<Record<string, number>> = Object.freeze({ u: 27.0, g: 28.6, r: 28.5, i: 28.2, z: 27.8, y: 27.0 });
/** Dark-sky brightness, electrons per square arcsecond in 30 s (per band). */
export const SKY_PER_ARCSEC2: Readonly<Record<string, number>> = Object.freeze({ u: 150, g: 300, r: 450, i: 600, z: 800, y: 900 });

/** One visit (= one exposure) and its observing conditions. */
export interface PlannedVisit {
  /** Visit and exposure id: day_obs * 100000 + seq_num. */
  readonly id: number;
  readonly seqNum: number;
  readonly night: number;
  readonly dayObs: number;
  readonly band: string;
  readonly physicalFilter: string;
  readonly pointing: Pointing;
  /** Exposure timespan, TAI ns, half-open. */
  readonly timespan: Timespan;
  /** Gaussian PSF sigma, detector pixels. */
  readonly psfSigma: number;
  /** Fraction of the light the atmosphere lets through. */
  readonly transparency: number;
  /** Sky, electrons per pixel (before the flat). */
  readonly skyElectrons: number;
  readonly zenithAngle: number;
  /** Index of the calibration epoch whose bias and flat apply. */
  readonly calibEpoch: number;
}

/** One observing night. */
export interface PlannedNight {
  readonly index: number;
  /** YYYYMMDD. */
  readonly dayObs: number;
  /** The day_obs timespan: that TAI calendar day (every exposure of the night lies in it). */
  readonly timespan: Timespan;
}

/** The survey. */
export interface ObservingPlan {
  readonly visits: readonly PlannedVisit[];
  readonly nights: readonly PlannedNight[];
  /** Validity ranges of the calibration epochs: disjoint, adjacent, covering every exposure. */
  readonly calibEpochs: readonly Timespan[];
  /** Half-width of the square (tract pixels, about the tract center) the pointings are drawn from. */
  readonly ditherPixels: number;
}

/** Plans the visits of `profile` over `skyMap`'s tract. */
export function planObservations(seed: number, profile: SimulationProfile, instrument: InstrumentModel, skyMap: SkyMapModel, instrumentName: string): ObservingPlan {
  const rng = Random.stream(seed, 'visits');
  const tractSize = skyMap.inner.width;
  // Camera extent in tract pixels; pointings stay within T/2 - F/4 of the center (as in
  // LSST's synthetic test problem), so edge detectors sometimes miss the tract.
  const scale = instrument.pixelScaleDeg / (skyMap.pixelScaleArcsec / 3600);
  const outlineX = instrument.outline.map(([x]) => x), outlineY = instrument.outline.map(([, y]) => y);
  const extent = Math.max(Math.max(...outlineX) - Math.min(...outlineX), Math.max(...outlineY) - Math.min(...outlineY)) * scale;
  const dither = Math.max(0, tractSize / 2 - extent / 4);
  const center = (tractSize - 1) / 2;
  const perNight = Math.ceil(profile.visits / profile.nights);
  const nightCount = Math.ceil(profile.visits / perNight);
  const nights: PlannedNight[] = [];
  const nightStarts: bigint[] = [];
  for (let k = 0; k < nightCount; k++) {
    const start = SURVEY_START_TAI + BigInt(k) * NS_PER_DAY;
    const day = start - (start % NS_PER_DAY);
    nightStarts.push(start);
    nights.push({ index: k, dayObs: dayObsOf(start), timespan: { begin: day, end: day + NS_PER_DAY } });
  }
  // The epochs split the nights in two halves at a night's start, so no exposure straddles them.
  const split = nightCount >= 2 ? nightStarts[Math.ceil(nightCount / 2)]! : SURVEY_START_TAI + NS_PER_DAY;
  const calibEpochs: Timespan[] = [
    { begin: SURVEY_START_TAI - NS_PER_DAY, end: split },
    { begin: split, end: SURVEY_START_TAI + BigInt(nightCount + 1) * NS_PER_DAY },
  ];
  const pixelArea = instrument.pixelScaleArcsec ** 2;
  const visits: PlannedVisit[] = [];
  for (let i = 0; i < profile.visits; i++) {
    const night = nights[Math.floor(i / perNight)]!;
    const seqNum = (i % perNight) + 1;
    const band = profile.bands[i % profile.bands.length]!;
    const [ra, dec] = skyMap.wcs.pixelToSky(center + rng.uniform(-dither, dither), center + rng.uniform(-dither, dither));
    const rotation = rng.uniform(0, 360);
    const begin = nightStarts[night.index]! + BigInt(seqNum - 1) * BigInt(VISIT_CADENCE_S) * NS_PER_S;
    visits.push({
      id: night.dayObs * 100000 + seqNum, seqNum, night: night.index, dayObs: night.dayObs, band,
      physicalFilter: `${instrumentName}-${band}`,
      pointing: { ra, dec, rotation },
      timespan: { begin, end: begin + BigInt(EXPOSURE_TIME_S) * NS_PER_S },
      psfSigma: rng.uniform(1.2, 2.0),
      transparency: rng.uniform(0.85, 1.0),
      skyElectrons: SKY_PER_ARCSEC2[band]! * pixelArea * rng.uniform(0.85, 1.2),
      zenithAngle: rng.uniform(10, 50),
      calibEpoch: begin < split ? 0 : 1,
    });
  }
  return { visits, nights, calibEpochs, ditherPixels: dither };
}

/** YYYYMMDD of the TAI calendar day containing `tai`. */
function dayObsOf(tai: bigint): number {
  const ms = Number(tai / 1_000_000n);
  const d = new Date(ms);
  return d.getUTCFullYear() * 10000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

/** Electrons a star of `fluxNjy` gives in a 30 s exposure through `band` at `transparency`. */
export function electronsOf(fluxNjy: number, band: string, transparency: number): number {
  // flux (nJy) = 10^(-0.4 (m - 31.4)); electrons = 10^(-0.4 (m - ZP)).
  return fluxNjy * 10 ** (-0.4 * (31.4 - ZERO_POINTS[band]!)) * transparency;
}
