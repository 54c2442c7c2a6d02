/**
 * The simulated radio array and sky, as pure functions of a profile and a seed: a transit
 * array of small dishes at the DSA-110's site, observations that follow one another along a
 * strip of sky at the zenith declination, point sources of known flux and spectral index,
 * per-antenna complex gains that drift with time, and the visibilities of one subband
 * (sky model x gains + thermal noise) written as UVH5 by the simulator.
 */
import { ConvexPolygon } from '../../registry/index.js';
import { TanWcs } from '../image/tan-wcs.js';
import { enuToEcef, enuToUvw, modelVisibilities, rad, type PointSource } from '../radio/interferometry.js';
import { gaussianBeamFwhm } from '../radio/primary-beam.js';
import type { GainTable } from '../radio/gains.js';
import type { UvData } from '../radio/uvh5.js';
import { Random, streamSeed } from './random.js';

/** What a radio simulation makes. */
export interface RadioProfile {
  readonly antennas: number;
  /** Antennas lie within this radius of the array centre, metres. */
  readonly arrayRadiusM: number;
  readonly dishDiameterM: number;
  readonly observations: number;
  /** Pointing separation along the strip, degrees on the sky. */
  readonly pointingStepDeg: number;
  readonly subbands: number;
  readonly channelsPerSubband: number;
  /** Top of the band (subband 0 holds the highest channels) and the whole bandwidth, Hz. */
  readonly bandTopHz: number;
  readonly bandwidthHz: number;
  readonly integrations: number;
  readonly integrationS: number;
  readonly sources: number;
  /** Flux density range at the reference frequency, Jy. */
  readonly fluxRange: readonly [number, number];
  /** Thermal noise per visibility component (real or imaginary), Jy. */
  readonly noiseJy: number;
  /** Gain-table samples: spacing, and relative measurement error of each sample. */
  readonly gainSampleS: number;
  readonly gainSampleError: number;
}

/** The `radio` profile: 10 antennas, 4 observations of 16 subbands x 4 channels, 12 sources; a few seconds. */
export const RADIO_PROFILE: RadioProfile = Object.freeze({
  antennas: 10, arrayRadiusM: 60, dishDiameterM: 4.65, observations: 4, pointingStepDeg: 1.2,
  subbands: 16, channelsPerSubband: 4, bandTopHz: 1.53e9, bandwidthHz: 250e6, integrations: 10, integrationS: 30,
  sources: 12, fluxRange: Object.freeze([0.3, 2] as const), noiseJy: 1.0, gainSampleS: 60, gainSampleError: 0.003,
});

/** The array site (DSA-110, Owens Valley), degrees and metres. */
export const ARRAY_SITE = Object.freeze({ name: 'QGARRAY', latitudeDeg: 37.2339, longitudeDeg: -118.2834, altitudeM: 1222 });
/** Julian date of the first observation's start. */
export const RADIO_START_JD = 2461041.5;
/** Reference frequency of the source spectra, Hz. */
export const REF_FREQUENCY_HZ = 1.4e9;
const SIDEREAL_DAY = 0.99726958;
/** The primary-beam level an observation's region reaches. */
export const REGION_BEAM_LEVEL = 0.2;

/** One observation: id, pointing (degrees) and time span (Julian dates). */
export interface PlannedObservation {
  readonly id: number;
  readonly ra: number;
  readonly dec: number;
  readonly startJd: number;
  readonly endJd: number;
}

/** The array: ENU positions (metres) of each antenna. */
export function arrayLayout(profile: RadioProfile, seed: number): [number, number, number][] {
  const rng = new Random(streamSeed(seed, 'radio-array'));
  return Array.from({ length: profile.antennas }, () => {
    const r = profile.arrayRadiusM * Math.sqrt(rng.next()), a = rng.uniform(0, 2 * Math.PI);
    return [r * Math.cos(a), r * Math.sin(a), 0] as [number, number, number];
  });
}

/** Observations along the strip: each starts when its pointing transits (one after the other in RA). */
export function planRadioObservations(profile: RadioProfile): PlannedObservation[] {
  const dec = ARRAY_SITE.latitudeDeg;
  const stepRa = profile.pointingStepDeg / Math.cos(rad(dec));
  const duration = (profile.integrations * profile.integrationS) / 86400;
  return Array.from({ length: profile.observations }, (_, k) => {
    const startJd = RADIO_START_JD + (k * stepRa / 360) * SIDEREAL_DAY;
    return { id: 1000 + k, ra: 150 + k * stepRa, dec, startJd, endJd: startJd + duration };
  });
}

