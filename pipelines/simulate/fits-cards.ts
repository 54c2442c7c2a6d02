/**
 * Header cards of the simulated images. Cards are plain `{keyword, value, comment}` objects
 * (the FITS writer takes any iterable of cards); reals carry `numberFormat: 'real'` so that
 * e.g. EXPTIME is written `30.0`, as real headers have it.
 */
import { taiMinusUtc } from '../../registry/index.js';
import type { DetectorModel } from './instrument-model.js';
import type { PlannedVisit } from './observing-plan.js';
import { EXPOSURE_TIME_S, ZERO_POINTS } from './observing-plan.js';
import { SATURATION_ADU } from './raw-image.js';
import type { TanProjection } from './tan-projection.js';

/** One header card as the FITS writer reads it. */
export interface SimCard {
  readonly keyword: string;
  readonly value: string | number | boolean;
  readonly comment: string;
  readonly numberFormat?: 'int' | 'real';
}

function int(keyword: string, value: number, comment = ''): SimCard {
  return { keyword, value, comment, numberFormat: 'int' };
}

function real(keyword: string, value: number, comment = ''): SimCard {
  return { keyword, value, comment, numberFormat: 'real' };
}

function str(keyword: string, value: string, comment = ''): SimCard {
  return { keyword, value, comment };
}

/** FITS section syntax `[x1:x2,y1:y2]` (1-based, inclusive). */
export function fitsSection(x1: number, x2: number, y1: number, y2: number): string {
  return `[${x1}:${x2},${y1}:${y2}]`;
}

/** `YYYY-MM-DDThh:mm:ss.sss` UTC and MJD (UTC) of a TAI instant (leap seconds from the registry's table). */
export function utcOfTai(tai: bigint): { iso: string; mjd: number } {
  // TAI - UTC changes only at leap seconds, so the offset at a guess 37 s earlier is exact away from one.
  const offset = taiMinusUtc(tai - 37_000_000_000n) * 1_000_000_000n;
  const utcMs = Number((tai - offset) / 1_000_000n);
  return { iso: new Date(utcMs).toISOString().slice(0, 23), mjd: utcMs / 86_400_000 + 40587 };
}

function wcsCards(wcs: TanProjection): SimCard[] {
  return wcs.fitsCards().map((c) => (typeof c.value === 'string' ? str(c.keyword, c.value, c.comment) : c.keyword === 'WCSAXES' ? int(c.keyword, c.value, c.comment) : real(c.keyword, c.value, c.comment)));
}

/** What a raw's header records beyond the visit and detector. */
export interface RawHeaderInfo {
  readonly instrument: string;
  readonly visit: PlannedVisit;
  readonly detector: DetectorModel;
  readonly wcs: TanProjection;
  readonly width: number;
  readonly height: number;
  readonly overscan: number;
  readonly overscanLevel: number;
  readonly overscanSlope: number;
  readonly seed: number;
}

/**
 * Header of a raw: observation keywords (EXPTIME, DATE-OBS in UTC, FILTER...), readout
 * keywords (GAIN in e-/ADU, RDNOISE in e-, DATASEC/TRIMSEC/BIASSEC, SATURATE), the true TAN
 * WCS of the data section, and the simulation's truth (SIM* keywords).
 */
export function rawHeader(info: RawHeaderInfo): SimCard[] {
  const { visit: v, detector: d, width: w, height: h, overscan } = info;
  const start = utcOfTai(v.timespan.begin);
  return [
    str('ORIGIN', 'qg simulate', 'simulated data'),
    str('TELESCOP', 'SimTel'),
    str('INSTRUME', info.instrument),
    str('OBSTYPE', 'science'),
    str('IMAGETYP', 'science'),
    str('OBJECT', 'simfield'),
    int('EXPID', v.id, 'exposure id'),
    str('OBSID', `SC_${v.dayObs}_${String(v.seqNum).padStart(6, '0')}`),
    int('DAYOBS', v.dayObs),
    int('SEQNUM', v.seqNum),
    int('DETECTOR', d.id, 'detector id'),
    str('DETNAME', d.fullName),
    str('FILTER', v.physicalFilter, 'physical filter'),
    str('BAND', v.band),
    real('EXPTIME', EXPOSURE_TIME_S, '[s] exposure time'),
    real('DARKTIME', EXPOSURE_TIME_S, '[s] dark time'),
    str('TIMESYS', 'UTC'),
    str('DATE-OBS', start.iso, 'exposure start (UTC)'),
    real('MJD-OBS', start.mjd, 'exposure start (MJD, UTC)'),
    real('RA', v.pointing.ra, '[deg] boresight RA'),
    real('DEC', v.pointing.dec, '[deg] boresight Dec'),
    real('ROTPA', v.pointing.rotation, '[deg] sky rotation'),
    real('ZENANGLE', v.zenithAngle, '[deg] zenith angle'),
    real('GAIN', d.gain, '[e-/adu]'),
    real('RDNOISE', d.readNoise, '[e-] read noise'),
    real('SATURATE', SATURATION_ADU, '[adu] saturation level'),
    str('BUNIT', 'adu'),
    str('DATASEC', fitsSection(1, w, 1, h), 'data section'),
    str('TRIMSEC', fitsSection(1, w, 1, h), 'section to keep after trimming'),
    str('BIASSEC', fitsSection(w + 1, w + overscan, 1, h), 'serial overscan'),
    ...wcsCards(info.wcs),
    int('SIMSEED', info.seed, 'simulation seed'),
    real('SIMPSF', v.psfSigma, '[pix] true Gaussian PSF sigma'),
    real('SIMSKY', v.skyElectrons, '[e-/pix] true sky before the flat'),
    real('SIMZP', ZERO_POINTS[v.band]!, 'AB mag giving 1 e- at transparency 1'),
    real('SIMTRANS', v.transparency, 'true transparency'),
    real('SIMOSCAN', info.overscanLevel, '[adu] overscan level at row 0'),
    real('SIMOSLOP', info.overscanSlope, '[adu] overscan drift over the height'),
    int('SIMCALEP', v.calibEpoch, 'calibration epoch of the true bias/flat'),
  ];
}

/** Header of a true bias (ADU, data section, after overscan subtraction). */
export function biasHeader(instrument: string, detector: DetectorModel, epoch: number): SimCard[] {
  return [
    str('ORIGIN', 'qg simulate', 'simulated data'),
    str('INSTRUME', instrument),
    str('OBSTYPE', 'bias'),
    int('DETECTOR', detector.id),
    str('DETNAME', detector.fullName),
    str('BUNIT', 'adu'),
    int('CALIBEP', epoch, 'calibration epoch'),
    str('CONTENT', 'bias structure left after overscan subtraction'),
  ];
}

/** Header of a true flat (dimensionless, data section). */
export function flatHeader(instrument: string, detector: DetectorModel, physicalFilter: string, band: string, epoch: number): SimCard[] {
  return [
    str('ORIGIN', 'qg simulate', 'simulated data'),
    str('INSTRUME', instrument),
    str('OBSTYPE', 'flat'),
    int('DETECTOR', detector.id),
    str('DETNAME', detector.fullName),
    str('FILTER', physicalFilter),
    str('BAND', band),
    int('CALIBEP', epoch, 'calibration epoch'),
    str('CONTENT', 'response: detected e- = incoming e- * flat'),
  ];
}
