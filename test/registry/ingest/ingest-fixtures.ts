/**
 * Generated raw FITS files for the ingest tests: small SimCam-like frames (a 2-D Uint16
 * image with an overscan strip) with the header keywords the simulator writes
 * (pipelines/simulate/fits-cards.ts) and the SimCam translation reads.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FitsHeader, writeFits, type FitsValue } from '../../../registry/datastore/fits/index.js';

/** Header values of one generated SimCam raw; `undefined` leaves a keyword out. */
export interface SimRawSpec {
  /** UTC start, `YYYY-MM-DDThh:mm:ss.sss`. */
  readonly dateObs?: string;
  /** Sequence number within the day (default: seconds since UTC midnight of dateObs). */
  readonly seq?: number;
  readonly exptime?: number;
  readonly detector?: number;
  readonly filter?: string;
  readonly imagetyp?: string;
  readonly ra?: number;
  readonly dec?: number;
  readonly object?: string;
  readonly instrume?: string;
  /** Extra cards. */
  readonly extra?: Readonly<Record<string, FitsValue>>;
  /** Keywords to leave out. */
  readonly omit?: readonly string[];
}

/** Image size of generated raws. */
export const SIM_WIDTH = 24;
export const SIM_HEIGHT = 16;

/** The pixels a generated raw holds (depends on detector and date, so files differ). */
export function simPixels(spec: SimRawSpec): Uint16Array {
  const seed = (spec.detector ?? 0) * 7919 + Date.parse(`${spec.dateObs ?? '2024-06-13T03:00:00'}Z`) / 1000;
  const data = new Uint16Array(SIM_WIDTH * SIM_HEIGHT);
  for (let i = 0; i < data.length; i++) data[i] = (1000 + ((seed + i * 31) % 5000)) & 0xffff;
  return data;
}

/** The header of a generated raw. */
export function simHeader(spec: SimRawSpec): FitsHeader {
  const h = new FitsHeader();
  const date = spec.dateObs ?? '2024-06-13T03:25:41.500';
  const dayObs = Number(date.slice(0, 10).replace(/-/g, ''));
  const seq = spec.seq ?? Math.floor((Date.parse(`${date}Z`) - Date.parse(`${date.slice(0, 10)}T00:00:00Z`)) / 1000);
  const cards: [string, FitsValue | undefined][] = [
    ['INSTRUME', spec.instrume ?? 'SimCam'],
    ['IMAGETYP', spec.imagetyp ?? 'science'],
    ['OBJECT', spec.object ?? 'simfield'],
    ['EXPID', dayObs * 100000 + seq],
    ['OBSID', `SC_${dayObs}_${String(seq).padStart(6, '0')}`],
    ['DAYOBS', dayObs],
    ['SEQNUM', seq],
    ['DETECTOR', spec.detector ?? 0],
    ['DETNAME', `R00_S${String(spec.detector ?? 0).padStart(2, '0')}`],
    ['FILTER', spec.filter ?? 'SimCam-r'],
    ['EXPTIME', spec.exptime ?? 30],
    ['DARKTIME', spec.exptime ?? 30],
    ['DATE-OBS', date],
    ['RA', spec.ra ?? 150.1],
    ['DEC', spec.dec ?? 2.2],
    ['ROTPA', 12.5],
    ['ZENANGLE', 33.25],
    ['GAIN', 1.5],
    ['RDNOISE', 4.5],
    ['BIASSEC', `[${SIM_WIDTH - 3}:${SIM_WIDTH},1:${SIM_HEIGHT}]`],
    ['DATASEC', `[1:${SIM_WIDTH - 4},1:${SIM_HEIGHT}]`],
    ...Object.entries(spec.extra ?? {}),
  ];
  for (const [k, v] of cards) {
    if (v === undefined || spec.omit?.includes(k)) continue;
    h.set(k, v, undefined, k === 'EXPTIME' || k === 'DARKTIME' ? { numberFormat: 'real' } : {});
  }
  return h;
}

/** Writes a generated raw to `path` (folders created). */
export function writeSimRaw(path: string, spec: SimRawSpec = {}): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, writeFits([{ data: simPixels(spec), shape: [SIM_HEIGHT, SIM_WIDTH], header: simHeader(spec) }]));
}

/** `2024-06-13T03:25:41.500` plus `seconds`. */
export function dateObs(seconds: number, base = '2024-06-13T03:00:00.000'): string {
  return new Date(Date.parse(`${base}Z`) + seconds * 1000).toISOString().replace('Z', '');
}

/**
 * Writes `exposures` x `detectors` good raws under `dir` (one folder per exposure, as
 * cameras do) and returns their paths.
 */
export function writeSimExposures(dir: string, exposures: number, detectors: number, options: { filter?: string; firstSecond?: number } = {}): string[] {
  const paths: string[] = [];
  for (let e = 0; e < exposures; e++) {
    for (let d = 0; d < detectors; d++) {
      const path = join(dir, `exp${String(e).padStart(4, '0')}`, `raw_${e}_${d}.fits`);
      writeSimRaw(path, { dateObs: dateObs((options.firstSecond ?? 0) + e * 60), detector: d, ...(options.filter ? { filter: options.filter } : {}) });
      paths.push(path);
    }
  }
  return paths;
}
