/**
 * Per-instrument translation configs: which header keywords (or file-name parts, or
 * constants) give a raw file's data ID and its exposure record. Configs are YAML files (two
 * ship in `instruments/`); they are validated up front, and every problem is reported with
 * the file, line, column and key path, so a typo never surfaces as a per-file failure
 * halfway through an ingest.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { RegistryError } from '../errors.js';
import { shippedFile } from '../shipped-files.js';
import { closestName } from '../universe/did-you-mean.js';

/** A scalar a config may hold as a constant, a map value or a default. */
export type ConfigScalar = string | number | boolean;

/**
 * Where one value comes from, and how it is cleaned up. Exactly one of `keyword`,
 * `filename` and `value` is set. Steps, in order: read (a header keyword; `default` when it
 * is absent or empty), `pattern` (the first capture group, or the whole match, of a regular
 * expression applied to the value's text), `map` (looked up by trimmed, case-insensitive
 * text; `unmapped` says whether a value outside the map is an error or kept), `format` (a
 * template where `{value}` is replaced by the value's text).
 */
export interface ValueRuleConfig {
  /** A primary-header keyword. */
  readonly keyword?: string;
  /** A regular expression applied to the file's base name; its first group (or the match) is the value. */
  readonly filename?: string;
  /** A constant. */
  readonly value?: ConfigScalar;
  /** With `keyword`: a regular expression whose first group (or match) is kept. */
  readonly pattern?: string;
  /** Value text (trimmed, case-insensitive) -> value. */
  readonly map?: Readonly<Record<string, ConfigScalar>>;
  /** With `map`: `error` (default) fails a value outside the map, `keep` keeps it as read. */
  readonly unmapped?: 'error' | 'keep';
  /** A template with `{value}`, applied last (e.g. `STE3-{value}`). */
  readonly format?: string;
  /**
   * Used when the keyword is absent or has no value (instead of failing the file); `null`
   * makes the value optional: where the config allows (detector_name, pointing, airmass,
   * fields) it is then left empty, elsewhere the file still fails.
   */
  readonly default?: ConfigScalar | null;
}

/** A sky coordinate rule: a value rule plus the unit of numbers and sexagesimal text. */
export interface AngleRuleConfig extends ValueRuleConfig {
  /** `deg` (default) or `hourangle` (hours: 15 degrees each, e.g. RA '22:04:08'). */
  readonly unit?: 'deg' | 'hourangle';
}

/**
 * How the exposure id is made: either a value rule giving an integer, or `day_obs_sequence`:
 * `day_obs * 10^digits + sequence`, LSST's `YYYYMMDDNNNNN` convention, where the sequence
 * is a value rule or `seconds` (seconds since the start of the observing day, which only
 * needs the observation start and is unique when exposures start at least a second apart).
 */
export type ExposureIdConfig =
  | ValueRuleConfig
  | { readonly day_obs_sequence: ValueRuleConfig | 'seconds'; readonly digits?: number };

/** Observation start: a date keyword, an optional time-of-day keyword, or an MJD keyword. */
export interface ObservationStartConfig {
  /** Keyword holding `YYYY-MM-DD`, `YYYY-MM-DDThh:mm:ss[.fff]` or the old `DD/MM/YY`. */
  readonly date?: string;
  /** Keyword holding `hh:mm:ss[.fff]`, used when the date has no time of day. */
  readonly time?: string;
  /** Keyword holding a modified Julian date (instead of `date`/`time`). */
  readonly mjd?: string;
  /** Time scale of the header values: `utc` (default) or `tai`. */
  readonly scale?: 'utc' | 'tai';
}

/** A detector the instrument has. */
export interface DetectorConfig {
  readonly id: number;
  readonly full_name?: string;
  readonly name_in_raft?: string;
  readonly raft?: string;
  readonly purpose?: string;
}

/** One-to-one visits (LSST's `one-to-one` visit system: visit id = exposure id). */
export interface VisitsConfig {
  /** Observation types that get a visit (default `[science]`). */
  readonly observation_types?: readonly string[];
  /** A box around the pointing used as the visit's region (no region when absent). */
  readonly region?: { readonly width_deg: number; readonly height_deg: number };
}

/**
 * A translation config, as written in YAML (see `instruments/*.yaml` for commented
 * examples). Required: `instrument`, `exposure_id`, `detector`, `physical_filter`,
 * `exposure_time`, `observation_start`.
 */