/** Channel centres of `subband` (ascending within the subband; subband 0 the highest), Hz. */
export function subbandFrequencies(profile: RadioProfile, subband: number): Float64Array {
  const width = channelWidth(profile);
  const top = profile.bandTopHz - subband * profile.channelsPerSubband * width;
  return Float64Array.from({ length: profile.channelsPerSubband }, (_, k) => top - (profile.channelsPerSubband - k - 0.5) * width);
}

/** Channel width, Hz. */
export function channelWidth(profile: RadioProfile): number {
  return profile.bandwidthHz / (profile.subbands * profile.channelsPerSubband);
}

/** Primary-beam FWHM at the band centre, degrees. */
export function beamFwhmDeg(profile: RadioProfile): number {
  return (gaussianBeamFwhm(profile.bandTopHz - profile.bandwidthHz / 2, profile.dishDiameterM) * 180) / Math.PI;
}

/** Sky region of an observation: a 16-gon circumscribing the circle where the beam falls to {@link REGION_BEAM_LEVEL}. */
export function observationRegion(profile: RadioProfile, o: PlannedObservation): ConvexPolygon {
  const radius = beamFwhmDeg(profile) * Math.sqrt(Math.log(1 / REGION_BEAM_LEVEL) / (4 * Math.LN2)) / Math.cos(Math.PI / 16);
  const wcs = new TanWcs({ crval: [o.ra, o.dec], crpix: [1, 1], cd: [[1, 0], [0, 1]] });
  return ConvexPolygon.fromRaDecCorners(Array.from({ length: 16 }, (_, k) => wcs.intermediateToSky(radius * Math.cos((k * Math.PI) / 8), radius * Math.sin((k * Math.PI) / 8))));
}

/** Point sources scattered over the strip the observations cover. */
export function radioSources(profile: RadioProfile, seed: number, observations: readonly PlannedObservation[]): PointSource[] {
  const rng = new Random(streamSeed(seed, 'radio-sources'));
  const first = observations[0]!, last = observations[observations.length - 1]!;
  const halfDec = beamFwhmDeg(profile) * 0.6;
  const [fmin, fmax] = profile.fluxRange;
  return Array.from({ length: profile.sources }, () => ({
    ra: rng.uniform(first.ra - 0.5, last.ra + 0.5), dec: first.dec + rng.uniform(-halfDec, halfDec),
    // log-uniform fluxes; spectral indices about the synchrotron -0.7
    flux: fmin * (fmax / fmin) ** rng.next(), spectralIndex: -0.7 + 0.3 * rng.normal(), refFrequencyHz: REF_FREQUENCY_HZ,
  }));
}

/** Drifting per-antenna gains: amplitude and phase offsets with linear drifts in time. */
export class TrueGains {
  private readonly params: { amp: number; ampRate: number; phase: number; phaseRate: number }[];

  constructor(antennas: number, seed: number) {
    const rng = new Random(streamSeed(seed, 'radio-gains'));
    this.params = Array.from({ length: antennas }, () => ({
      amp: 1 + 0.1 * rng.normal(), ampRate: 0.05 * rng.normal(), phase: rng.uniform(-Math.PI, Math.PI), phaseRate: 0.5 * rng.normal(),
    }));
  }

  /** Gain [re, im] of `antenna` at Julian date `jd` (rates per hour since {@link RADIO_START_JD}). */
  at(antenna: number, jd: number): [number, number] {
    const p = this.params[antenna]!;
    const hours = (jd - RADIO_START_JD) * 24;
    const amp = p.amp + p.ampRate * hours, phase = p.phase + p.phaseRate * hours;
    return [amp * Math.cos(phase), amp * Math.sin(phase)];
  }

  /** Samples every `stepS` seconds over [startJd, endJd], each with relative error `error` (0: the truth). */
  table(startJd: number, endJd: number, stepS: number, error: number, rng?: Random): GainTable {
    const times: number[] = [];
    for (let t = startJd; t <= endJd + 1e-9; t += stepS / 86400) times.push(t);
    const n = times.length * this.params.length;
    const out = { time: new Float64Array(n), antenna: new Int32Array(n), re: new Float64Array(n), im: new Float64Array(n) };
    let i = 0;
    for (const t of times) {
      this.params.forEach((_, a) => {
        const [re, im] = this.at(a, t);
        const e = error && rng ? [error * rng.normal(), error * rng.normal()] : [0, 0];
        out.time[i] = t;
        out.antenna[i] = a;
        out.re[i] = re * (1 + e[0]!) - im * e[1]!;
        out.im[i] = im * (1 + e[0]!) + re * e[1]!;
        i++;
      });
    }
    return out;
  }
}

