/**
 * Applies a translation config to one raw file's primary header: the data ID (instrument,
 * exposure, detector) and the dimension records the raw needs (physical filter, band,
 * detector, day_obs, exposure, and optionally a one-to-one visit). Pure: no I/O, so it is
 * cheap to run on cached headers and easy to test with literal headers.
 */
import { basename } from 'node:path';
import { RegistryError } from '../errors.js';
import type { FitsHeader, FitsValue } from '../datastore/fits/index.js';
import type { DimensionRecord } from '../dimensions/dimension-records.js';
import { boxPolygon } from '../spatial/index.js';
import { taiFromIso, taiFromUtcIso, taiMinusUtc, type Timespan } from '../time/tai-time.js';
import type { DimensionUniverse } from '../universe/dimension-universe.js';
import { defaultObsId, type AngleRuleConfig, type ConfigScalar, type TranslationConfig, type ValueRuleConfig } from './translation-config.js';

/** A file whose header does not translate (missing keyword, bad value, wrong instrument). */
export class TranslationError extends RegistryError {
  override name = 'TranslationError';
  constructor(message: string) {
    super(message, 'TRANSLATION');
  }
}

/** What one raw file translates to. */
export interface RawTranslation {
  /** `{instrument, detector, exposure}`. */
  readonly dataId: { readonly instrument: string; readonly detector: number; readonly exposure: number };
  readonly physicalFilter: string;
  readonly band: string | null;
  readonly dayObs: number;
  readonly observationType: string;
  /** The exposure record (with `timespan`). */
  readonly exposure: DimensionRecord;
  /** The day_obs record. */
  readonly dayObsRecord: DimensionRecord;
  /** The detector record when the config has no detector list (defined from the header). */
  readonly detectorRecord: DimensionRecord | null;
  /** The one-to-one visit record, when the config defines visits for this observation type. */
  readonly visit: DimensionRecord | null;
}

const NS_PER_S = 1_000_000_000n;
const DAY_MS = 86_400_000;

/** Fields of the exposure record this module computes itself (not settable via `fields`). */
const COMPUTED_FIELDS = new Set(['obs_id', 'exposure_time', 'dark_time', 'observation_type', 'tracking_ra', 'tracking_dec']);