export interface TranslationConfig {
  /** Instrument name (the `instrument` dimension value). */
  readonly instrument: string;
  /** Free text for people. */
  readonly description?: string;
  /** Stored as the instrument record's `class_name`. */
  readonly class_name?: string;
  /** Keyword -> expected value (trimmed, case-insensitive): a file that differs is not this instrument's. */
  readonly check?: Readonly<Record<string, ConfigScalar>>;
  /** The detectors; when given, a detector id outside the list fails the file. */
  readonly detectors?: readonly DetectorConfig[];
  /** Instrument record bounds (optional). */
  readonly exposure_max?: number;
  readonly visit_max?: number;
  readonly detector_max?: number;
  readonly exposure_id: ExposureIdConfig;
  /** The exposure's `obs_id`; the file's base name without extension when absent. */
  readonly obs_id?: ValueRuleConfig;
  readonly detector: ValueRuleConfig;
  /** Detector `full_name` for detectors not in `detectors` (default `<instrument>-<id>`). */
  readonly detector_name?: ValueRuleConfig;
  readonly physical_filter: ValueRuleConfig;
  /** Physical filter name -> band (`null`: a filter with no band). */
  readonly filters?: Readonly<Record<string, string | null>>;
  /** A physical filter not in `filters`: `error` (default), `no_band`, or `band_is_filter`. */
  readonly unknown_filters?: 'error' | 'no_band' | 'band_is_filter';
  /** Exposure time in seconds. */
  readonly exposure_time: ValueRuleConfig;
  /** Dark time in seconds (the exposure time when absent). */
  readonly dark_time?: ValueRuleConfig;
  readonly observation_start: ObservationStartConfig;
  /** Observation type (`science`, `bias`, `flat`, `dark`, ...); `science` when absent. */
  readonly observation_type?: ValueRuleConfig;
  /** Telescope pointing (exposure `tracking_ra`/`tracking_dec`, degrees). */
  readonly pointing?: { readonly ra: AngleRuleConfig; readonly dec: AngleRuleConfig };
  /** Airmass (sec z), turned into the exposure's `zenith_angle`. */
  readonly airmass?: ValueRuleConfig;
  /**
   * Hours added to the observation start (TAI) before taking its calendar date as
   * `day_obs` (default -12, LSST's: a night keeps the date it began on); the day_obs
   * record's timespan is that date's TAI midnight minus the offset, for 24 hours.
   */
  readonly day_obs_offset_hours?: number;
  /** `day_obs` (YYYYMMDD) from the header instead of from the observation start. */
  readonly day_obs?: ValueRuleConfig;
  /** Further exposure fields (e.g. `target_name`), each from a value rule. */
  readonly fields?: Readonly<Record<string, ValueRuleConfig>>;
  /** Define one-to-one visits for these exposures. */
  readonly visits?: VisitsConfig;
}

/** One problem found in a translation config. */
export interface TranslationConfigIssue {
  /** Key path, e.g. `physical_filter.map` or `detectors[1].id`. */
  readonly path: string;
  /** 1-based line and column in the YAML file, when known. */
  readonly line?: number;
  readonly col?: number;
  readonly message: string;
}

/**
 * A translation config that cannot be used. The message lists every issue as
 * `file:line:col: key: problem`; `issues` holds them as data.
 */
export class TranslationConfigError extends RegistryError {
  override name = 'TranslationConfigError';
  constructor(readonly source: string, readonly issues: readonly TranslationConfigIssue[]) {
    super(
      `invalid translation config ${source}:\n` +
        issues.map((i) => `  ${source}${i.line ? `:${i.line}:${i.col}` : ''}: ${i.path || '(top level)'}: ${i.message}`).join('\n'),
      'TRANSLATION_CONFIG',
    );
  }
}

type Path = readonly (string | number)[];

function pathText(path: Path): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out;
}

const RULE_KEYS = ['keyword', 'filename', 'value', 'pattern', 'map', 'unmapped', 'format', 'default'];
const TOP_KEYS = [
  'instrument', 'description', 'class_name', 'check', 'detectors', 'exposure_max', 'visit_max', 'detector_max',
  'exposure_id', 'obs_id', 'detector', 'detector_name', 'physical_filter', 'filters', 'unknown_filters',
  'exposure_time', 'dark_time', 'observation_start', 'observation_type', 'pointing', 'airmass',
  'day_obs_offset_hours', 'day_obs', 'fields', 'visits',
];
const DETECTOR_KEYS = ['id', 'full_name', 'name_in_raft', 'raft', 'purpose'];
/** FITS keywords: up to 8 of A-Z 0-9 - _ (any case), or a HIERARCH keyword with spaces. */
const KEYWORD_RE = /^(?:[A-Za-z0-9_-]{1,8}|[A-Za-z0-9_-]+(?: [A-Za-z0-9_-]+)+)$/;