/** Everything a subband file's content depends on. */
export interface SubbandContext {
  readonly profile: RadioProfile;
  readonly seed: number;
  readonly layout: readonly [number, number, number][];
  readonly sources: readonly PointSource[];
  readonly gains: TrueGains;
}

/** The visibilities of one observation's subband: sky model x antenna gains + thermal noise, phased to the pointing. */
export function simulateSubband(ctx: SubbandContext, o: PlannedObservation, subband: number): UvData {
  const { profile, layout } = ctx;
  const baselines: [number, number][] = [];
  for (let a = 0; a < layout.length; a++) for (let b = a + 1; b < layout.length; b++) baselines.push([a, b]);
  const rows = baselines.length * profile.integrations;
  const ant1 = new Int32Array(rows), ant2 = new Int32Array(rows), time = new Float64Array(rows), uvw = new Float64Array(rows * 3);
  const midJd = (o.startJd + o.endJd) / 2;
  for (let t = 0; t < profile.integrations; t++) {
    const jd = o.startJd + ((t + 0.5) * profile.integrationS) / 86400;
    const hourAngle = ((jd - midJd) / SIDEREAL_DAY) * 2 * Math.PI;
    baselines.forEach(([a, b], k) => {
      const r = t * baselines.length + k;
      const enu = [0, 1, 2].map((i) => layout[b]![i]! - layout[a]![i]!) as [number, number, number];
      ant1[r] = a;
      ant2[r] = b;
      time[r] = jd;
      uvw.set(enuToUvw(enu, rad(ARRAY_SITE.latitudeDeg), hourAngle, rad(o.dec)), 3 * r);
    });
  }
  const freq = subbandFrequencies(profile, subband);
  const geometry = { uvw, freq, phaseCenterRa: rad(o.ra), phaseCenterDec: rad(o.dec) };
  const vis = modelVisibilities(geometry, ctx.sources, { shape: 'gaussian', diameterM: profile.dishDiameterM }, 2);
  corrupt(vis, ctx, ant1, ant2, time, new Random(streamSeed(ctx.seed, 'radio-noise', o.id, subband)));
  const n = rows * freq.length * 2;
  const site = ARRAY_SITE;
  return {
    telescopeName: site.name, instrument: site.name, latitudeDeg: site.latitudeDeg, longitudeDeg: site.longitudeDeg, altitudeM: site.altitudeM,
    antennaNames: layout.map((_, i) => `ant${String(i).padStart(3, '0')}`), antennaNumbers: Int32Array.from(layout.keys()),
    antennaPositions: Float64Array.from(layout.flatMap((enu) => enuToEcef(enu, rad(site.latitudeDeg), rad(site.longitudeDeg)))),
    antennaDiameters: new Float64Array(layout.length).fill(profile.dishDiameterM),
    ant1, ant2, uvw, time, integrationTime: new Float64Array(rows).fill(profile.integrationS),
    freq, channelWidth: new Float64Array(freq.length).fill(channelWidth(profile)), polarization: Int32Array.of(-5, -6),
    phaseCenterRa: rad(o.ra), phaseCenterDec: rad(o.dec), visUnits: 'uncalib', objectName: `strip-${o.id}`,
    history: `qg simulate --profile radio (seed ${ctx.seed}), observation ${o.id}, subband ${subband}`,
    vis, flags: new Uint8Array(n), nsamples: new Float32Array(n).fill(1),
  };
}

/** Multiplies each visibility by g_a conj(g_b) and adds Gaussian noise of `noiseJy` per component. */
function corrupt(vis: Float32Array, ctx: SubbandContext, ant1: Int32Array, ant2: Int32Array, time: Float64Array, rng: Random): void {
  const perRow = vis.length / ant1.length / 2;
  const sigma = ctx.profile.noiseJy;
  for (let r = 0; r < ant1.length; r++) {
    const [ar, ai] = ctx.gains.at(ant1[r]!, time[r]!), [br, bi] = ctx.gains.at(ant2[r]!, time[r]!);
    // g_a conj(g_b)
    const gr = ar * br + ai * bi, gi = ai * br - ar * bi;
    for (let k = 0; k < perRow; k++) {
      const i = 2 * (r * perRow + k);
      const vr = vis[i]!, vi = vis[i + 1]!;
      vis[i] = gr * vr - gi * vi + sigma * rng.normal();
      vis[i + 1] = gr * vi + gi * vr + sigma * rng.normal();
    }
  }
}