/** YYYYMMDD of the TAI calendar day holding `tai + offset`. */
function dayObsOf(tai: bigint, offsetMs: number): number {
  const d = new Date(Number(tai / 1_000_000n) + offsetMs);
  return d.getUTCFullYear() * 10000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

/** TAI start of observing day `dayObs` (its TAI midnight minus the offset), or undefined for a bad date. */
function dayBeginTai(dayObs: number, offsetMs: number): bigint | undefined {
  const [y, m, d] = [Math.floor(dayObs / 10000), Math.floor(dayObs / 100) % 100, dayObs % 100];
  const ms = Date.UTC(y, m - 1, d);
  if (y < 1000 || new Date(ms).getUTCMonth() !== m - 1 || new Date(ms).getUTCDate() !== d) return undefined;
  return BigInt(ms - offsetMs) * 1_000_000n;
}

/** Text of a value, trimmed (FITS strings keep trailing blanks insignificant; leading ones too here). */
function text(value: ConfigScalar): string {
  return String(value).trim();
}

/** A compiled value rule: `read(header, path)` gives the cleaned value or throws TranslationError. */
class ValueRule {
  private readonly pattern: RegExp | undefined;
  private readonly filename: RegExp | undefined;
  private readonly map: Map<string, ConfigScalar> | undefined;

  constructor(private readonly rule: ValueRuleConfig, private readonly what: string) {
    this.pattern = rule.pattern === undefined ? undefined : new RegExp(rule.pattern);
    this.filename = rule.filename === undefined ? undefined : new RegExp(rule.filename);
    this.map = rule.map && new Map(Object.entries(rule.map).map(([k, v]) => [k.trim().toLowerCase(), v]));
  }

  /** The keyword this rule reads, if any. */
  get keyword(): string | undefined {
    return this.rule.keyword;
  }

  private source(): string {
    if (this.rule.keyword !== undefined) return `keyword ${this.rule.keyword}`;
    if (this.filename) return `file name pattern /${this.rule.filename}/`;
    return 'constant';
  }

  /**
   * The cleaned value; `null` only when the keyword is absent and the rule's default is
   * `null` (an optional value). Throws TranslationError for a missing keyword without a
   * default and for values the pattern or map refuse.
   */
  read(header: FitsHeader, path: string): ConfigScalar | null {
    let value: ConfigScalar;
    if (this.rule.keyword !== undefined) {
      const raw: FitsValue | undefined = header.get(this.rule.keyword);
      if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) {
        if (this.rule.default === null) return null;
        if (this.rule.default !== undefined) return this.finish(this.rule.default, true);
        throw this.missing(raw);
      }
      value = raw;
      if (this.pattern) {
        const m = this.pattern.exec(text(value));
        if (!m) throw new TranslationError(`${this.what}: ${this.rule.keyword} = ${JSON.stringify(value)} does not match /${this.rule.pattern}/`);
        value = m[1] ?? m[0];
      }
    } else if (this.filename) {
      const name = basename(path);
      const m = this.filename.exec(name);
      if (!m) throw new TranslationError(`${this.what}: file name '${name}' does not match /${this.rule.filename}/`);
      value = m[1] ?? m[0];
    } else {
      value = this.rule.value!;
    }
    return this.finish(value, false);
  }

  private missing(raw: FitsValue | undefined): TranslationError {
    return new TranslationError(`${this.what}: header keyword ${this.rule.keyword} ${raw === undefined ? 'is missing' : 'has no value'}`);
  }

  /** `read`, where an absent optional value is an error after all (the caller needs it). */
  private need(header: FitsHeader, path: string): ConfigScalar {
    const v = this.read(header, path);
    if (v === null) throw this.missing(undefined);
    return v;
  }

  private finish(value: ConfigScalar, isDefault: boolean): ConfigScalar {
    let out = typeof value === 'string' ? value.trim() : value;
    if (this.map && !isDefault) {
      const mapped = this.map.get(text(out).toLowerCase());
      if (mapped !== undefined) out = mapped;
      else if ((this.rule.unmapped ?? 'error') === 'error') {
        const known = [...Object.keys(this.rule.map!)].slice(0, 12).join(', ');
        throw new TranslationError(`${this.what}: ${this.source()} gives ${JSON.stringify(out)}, which the config's map does not list (known: ${known})`);
      }
    }
    if (this.rule.format !== undefined) out = this.rule.format.replace(/\{value\}/g, text(out));
    return out;
  }

  /** An integer (a number, or digits as text). */
  int(header: FitsHeader, path: string): number {
    return this.toInt(this.need(header, path));
  }

  /** A number (or numeric text, D exponents allowed). */
  float(header: FitsHeader, path: string): number {
    return this.toFloat(this.need(header, path));
  }

  /** Non-empty text. */
  string(header: FitsHeader, path: string): string {
    return this.toText(this.need(header, path));
  }

  /** {@link float}, or `null` for an absent optional value. */
  maybeFloat(header: FitsHeader, path: string): number | null {
    const v = this.read(header, path);
    return v === null ? null : this.toFloat(v);
  }

  /** {@link string}, or `null` for an absent optional value (or an empty string). */
  maybeString(header: FitsHeader, path: string): string | null {
    const v = this.read(header, path);
    return v === null || text(v) === '' ? null : text(v);
  }

  /** Any field type, or `null` for an absent optional value. */
  maybeTyped(type: string, header: FitsHeader, path: string): unknown {
    const v = this.read(header, path);
    if (v === null) return null;
    switch (type) {
      case 'int': return this.toInt(v);
      case 'float': return this.toFloat(v);
      case 'bool': {
        if (typeof v === 'boolean') return v;
        const t = text(v).toLowerCase();
        if (['t', 'true', 'yes', '1'].includes(t)) return true;
        if (['f', 'false', 'no', '0'].includes(t)) return false;
        throw new TranslationError(`${this.what}: ${this.source()} gives ${JSON.stringify(v)}, not true or false`);
      }
      default: return text(v);
    }
  }

  /**
   * An angle in degrees: numbers in the rule's unit, or sexagesimal text (`hh:mm:ss.s`,
   * `-dd mm ss`); `null` for an absent optional value.
   */
  maybeAngle(header: FitsHeader, path: string, unit: 'deg' | 'hourangle'): number | null {
    const v = this.read(header, path);
    if (v === null) return null;
    const degrees = parseAngle(v, unit);
    if (degrees === undefined) throw new TranslationError(`${this.what}: ${this.source()} gives ${JSON.stringify(v)}, not an angle (a number or [+-]dd:mm:ss.s)`);
    return degrees;
  }

  private toInt(v: ConfigScalar): number {
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^[+-]?\d+$/.test(v.trim()) ? Number(v.trim()) : NaN;
    if (!Number.isSafeInteger(n)) throw new TranslationError(`${this.what}: ${this.source()} gives ${JSON.stringify(v)}, not an integer`);
    return n;
  }

  private toFloat(v: ConfigScalar): number {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v.trim().replace(/[dD]/, 'E')) : NaN;
    if (!Number.isFinite(n)) throw new TranslationError(`${this.what}: ${this.source()} gives ${JSON.stringify(v)}, not a number`);
    return n;
  }

  private toText(v: ConfigScalar): string {
    const t = text(v);
    if (t === '') throw new TranslationError(`${this.what}: ${this.source()} gives an empty string`);
    return t;
  }
}