/** ` (did you mean 'x'?)` for the closest known name, or ''. */
function nearest(name: string, known: readonly string[]): string {
  const best = closestName(name, known);
  return best ? ` (did you mean '${best}'?)` : '';
}

/** Collects issues over a plain value, locating each in the YAML source when there is one. */
class Checker {
  readonly issues: TranslationConfigIssue[] = [];

  constructor(private readonly locate: (path: Path, key: boolean) => { line: number; col: number } | undefined) {}

  fail(path: Path, message: string, onKey = false): void {
    const where = this.locate(path, onKey) ?? this.locate(path.slice(0, -1), false);
    this.issues.push({ path: pathText(path), message, ...(where ? { line: where.line, col: where.col } : {}) });
  }

  isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  }

  object(v: unknown, path: Path, what: string): Record<string, unknown> | undefined {
    if (this.isObject(v)) return v;
    this.fail(path, `must be a mapping (${what}), got ${describe(v)}`);
    return undefined;
  }

  keys(obj: Record<string, unknown>, path: Path, allowed: readonly string[]): void {
    for (const k of Object.keys(obj)) {
      if (!allowed.includes(k)) this.fail([...path, k], `unknown key '${k}'${nearest(k, allowed)}; allowed: ${allowed.join(', ')}`, true);
    }
  }

  required(obj: Record<string, unknown>, path: Path, key: string): boolean {
    if (obj[key] !== undefined && obj[key] !== null) return true;
    this.fail(path, `missing required key '${key}'`);
    return false;
  }

  string(v: unknown, path: Path, nonEmpty = true): v is string {
    if (typeof v === 'string' && (!nonEmpty || v.trim() !== '')) return true;
    this.fail(path, `must be a ${nonEmpty ? 'non-empty ' : ''}string, got ${describe(v)}`);
    return false;
  }

  keyword(v: unknown, path: Path): void {
    if (this.string(v, path) && !KEYWORD_RE.test(v)) {
      this.fail(path, `'${v}' is not a FITS keyword (up to 8 of A-Z 0-9 - _, or a HIERARCH keyword)`);
    }
  }

  number(v: unknown, path: Path, options: { integer?: boolean; min?: number; max?: number } = {}): v is number {
    const ok = typeof v === 'number' && Number.isFinite(v) && (!options.integer || Number.isSafeInteger(v));
    if (!ok) {
      this.fail(path, `must be ${options.integer ? 'an integer' : 'a number'}, got ${describe(v)}`);
      return false;
    }
    if ((options.min !== undefined && v < options.min) || (options.max !== undefined && v > options.max)) {
      this.fail(path, `must be between ${options.min ?? '-inf'} and ${options.max ?? 'inf'}, got ${v}`);
      return false;
    }
    return true;
  }

  scalar(v: unknown, path: Path): void {
    if (typeof v !== 'string' && typeof v !== 'boolean' && !(typeof v === 'number' && Number.isFinite(v))) {
      this.fail(path, `must be a string, number or true/false, got ${describe(v)}`);
    }
  }

  oneOf(v: unknown, path: Path, choices: readonly string[]): void {
    if (typeof v !== 'string' || !choices.includes(v)) {
      this.fail(path, `must be one of ${choices.join(', ')}, got ${describe(v)}${typeof v === 'string' ? nearest(v, choices) : ''}`);
    }
  }

  regex(v: unknown, path: Path): void {
    if (!this.string(v, path)) return;
    try {
      new RegExp(v);
    } catch (e) {
      this.fail(path, `is not a valid regular expression: ${(e as Error).message}`);
    }
  }

  rule(v: unknown, path: Path, extraKeys: readonly string[] = []): void {
    const obj = this.object(v, path, 'a value rule: one of keyword, filename or value, plus optional pattern, map, unmapped, format, default');
    if (!obj) return;
    this.keys(obj, path, [...RULE_KEYS, ...extraKeys]);
    const sources = ['keyword', 'filename', 'value'].filter((k) => obj[k] !== undefined);
    if (sources.length !== 1) {
      this.fail(path, sources.length === 0
        ? 'needs one of keyword (a header keyword), filename (a regular expression on the file name) or value (a constant)'
        : `has ${sources.join(' and ')}: give only one source`);
    }
    if (obj.keyword !== undefined) this.keyword(obj.keyword, [...path, 'keyword']);
    if (obj.filename !== undefined) this.regex(obj.filename, [...path, 'filename']);
    if (obj.value !== undefined) this.scalar(obj.value, [...path, 'value']);
    if (obj.pattern !== undefined) {
      if (obj.keyword === undefined) this.fail([...path, 'pattern'], 'pattern applies to keyword values only (filename is a pattern itself)', true);
      this.regex(obj.pattern, [...path, 'pattern']);
    }
    if (obj.map !== undefined) {
      const map = this.object(obj.map, [...path, 'map'], 'value -> value');
      if (map) {
        const seen = new Map<string, string>();
        for (const [k, mapped] of Object.entries(map)) {
          this.scalar(mapped, [...path, 'map', k]);
          const norm = k.trim().toLowerCase();
          const other = seen.get(norm);
          if (other !== undefined) this.fail([...path, 'map', k], `'${k}' and '${other}' are the same key (map keys are compared trimmed and case-insensitively)`, true);
          seen.set(norm, k);
        }
      }
    }
    if (obj.unmapped !== undefined) {
      this.oneOf(obj.unmapped, [...path, 'unmapped'], ['error', 'keep']);
      if (obj.map === undefined) this.fail([...path, 'unmapped'], 'unmapped needs a map', true);
    }
    if (obj.format !== undefined && this.string(obj.format, [...path, 'format']) && !obj.format.includes('{value}')) {
      this.fail([...path, 'format'], `must contain '{value}', got '${obj.format}'`);
    }
    if (obj.default !== undefined) {
      if (obj.default !== null) this.scalar(obj.default, [...path, 'default']);
      if (obj.keyword === undefined) this.fail([...path, 'default'], 'default applies to keyword rules only', true);
    }
    if (obj.unit !== undefined) this.oneOf(obj.unit, [...path, 'unit'], ['deg', 'hourangle']);
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Checks every part of a config; issues go to `c` in the order checked here. */
function checkConfig(c: Checker, v: unknown): void {
  const top = c.object(v, [], 'a translation config');
  if (!top) return;
  checkInstrumentKeys(c, top);
  if (top.check !== undefined) checkCheckKeywords(c, top.check);
  if (top.detectors !== undefined) checkDetectors(c, top.detectors);
  for (const key of ['exposure_max', 'visit_max', 'detector_max']) if (top[key] !== undefined) c.number(top[key], [key], { integer: true, min: 1 });
  if (top.exposure_id !== undefined) checkExposureId(c, top.exposure_id);
  for (const key of ['obs_id', 'day_obs', 'detector', 'detector_name', 'physical_filter', 'exposure_time', 'dark_time', 'observation_type', 'airmass']) {
    if (top[key] !== undefined) c.rule(top[key], [key]);
  }
  if (top.filters !== undefined) {
    const filters = c.object(top.filters, ['filters'], 'physical filter -> band (or null)');
    if (filters) for (const [k, band] of Object.entries(filters)) if (band !== null) c.string(band, ['filters', k]);
  }
  if (top.unknown_filters !== undefined) c.oneOf(top.unknown_filters, ['unknown_filters'], ['error', 'no_band', 'band_is_filter']);
  if (top.observation_start !== undefined) checkObservationStart(c, top.observation_start);
  if (top.pointing !== undefined) {
    const p = c.object(top.pointing, ['pointing'], '{ra: rule, dec: rule}');
    if (p) {
      c.keys(p, ['pointing'], ['ra', 'dec']);
      for (const k of ['ra', 'dec']) if (c.required(p, ['pointing'], k)) c.rule(p[k], ['pointing', k], ['unit']);
    }
  }
  if (top.day_obs_offset_hours !== undefined) c.number(top.day_obs_offset_hours, ['day_obs_offset_hours'], { min: -24, max: 24 });
  if (top.fields !== undefined) {
    const fields = c.object(top.fields, ['fields'], 'exposure field -> value rule');
    if (fields) for (const [k, rule] of Object.entries(fields)) c.rule(rule, ['fields', k]);
  }
  if (top.visits !== undefined) checkVisits(c, top.visits);
}

/** The top-level keys: none unknown, the required ones present, a valid instrument name, string descriptions. */
function checkInstrumentKeys(c: Checker, top: Record<string, unknown>): void {
  c.keys(top, [], TOP_KEYS);
  for (const key of ['instrument', 'exposure_id', 'detector', 'physical_filter', 'exposure_time', 'observation_start']) c.required(top, [], key);
  if (top.instrument !== undefined && c.string(top.instrument, ['instrument']) && !/^[A-Za-z][A-Za-z0-9_.+-]*$/.test(top.instrument)) {
    c.fail(['instrument'], `'${top.instrument}' is not a valid instrument name (a letter, then letters, digits, _ . + -)`);
  }
  for (const key of ['description', 'class_name']) if (top[key] !== undefined) c.string(top[key], [key], false);
}

/** `check`: FITS keywords mapped to scalars. */
function checkCheckKeywords(c: Checker, value: unknown): void {
  const check = c.object(value, ['check'], 'keyword -> expected value');
  if (!check) return;
  for (const [k, expected] of Object.entries(check)) {
    if (!KEYWORD_RE.test(k)) c.fail(['check', k], `'${k}' is not a FITS keyword`, true);
    c.scalar(expected, ['check', k]);
  }
}

/** `detectors`: a list of records with distinct non-negative integer ids and string fields. */
function checkDetectors(c: Checker, value: unknown): void {
  if (!Array.isArray(value)) {
    c.fail(['detectors'], `must be a list of {id, full_name, ...}, got ${describe(value)}`);
    return;
  }
  const ids = new Map<number, number>();
  value.forEach((d, i) => {
    const obj = c.object(d, ['detectors', i], 'a detector: {id, full_name, ...}');
    if (!obj) return;
    c.keys(obj, ['detectors', i], DETECTOR_KEYS);
    if (c.required(obj, ['detectors', i], 'id') && c.number(obj.id, ['detectors', i, 'id'], { integer: true, min: 0 })) {
      const other = ids.get(obj.id);
      if (other !== undefined) c.fail(['detectors', i, 'id'], `detector ${obj.id} is listed twice (also detectors[${other}])`);
      ids.set(obj.id, i);
    }
    for (const k of DETECTOR_KEYS.slice(1)) if (obj[k] !== undefined) c.string(obj[k], ['detectors', i, k]);
  });
}

/** `exposure_id`: a value rule, or `day_obs_sequence` ('seconds' or a rule) with enough `digits`. */
function checkExposureId(c: Checker, e: unknown): void {
  if (!(c.isObject(e) && 'day_obs_sequence' in e)) {
    c.rule(e, ['exposure_id']);
    return;
  }
  c.keys(e, ['exposure_id'], ['day_obs_sequence', 'digits']);
  if (e.day_obs_sequence !== 'seconds') {
    if (typeof e.day_obs_sequence === 'string') c.fail(['exposure_id', 'day_obs_sequence'], `must be 'seconds' or a value rule, got '${e.day_obs_sequence}'`);
    else c.rule(e.day_obs_sequence, ['exposure_id', 'day_obs_sequence']);
  }
  if (e.digits !== undefined) c.number(e.digits, ['exposure_id', 'digits'], { integer: true, min: 1, max: 7 });
  if (e.day_obs_sequence === 'seconds' && typeof e.digits === 'number' && e.digits < 5) {
    c.fail(['exposure_id', 'digits'], `'seconds' needs 5 digits (a day has 86400 seconds), got ${e.digits}`);
  }
}

/** `observation_start`: a date (optionally completed by a time) or an MJD keyword, and a time scale. */
function checkObservationStart(c: Checker, value: unknown): void {
  const s = c.object(value, ['observation_start'], '{date, time, mjd, scale}');
  if (!s) return;
  c.keys(s, ['observation_start'], ['date', 'time', 'mjd', 'scale']);
  if (s.date === undefined && s.mjd === undefined) c.fail(['observation_start'], "needs 'date' (e.g. DATE-OBS) or 'mjd' (e.g. MJD-OBS)");
  if (s.date !== undefined && s.mjd !== undefined) c.fail(['observation_start'], "give 'date' or 'mjd', not both");
  if (s.time !== undefined && s.date === undefined) c.fail(['observation_start', 'time'], "'time' completes 'date', which is missing", true);
  for (const k of ['date', 'time', 'mjd']) if (s[k] !== undefined) c.keyword(s[k], ['observation_start', k]);
  if (s.scale !== undefined) c.oneOf(s.scale, ['observation_start', 'scale'], ['utc', 'tai']);
}

/** `visits`: a list of observation types and an optional region box size. */
function checkVisits(c: Checker, value: unknown): void {
  const vis = c.object(value, ['visits'], '{observation_types, region}');
  if (!vis) return;
  c.keys(vis, ['visits'], ['observation_types', 'region']);
  if (vis.observation_types !== undefined) {
    if (!Array.isArray(vis.observation_types)) c.fail(['visits', 'observation_types'], `must be a list of strings, got ${describe(vis.observation_types)}`);
    else vis.observation_types.forEach((t, i) => c.string(t, ['visits', 'observation_types', i]));
  }
  if (vis.region === undefined) return;
  const r = c.object(vis.region, ['visits', 'region'], '{width_deg, height_deg}');
  if (!r) return;
  c.keys(r, ['visits', 'region'], ['width_deg', 'height_deg']);
  for (const k of ['width_deg', 'height_deg']) if (c.required(r, ['visits', 'region'], k)) c.number(r[k], ['visits', 'region', k], { min: 1e-6, max: 90 });
}

/** Finds the node (or a map key) at `path` in a parsed YAML document. */
function yamlLocator(root: unknown, lines: LineCounter): (path: Path, key: boolean) => { line: number; col: number } | undefined {
  return (path, key) => {
    let node: unknown = root;
    let keyNode: unknown;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) return undefined;
        keyNode = pair.key;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment];
        keyNode = undefined;
      } else return undefined;
    }
    const target = (key && keyNode ? keyNode : node ?? keyNode) as YamlNode | undefined;
    const start = target?.range?.[0];
    return start === undefined ? undefined : lines.linePos(start);
  };
}

