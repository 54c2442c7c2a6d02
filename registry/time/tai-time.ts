/**
 * Times in qg are TAI nanoseconds since 1970-01-01 00:00:00 TAI, held as `bigint`
 * (LSST's convention, so butler exports round-trip to the nanosecond). Timespans are
 * half-open `[begin, end)`; unbounded ends are stored as the sentinels below so SQL
 * overlap tests need no NULL handling.
 */
import { RegistryError } from '../errors.js';

/** Stored for an unbounded begin. */
export const TIME_MIN = -(2n ** 62n);
/** Stored for an unbounded end. */
export const TIME_MAX = 2n ** 62n;

const NS_PER_S = 1_000_000_000n;
const NS_PER_DAY = 86_400n * NS_PER_S;
const MJD_OF_EPOCH = 40587;

/** TAI - UTC in seconds, from the IERS leap-second table (UTC date the value starts). */
const LEAP_SECONDS: ReadonlyArray<readonly [string, number]> = [
  ['1972-01-01', 10], ['1972-07-01', 11], ['1973-01-01', 12], ['1974-01-01', 13],
  ['1975-01-01', 14], ['1976-01-01', 15], ['1977-01-01', 16], ['1978-01-01', 17],
  ['1979-01-01', 18], ['1980-01-01', 19], ['1981-07-01', 20], ['1982-07-01', 21],
  ['1983-07-01', 22], ['1985-07-01', 23], ['1988-01-01', 24], ['1990-01-01', 25],
  ['1991-01-01', 26], ['1992-07-01', 27], ['1993-07-01', 28], ['1994-07-01', 29],
  ['1996-01-01', 30], ['1997-07-01', 31], ['1999-01-01', 32], ['2006-01-01', 33],
  ['2009-01-01', 34], ['2012-07-01', 35], ['2015-07-01', 36], ['2017-01-01', 37],
];
const LEAP_STARTS_UTC_NS = LEAP_SECONDS.map(([d, s]) => [BigInt(Date.parse(`${d}T00:00:00Z`)) * 1_000_000n, BigInt(s)] as const);

/** A half-open TAI interval `[begin, end)` in nanoseconds. */
export interface Timespan {
  readonly begin: bigint;
  readonly end: bigint;
}

/** Error for unreadable times. */
export class TimeFormatError extends RegistryError {
  override name = 'TimeFormatError';
  constructor(message: string) {
    super(message, 'TIME_FORMAT');
  }
}

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/;

/** Reads an ISO/ISOT calendar string as nanoseconds on its own (uniform-day) scale. */
function parseCalendar(text: string): bigint {
  const m = ISO_RE.exec(text.trim());
  if (!m) throw new TimeFormatError(`cannot read '${text}' as an ISO time (YYYY-MM-DD[ T]HH:MM[:SS[.fffffffff]])`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = ''] = m;
  const month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    throw new TimeFormatError(`'${text}' is not a valid calendar time`);
  }
  const ms = Date.UTC(Number(y), month - 1, day, hour, minute, 0);
  const check = new Date(ms);
  if (check.getUTCDate() !== day) throw new TimeFormatError(`'${text}' is not a valid calendar date`);
  return BigInt(ms) * 1_000_000n + BigInt(second) * NS_PER_S + BigInt(frac.padEnd(9, '0') || '0');
}

function formatCalendar(ns: bigint): string {
  const sec = ns >= 0n ? ns / NS_PER_S : (ns - NS_PER_S + 1n) / NS_PER_S;
  const frac = ns - sec * NS_PER_S;
  const iso = new Date(Number(sec) * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${frac.toString().padStart(9, '0')}`;
}

/** Parses a TAI ISO string (`2024-01-01 00:00:00.000000000`). */
export function taiFromIso(text: string): bigint {
  return parseCalendar(text);
}

/** Formats TAI nanoseconds as LSST writes `!butler_time/tai/iso`. */
export function taiToIso(ns: bigint): string {
  return formatCalendar(ns);
}

/** TAI - UTC (seconds) in force at a UTC instant given as calendar nanoseconds. */
export function taiMinusUtc(utcNs: bigint): bigint {
  let offset = 0n;
  for (const [start, value] of LEAP_STARTS_UTC_NS) {
    if (utcNs >= start) offset = value;
    else break;
  }
  if (offset === 0n) throw new TimeFormatError('UTC times before 1972 are not supported (no leap-second table)');
  return offset;
}

/** Parses a UTC ISO string into TAI nanoseconds, applying the leap-second table. */
export function taiFromUtcIso(text: string): bigint {
  const utc = parseCalendar(text);
  // A leap second (23:59:60) still belongs to the day before the offset steps up.
  const leap = /:60(\.\d*)?$/.test(text.trim());
  return utc + taiMinusUtc(leap ? utc - NS_PER_S : utc) * NS_PER_S;
}

/** Converts an MJD on the TAI scale to TAI nanoseconds. */
export function taiFromMjd(mjd: number): bigint {
  if (!Number.isFinite(mjd)) throw new TimeFormatError(`MJD ${mjd} is not a finite number`);
  const days = Math.floor(mjd);
  const fracNs = Math.round((mjd - days) * 86_400e9);
  return BigInt(days - MJD_OF_EPOCH) * NS_PER_DAY + BigInt(fracNs);
}

/** Converts TAI nanoseconds to an MJD on the TAI scale. */
export function taiToMjd(ns: bigint): number {
  const days = ns / NS_PER_DAY;
  const rem = ns - days * NS_PER_DAY;
  return Number(days) + MJD_OF_EPOCH + Number(rem) / 86_400e9;
}

/** True when two half-open timespans share an instant. */
export function timespansOverlap(a: Timespan, b: Timespan): boolean {
  return a.begin < b.end && b.begin < a.end;
}
