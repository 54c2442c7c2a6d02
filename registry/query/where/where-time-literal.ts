/**
 * Reads the text of a time literal `T'...'` the way LSST's daf_butler does (`_parseTimeString`
 * in parserYacc.py), restricted to the formats and scales qg stores:
 *
 * - `value`, `format/value`, `value/scale` or `format/value/scale`; format and scale names are
 *   case-insensitive; a trailing `+00:00` (a stringified UTC datetime) is ignored;
 * - with no format, a number is `mjd` and a date is `isot` if it contains `T`, else `iso`;
 * - with no scale, `iso`/`isot` are UTC and `mjd` is TAI.
 *
 * Unlike LSST, an MJD may be written without a decimal point (`T'60310'`); formats other than
 * iso/isot/mjd (fits, yday, jd, unix...) and scales other than tai/utc are refused with a reason,
 * and so is a time outside what a timespan column holds (strictly between TIME_MIN and
 * TIME_MAX, about 1824 to 2116; LSST clips such times instead).
 */
import { TIME_MAX, TIME_MIN, TimeFormatError, taiFromIso, taiFromMjd, taiFromUtcIso, taiMinusUtc, taiToIso } from '../../time/tai-time.js';
import type { TimeFormat, TimeScale } from './where-ast.js';

/** What a time literal means. */
export interface ReadTimeLiteral {
  readonly format: TimeFormat;
  readonly scale: TimeScale;
  /** TAI nanoseconds since 1970-01-01 00:00:00 TAI. */
  readonly tai: bigint;
}

const NUMBER_RE = /^-?(?:\d+(?:\.\d*)?|\.\d+)$/;
const DATE_RE = /^\d+-\d+-\d+/;
const WORD_RE = /^[A-Za-z]+$/;
const NS_PER_S = 1_000_000_000n;

/**
 * Converts the text between the quotes of `T'...'` to TAI nanoseconds.
 * @throws TimeFormatError with a message saying why the text can't be read.
 */
export function readTimeLiteral(text: string): ReadTimeLiteral {
  const pieces = text.split('/');
  let formatName: string | undefined;
  let value: string;
  let scaleName: string | undefined;
  if (pieces.length === 1) {
    value = pieces[0]!;
  } else if (pieces.length === 2) {
    // Like LSST's regex, 'word/value' names a format and 'value/word' a scale.
    if (WORD_RE.test(pieces[0]!)) [formatName, value] = [pieces[0]!, pieces[1]!];
    else [value, scaleName] = [pieces[0]!, pieces[1]!];
  } else if (pieces.length === 3) {
    [formatName, value, scaleName] = [pieces[0]!, pieces[1]!, pieces[2]!];
  } else {
    throw new TimeFormatError(`expected 'value', 'format/value', 'value/scale' or 'format/value/scale'`);
  }
  value = value.trim();
  if (value.endsWith('+00:00')) value = value.slice(0, -'+00:00'.length);
  if (value === '') throw new TimeFormatError('the time value is empty');

  const looksNumeric = NUMBER_RE.test(value);
  const looksDate = DATE_RE.test(value);
  let format: TimeFormat;
  if (formatName !== undefined) {
    const f = formatName.trim().toLowerCase();
    if (f !== 'iso' && f !== 'isot' && f !== 'mjd') {
      throw new TimeFormatError(`unsupported time format '${formatName}' (qg reads iso, isot and mjd)`);
    }
    format = f;
    if (format === 'mjd' && !looksNumeric) throw new TimeFormatError(`'${value}' is not an MJD number`);
    if (format !== 'mjd' && !looksDate) {
      throw new TimeFormatError(`'${value}' is not an ISO date-time (YYYY-MM-DD[ hh:mm[:ss[.fff]]])`);
    }
    if (format === 'iso' && value.includes('T')) {
      throw new TimeFormatError(`format iso separates date and time with a space; use isot for 'T'`);
    }
    if (format === 'isot' && value.includes(' ')) {
      throw new TimeFormatError(`format isot separates date and time with 'T'; use iso for a space`);
    }
  } else if (looksNumeric) {
    format = 'mjd';
  } else if (looksDate) {
    format = value.includes('T') ? 'isot' : 'iso';
  } else {
    throw new TimeFormatError(`'${value}' is neither an ISO date-time (YYYY-MM-DD[ hh:mm[:ss[.fff]]]) nor an MJD number`);
  }

  let scale: TimeScale;
  if (scaleName !== undefined) {
    const sc = scaleName.trim().toLowerCase();
    if (sc !== 'tai' && sc !== 'utc') throw new TimeFormatError(`unsupported time scale '${scaleName}' (qg reads tai and utc)`);
    scale = sc;
  } else {
    scale = format === 'mjd' ? 'tai' : 'utc';
  }

  const tai = toTai(format, scale, value);
  if (tai <= TIME_MIN || tai >= TIME_MAX) {
    throw new TimeFormatError(`'${value}' is outside the times qg holds (after ${taiToIso(TIME_MIN)} and before ${taiToIso(TIME_MAX)} TAI); write NULL for an open end of a (begin, end) pair`);
  }
  return { format, scale, tai };
}

/** TAI nanoseconds of a value already checked against its format. */
function toTai(format: TimeFormat, scale: TimeScale, value: string): bigint {
  if (format !== 'mjd') return scale === 'tai' ? taiFromIso(value) : taiFromUtcIso(value);
  const uniform = taiFromMjd(Number(value));
  return scale === 'tai' ? uniform : uniform + taiMinusUtc(uniform) * NS_PER_S;
}