/**
 * Parses and validates a translation config from YAML text. `source` names the file in
 * messages. Throws {@link TranslationConfigError} listing every problem with its line.
 */
export function parseTranslationConfig(text: string, source = '<yaml>'): TranslationConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length) {
    throw new TranslationConfigError(source, doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return { path: '', message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''), ...(pos ? { line: pos.line, col: pos.col } : {}) };
    }));
  }
  const value = doc.toJS() as unknown;
  const checker = new Checker(yamlLocator(doc.contents, lines));
  checkConfig(checker, value);
  if (checker.issues.length) throw new TranslationConfigError(source, checker.issues);
  return value as TranslationConfig;
}

/** Reads and validates a translation config file. */
export function loadTranslationConfig(path: string): TranslationConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RegistryError(`cannot read translation config ${path}: ${(e as Error).message}`, 'TRANSLATION_CONFIG');
  }
  return parseTranslationConfig(text, path);
}

/**
 * Validates a config given as an object (issues carry key paths but no line numbers).
 * Returns it unchanged when valid.
 */
export function validateTranslationConfig(config: unknown, source = '<object>'): TranslationConfig {
  const checker = new Checker(() => undefined);
  checkConfig(checker, config);
  if (checker.issues.length) throw new TranslationConfigError(source, checker.issues);
  return config as TranslationConfig;
}