/**
 * Reads an angle: a number, or sexagesimal text with `:` or spaces between the parts (the
 * sign applies to the whole, so `-00:55:31` is -0.925 degrees). Returns degrees, or
 * `undefined` for text that is neither.
 */
export function parseAngle(value: ConfigScalar, unit: 'deg' | 'hourangle'): number | undefined {
  const scale = unit === 'hourangle' ? 15 : 1;
  if (typeof value === 'number') return Number.isFinite(value) ? value * scale : undefined;
  if (typeof value !== 'string') return undefined;
  const t = value.trim();
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Number(t) * scale;
  const m = /^([+-])?\s*(\d{1,3})(?::|\s+|[hd\u00b0]\s*)(\d{1,2})(?:(?::|\s+|'|m\s*)(\d{1,2}(?:\.\d*)?)(?:"|s)?)?$/.exec(t);
  if (!m) return undefined;
  const [, sign, a, b, c = '0'] = m;
  const minutes = Number(b), seconds = Number(c);
  if (minutes >= 60 || seconds >= 60) return undefined;
  const magnitude = Number(a) + minutes / 60 + seconds / 3600;
  return (sign === '-' ? -1 : 1) * magnitude * scale;
}

/** A UTC (or TAI) calendar instant, split so that day arithmetic needs no time-scale work. */
interface CalendarInstant {
  /** `YYYY-MM-DDTHH:MM:SS.fffffffff`. */
  readonly iso: string;
  /** Milliseconds since 1970 on the header's own scale (for the observing-day arithmetic). */
  readonly ms: number;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?Z?$/;
const OLD_DATE_RE = /^(\d{2})\/(\d{2})\/(\d{2})$/;
const TIME_RE = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/;

function calendar(y: number, mo: number, d: number, h: number, mi: number, s: number, frac: string, what: string, raw: string): CalendarInstant {
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(ms);
  if (mo < 1 || mo > 12 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 60) throw new TranslationError(`${what}: '${raw}' is not a valid date and time`);
  const fraction = frac.slice(0, 9).padEnd(9, '0');
  const iso = `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:${String(s).padStart(2, '0')}.${fraction}`;
  return { iso, ms: ms + Number(`0.${fraction}`) * 1000 };
}

/** The observation start and its observing day. */
interface ObservingDay {
  /** TAI ns. */
  readonly begin: bigint;
  /** YYYYMMDD. */
  readonly dayObs: number;
  /** TAI ns. */
  readonly dayBegin: bigint;
  /** Whole seconds from dayBegin to begin. */
  readonly secondsIntoDay: number;
}

/** What one header says of its exposure, shared by the exposure and visit records. */
interface ExposureFacts {
  readonly exposure: number;
  readonly seqNum: number | null;
  readonly dayObs: number;
  readonly physicalFilter: string;
  readonly obsId: string;
  readonly exposureTime: number;
  readonly darkTime: number;
  readonly observationType: string;
  readonly timespan: Timespan;
  readonly trackingRa: number | null;
  readonly trackingDec: number | null;
  readonly zenithAngle: number | null;
}

/** From `begin` for `exposureTime` seconds; a zero-length exposure (a bias) still gets an instant, 1 ns, so overlap tests can find it. */
function exposureTimespan(begin: bigint, exposureTime: number): Timespan {
  return { begin, end: begin + (exposureTime > 0 ? BigInt(Math.round(exposureTime * 1e9)) : 1n) };
}

/** Compiles a translation config against a universe; `translate` then runs per header. */
export class HeaderTranslator {
  readonly instrument: string;
  private readonly exposureId: ValueRule | undefined;
  private readonly sequence: ValueRule | 'seconds' | undefined;
  private readonly sequenceDigits: number;
  private readonly obsId: ValueRule | undefined;
  private readonly detector: ValueRule;
  private readonly detectorName: ValueRule | undefined;
  private readonly physicalFilter: ValueRule;
  private readonly exposureTime: ValueRule;
  private readonly darkTime: ValueRule | undefined;
  private readonly observationType: ValueRule | undefined;
  private readonly ra: { rule: ValueRule; unit: 'deg' | 'hourangle' } | undefined;
  private readonly dec: { rule: ValueRule; unit: 'deg' | 'hourangle' } | undefined;
  private readonly airmass: ValueRule | undefined;
  private readonly fields: readonly { name: string; type: string; rule: ValueRule }[];
  private readonly detectorIds: ReadonlySet<number> | undefined;
  private readonly offsetMs: number;
  private readonly dayObsRule: ValueRule | undefined;
  private readonly visitTypes: ReadonlySet<string> | undefined;

  /**
   * Throws TRANSLATION_CONFIG when the config names exposure fields the universe lacks
   * (the universe is only known here, not when the YAML is validated).
   */
  constructor(readonly config: TranslationConfig, universe: DimensionUniverse) {
    this.instrument = config.instrument;
    const e = config.exposure_id;
    if ('day_obs_sequence' in e) {
      this.sequence = e.day_obs_sequence === 'seconds' ? 'seconds' : new ValueRule(e.day_obs_sequence, 'exposure_id sequence');
      this.sequenceDigits = e.digits ?? 5;
    } else {
      this.exposureId = new ValueRule(e, 'exposure_id');
      this.sequenceDigits = 0;
    }
    this.obsId = config.obs_id && new ValueRule(config.obs_id, 'obs_id');
    this.detector = new ValueRule(config.detector, 'detector');
    this.detectorName = config.detector_name && new ValueRule(config.detector_name, 'detector_name');
    this.physicalFilter = new ValueRule(config.physical_filter, 'physical_filter');
    this.exposureTime = new ValueRule(config.exposure_time, 'exposure_time');
    this.darkTime = config.dark_time && new ValueRule(config.dark_time, 'dark_time');
    this.observationType = config.observation_type && new ValueRule(config.observation_type, 'observation_type');
    const angle = (r: AngleRuleConfig, what: string) => ({ rule: new ValueRule(r, what), unit: r.unit ?? 'deg' });
    this.ra = config.pointing && angle(config.pointing.ra, 'pointing.ra');
    this.dec = config.pointing && angle(config.pointing.dec, 'pointing.dec');
    this.airmass = config.airmass && new ValueRule(config.airmass, 'airmass');
    const exposureElement = universe.element('exposure');
    const known = new Map(exposureElement.fields.map((f) => [f.name, f.type as string]));
    const problems: string[] = [];
    this.fields = Object.entries(config.fields ?? {}).flatMap(([name, rule]) => {
      const type = known.get(name);
      if (type === undefined) problems.push(`fields.${name}: the exposure element has no field '${name}' (fields: ${[...known.keys()].filter((k) => !COMPUTED_FIELDS.has(k)).join(', ')})`);
      else if (COMPUTED_FIELDS.has(name)) problems.push(`fields.${name}: '${name}' is computed by the translation (set it through its own key)`);
      else return [{ name, type, rule: new ValueRule(rule, `fields.${name}`) }];
      return [];
    });
    if (problems.length) throw new RegistryError(`translation config for ${config.instrument}: ${problems.join('; ')}`, 'TRANSLATION_CONFIG');
    this.detectorIds = config.detectors && new Set(config.detectors.map((d) => d.id));
    this.offsetMs = (config.day_obs_offset_hours ?? -12) * 3_600_000;
    this.dayObsRule = config.day_obs && new ValueRule(config.day_obs, 'day_obs');
    this.visitTypes = config.visits && new Set((config.visits.observation_types ?? ['science']).map((t) => t.toLowerCase()));
  }

  /** Keywords the translation reads (for messages and for caches that keep only these). */
  get keywords(): string[] {
    const rules = [this.exposureId, this.dayObsRule, this.sequence === 'seconds' ? undefined : this.sequence, this.obsId, this.detector, this.detectorName,
      this.physicalFilter, this.exposureTime, this.darkTime, this.observationType, this.ra?.rule, this.dec?.rule, this.airmass, ...this.fields.map((f) => f.rule)];
    const s = this.config.observation_start;
    return [...new Set([...rules.map((r) => r?.keyword), s.date, s.time, s.mjd, ...Object.keys(this.config.check ?? {})].filter((k): k is string => !!k))];
  }

  /** The instrument record (bounds from the config; `detector_max` from the detector list). */
  instrumentRecord(): DimensionRecord {
    const c = this.config;
    const detectorMax = c.detector_max ?? (c.detectors?.length ? Math.max(...c.detectors.map((d) => d.id)) + 1 : null);
    return {
      name: c.instrument, class_name: c.class_name ?? null, detector_max: detectorMax, exposure_max: c.exposure_max ?? null,
      visit_max: c.visit_max ?? null, visit_system: c.visits ? 0 : null,
    };
  }

  /** Detector records from the config's list (empty when detectors come from headers). */
  detectorRecords(): DimensionRecord[] {
    return (this.config.detectors ?? []).map((d) => ({ instrument: this.instrument, ...d, full_name: d.full_name ?? `${this.instrument}-${d.id}` }));
  }

  /**
   * Translates one header. `path` is the file's path (for file-name rules and messages).
   * Throws TranslationError naming the rule and keyword at fault.
   */
  translate(header: FitsHeader, path: string): RawTranslation {
    this.checkInstrument(header);
    const day = this.observingDay(header, path);
    const { exposure, seqNum } = this.exposureNumber(header, path, day);
    const { detector, detectorRecord } = this.detectorOf(header, path);
    const physicalFilter = this.physicalFilter.string(header, path);
    const band = this.bandOf(physicalFilter);
    const { exposureTime, darkTime, observationType, obsId } = this.exposureDetails(header, path);
    const facts: ExposureFacts = {
      exposure, seqNum, dayObs: day.dayObs, physicalFilter, obsId, exposureTime, darkTime, observationType,
      timespan: exposureTimespan(day.begin, exposureTime), ...this.pointing(header, path), zenithAngle: this.zenithAngle(header, path),
    };
    const record = this.exposureRecord(facts, header, path);
    const dayObsRecord: DimensionRecord = { instrument: this.instrument, id: day.dayObs, timespan: { begin: day.dayBegin, end: day.dayBegin + 86_400n * NS_PER_S } };
    return {
      dataId: { instrument: this.instrument, detector, exposure },
      physicalFilter, band, dayObs: day.dayObs, observationType, exposure: record, dayObsRecord, detectorRecord,
      visit: this.visitTypes?.has(observationType) ? this.visitRecord(facts, record) : null,
    };
  }

  /** Refuses a header whose `check` keywords do not hold the configured values (case-insensitively). */
  private checkInstrument(header: FitsHeader): void {
    for (const [keyword, expected] of Object.entries(this.config.check ?? {})) {
      const actual = header.get(keyword);
      if (actual === undefined || actual === null || text(actual as ConfigScalar).toLowerCase() !== text(expected).toLowerCase()) {
        throw new TranslationError(`not a ${this.instrument} file: ${keyword} is ${actual === undefined ? 'missing' : JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
      }
    }
  }

  /**
   * The observation start (TAI) and its observing day: the TAI calendar date of the start
   * shifted by the offset (LSST's convention), unless a header keyword gives it.
   */
  private observingDay(header: FitsHeader, path: string): ObservingDay {
    const start = this.observationStart(header);
    const begin = this.config.observation_start.scale === 'tai' ? taiFromIso(start.iso) : this.utcToTai(start.iso);
    const dayObs = this.dayObsRule ? this.dayObsRule.int(header, path) : dayObsOf(begin, this.offsetMs);
    const dayBegin = dayBeginTai(dayObs, this.offsetMs);
    if (dayBegin === undefined) throw new TranslationError(`day_obs: ${dayObs} is not a YYYYMMDD date`);
    return { begin, dayObs, dayBegin, secondsIntoDay: Number((begin - dayBegin) / NS_PER_S) };
  }

  /** The exposure ID: from its own rule, or day_obs followed by a sequence number of `sequenceDigits` digits (then also `seqNum`). */
  private exposureNumber(header: FitsHeader, path: string, day: ObservingDay): { exposure: number; seqNum: number | null } {
    let exposure: number;
    let seqNum: number | null = null;
    if (this.exposureId) {
      exposure = this.exposureId.int(header, path);
    } else {
      if (this.sequence === 'seconds' && (day.begin < day.dayBegin || day.secondsIntoDay >= 86_400)) {
        throw new TranslationError(`exposure_id: the observation start is not within day_obs ${day.dayObs}`);
      }
      seqNum = this.sequence === 'seconds' ? day.secondsIntoDay : this.sequence!.int(header, path);
      const limit = 10 ** this.sequenceDigits;
      if (seqNum < 0 || seqNum >= limit) throw new TranslationError(`exposure_id: sequence number ${seqNum} does not fit in ${this.sequenceDigits} digits`);
      exposure = day.dayObs * limit + seqNum;
    }
    if (exposure < 0) throw new TranslationError(`exposure_id: ${exposure} is negative`);
    if (this.config.exposure_max !== undefined && exposure >= this.config.exposure_max) {
      throw new TranslationError(`exposure_id: ${exposure} is not below the instrument's exposure_max ${this.config.exposure_max}`);
    }
    return { exposure, seqNum };
  }

  /** The detector ID, one of the configured detectors when there is a list, else with a record defined from the header. */
  private detectorOf(header: FitsHeader, path: string): { detector: number; detectorRecord: DimensionRecord | null } {
    const detector = this.detector.int(header, path);
    if (this.detectorIds && !this.detectorIds.has(detector)) {
      throw new TranslationError(`detector: ${detector} is not one of the instrument's detectors (${[...this.detectorIds].slice(0, 20).join(', ')})`);
    }
    const detectorRecord = this.detectorIds ? null : {
      instrument: this.instrument, id: detector,
      full_name: this.detectorName?.maybeString(header, path) ?? `${this.instrument}-${detector}`,
    };
    return { detector, detectorRecord };
  }

  /** Exposure and dark time (the dark time defaults to the exposure time), observation type (default science) and obs_id (default from the file name). */
  private exposureDetails(header: FitsHeader, path: string): { exposureTime: number; darkTime: number; observationType: string; obsId: string } {
    const exposureTime = this.exposureTime.float(header, path);
    if (exposureTime < 0) throw new TranslationError(`exposure_time: ${exposureTime} s is negative`);
    return {
      exposureTime,
      darkTime: this.darkTime?.maybeFloat(header, path) ?? exposureTime,
      observationType: this.observationType ? this.observationType.string(header, path).toLowerCase() : 'science',
      obsId: this.obsId?.maybeString(header, path) ?? defaultObsId(path),
    };
  }

  /** The tracking position, RA wrapped into [0, 360); null when the header has neither coordinate, an error when it has only one. */
  private pointing(header: FitsHeader, path: string): { trackingRa: number | null; trackingDec: number | null } {
    if (!this.ra || !this.dec) return { trackingRa: null, trackingDec: null };
    const ra = this.ra.rule.maybeAngle(header, path, this.ra.unit);
    const dec = this.dec.rule.maybeAngle(header, path, this.dec.unit);
    if ((ra === null) !== (dec === null)) throw new TranslationError(`pointing: ${ra === null ? 'ra' : 'dec'} is absent but ${ra === null ? 'dec' : 'ra'} is not`);
    if (ra === null || dec === null) return { trackingRa: null, trackingDec: null };
    if (dec < -90 || dec > 90) throw new TranslationError(`pointing.dec: ${dec} degrees is outside [-90, 90]`);
    return { trackingRa: ra >= 0 && ra < 360 ? ra : ((ra % 360) + 360) % 360, trackingDec: dec };
  }

  /** The zenith angle (degrees) from the airmass (plane-parallel), null without one. */
  private zenithAngle(header: FitsHeader, path: string): number | null {
    const airmass = this.airmass?.maybeFloat(header, path) ?? null;
    if (airmass === null) return null;
    if (airmass < 1) throw new TranslationError(`airmass: ${airmass} is below 1`);
    return (Math.acos(1 / airmass) * 180) / Math.PI;
  }

  /** The exposure record; configured fields come last, as they may replace the computed seq_num, group_name or zenith_angle. */
  private exposureRecord(facts: ExposureFacts, header: FitsHeader, path: string): DimensionRecord {
    const record: DimensionRecord = {
      instrument: this.instrument, id: facts.exposure, physical_filter: facts.physicalFilter, day_obs: facts.dayObs,
      obs_id: facts.obsId, exposure_time: facts.exposureTime, dark_time: facts.darkTime, observation_type: facts.observationType,
      seq_num: facts.seqNum, group_name: facts.obsId, tracking_ra: facts.trackingRa, tracking_dec: facts.trackingDec, zenith_angle: facts.zenithAngle,
      timespan: facts.timespan,
    };
    for (const f of this.fields) {
      const value = f.rule.maybeTyped(f.type, header, path);
      if (value !== null || !(f.name in record)) record[f.name] = value;
    }
    return record;
  }

  /** The one-to-one visit of an exposure, its region a box of the configured size at the tracking position (when there is both). */
  private visitRecord(facts: ExposureFacts, record: DimensionRecord): DimensionRecord {
    const box = this.config.visits?.region;
    return {
      instrument: this.instrument, id: facts.exposure, physical_filter: facts.physicalFilter, day_obs: facts.dayObs, name: facts.obsId,
      seq_num: record.seq_num ?? null, exposure_time: facts.exposureTime, zenith_angle: record.zenith_angle ?? null,
      target_name: record.target_name ?? null, observation_reason: record.observation_reason ?? null, science_program: record.science_program ?? null,
      azimuth: record.azimuth ?? null,
      region: box && facts.trackingRa !== null && facts.trackingDec !== null ? boxPolygon(facts.trackingRa, facts.trackingDec, box.width_deg, box.height_deg) : null,
      timespan: facts.timespan,
    };
  }

  private bandOf(physicalFilter: string): string | null {
    const filters = this.config.filters ?? {};
    if (Object.prototype.hasOwnProperty.call(filters, physicalFilter)) return filters[physicalFilter] ?? null;
    switch (this.config.unknown_filters ?? 'error') {
      case 'no_band': return null;
      case 'band_is_filter': return physicalFilter;
      default: throw new TranslationError(`physical_filter: '${physicalFilter}' is not one of the instrument's filters (${Object.keys(filters).join(', ') || 'none listed'})`);
    }
  }

  private utcToTai(iso: string): bigint {
    try {
      return taiFromUtcIso(iso);
    } catch (e) {
      throw new TranslationError(`observation_start: ${(e as Error).message}`);
    }
  }

  /** The observation start from the configured keywords. */
  private observationStart(header: FitsHeader): CalendarInstant {
    const s = this.config.observation_start;
    if (s.mjd !== undefined) {
      const v = header.get(s.mjd);
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new TranslationError(`observation_start: header keyword ${s.mjd} ${v === undefined ? 'is missing' : `is ${JSON.stringify(v)}, not a number`}`);
      }
      const ms = (v - 40587) * DAY_MS;
      const d = new Date(Math.floor(ms));
      const nsInSecond = Math.round((ms / 1000 - Math.floor(ms / 1000)) * 1e9);
      const iso = `${d.toISOString().slice(0, 19)}.${String(Math.min(nsInSecond, 999_999_999)).padStart(9, '0')}`;
      return { iso, ms };
    }
    const dateKey = s.date!;
    const raw = header.get(dateKey);
    if (raw === undefined || raw === null || String(raw).trim() === '') throw new TranslationError(`observation_start: header keyword ${dateKey} ${raw === undefined ? 'is missing' : 'has no value'}`);
    if (typeof raw !== 'string') throw new TranslationError(`observation_start: ${dateKey} = ${JSON.stringify(raw)} is not a date string`);
    const t = raw.trim();
    const what = `observation_start: ${dateKey}`;
    let y: number, mo: number, d: number;
    let time: [number, number, number, string] | undefined;
    const m = DATE_RE.exec(t);
    if (m) {
      [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
      if (m[4] !== undefined) time = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0), m[7] ?? ''];
    } else {
      const old = OLD_DATE_RE.exec(t);
      if (!old) throw new TranslationError(`${what} = '${t}' is not a date (YYYY-MM-DD[Thh:mm:ss[.fff]] or DD/MM/YY)`);
      [d, mo, y] = [Number(old[1]), Number(old[2]), 1900 + Number(old[3])];
    }
    if (!time) {
      if (s.time === undefined) throw new TranslationError(`${what} = '${t}' has no time of day, and the config names no time keyword (observation_start.time)`);
      const rawTime = header.get(s.time);
      if (typeof rawTime !== 'string' || rawTime.trim() === '') {
        throw new TranslationError(`observation_start: header keyword ${s.time} ${rawTime === undefined ? 'is missing' : `is ${JSON.stringify(rawTime)}, not hh:mm:ss`}`);
      }
      const tm = TIME_RE.exec(rawTime.trim());
      if (!tm) throw new TranslationError(`observation_start: ${s.time} = '${rawTime.trim()}' is not a time of day (hh:mm:ss[.fff])`);
      time = [Number(tm[1]), Number(tm[2]), Number(tm[3] ?? 0), tm[4] ?? ''];
    }
    const instant = calendar(y, mo, d, time[0], time[1], time[2], time[3], what, t);
    if (s.scale !== 'tai') {
      try {
        taiMinusUtc(BigInt(Math.floor(instant.ms)) * 1_000_000n);
      } catch (e) {
        throw new TranslationError(`${what} = '${t}': ${(e as Error).message}`);
      }
    }
    return instant;
  }
}