/** Folder of the translation configs shipped with qg. */
export const SHIPPED_TRANSLATIONS_DIR = fileURLToPath(shippedFile('ingest/instruments/'));

/**
 * The shipped translation configs, by instrument name (read from each file's `instrument`
 * key). Each file is validated when listed.
 */
export function shippedTranslations(): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  for (const file of readdirSync(SHIPPED_TRANSLATIONS_DIR).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    const path = join(SHIPPED_TRANSLATIONS_DIR, file);
    out.set(loadTranslationConfig(path).instrument, path);
  }
  return out;
}

/**
 * The shipped config for `instrument` (exact name first, then case-insensitive). Throws
 * `TRANSLATION_CONFIG_MISSING` naming the shipped instruments when there is none.
 */
export function shippedTranslation(instrument: string): TranslationConfig {
  const shipped = shippedTranslations();
  const path = shipped.get(instrument) ?? [...shipped].find(([name]) => name.toLowerCase() === instrument.toLowerCase())?.[1];
  if (!path) {
    throw new RegistryError(
      `no translation config ships for instrument '${instrument}' (shipped: ${[...shipped.keys()].join(', ')}); ` +
        'pass one (a YAML file like those in registry/ingest/instruments/)',
      'TRANSLATION_CONFIG_MISSING',
    );
  }
  return loadTranslationConfig(path);
}

/** The base name of `path` without its FITS extension(s), the default `obs_id`. */
export function defaultObsId(path: string): string {
  return basename(path).replace(/\.(fits?|fts)(\.gz|\.fz)?$/i, '');
}
