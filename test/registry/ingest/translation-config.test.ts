/**
 * Translation configs (validation with file/line/key messages, the shipped configs) and
 * header translation on literal headers. No database.
 */
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FitsHeader, type FitsValue } from '../../../registry/datastore/fits/index.js';
import { DimensionUniverse } from '../../../registry/universe/dimension-universe.js';
import {
  HeaderCache,
  HeaderTranslator,
  loadTranslationConfig,
  parseAngle,
  parseTranslationConfig,
  shippedTranslation,
  shippedTranslations,
  TranslationConfigError,
  TranslationError,
  validateTranslationConfig,
  type TranslationConfig,
} from '../../../registry/ingest/index.js';
import { simHeader, writeSimRaw } from './ingest-fixtures.js';
import { tempDir } from '../../support/test-repos.js';

const universe = DimensionUniverse.default();
const { path: dir, cleanup } = tempDir('qg-ingest-config-');
afterAll(cleanup);

function header(cards: Record<string, FitsValue>): FitsHeader {
  const h = new FitsHeader();
  for (const [k, v] of Object.entries(cards)) h.set(k, v);
  return h;
}

/** The issues of a config that must not validate. */
function issuesOf(text: string, source = 'bad.yaml'): TranslationConfigError {
  try {
    parseTranslationConfig(text, source);
  } catch (e) {
    expect(e).toBeInstanceOf(TranslationConfigError);
    expect((e as TranslationConfigError).code).toBe('TRANSLATION_CONFIG');
    return e as TranslationConfigError;
  }
  throw new Error('config validated but should not have');
}

const MINIMAL = `instrument: Cam
exposure_id: {keyword: EXPID}
detector: {value: 0}
physical_filter: {keyword: FILTER}
unknown_filters: band_is_filter
exposure_time: {keyword: EXPTIME}
observation_start: {date: DATE-OBS}
`;

describe('translation config validation', () => {
  it('accepts the shipped configs and finds them by instrument', () => {
    const shipped = shippedTranslations();
    expect([...shipped.keys()].sort()).toEqual(['SAAO-STE3', 'SimCam']);
    expect(shippedTranslation('simcam').instrument).toBe('SimCam');
    expect(() => shippedTranslation('HSC')).toThrow(/no translation config ships for instrument 'HSC' \(shipped: SAAO-STE3, SimCam\)/);
  });

  it('accepts a minimal config', () => {
    expect(parseTranslationConfig(MINIMAL).instrument).toBe('Cam');
  });

  it('names file, line, column and key of a misspelt key, with a suggestion', () => {
    const e = issuesOf(MINIMAL.replace('physical_filter: {keyword: FILTER}', 'physical_filter:\n  kewyord: FILTER'));
    expect(e.issues).toContainEqual(expect.objectContaining({ path: 'physical_filter.kewyord', line: 5, col: 3 }));
    expect(e.message).toContain("bad.yaml:5:3: physical_filter.kewyord: unknown key 'kewyord' (did you mean 'keyword'?)");
    // The rule then has no source: reported at the rule itself.
    expect(e.message).toMatch(/bad\.yaml:5:3: physical_filter: needs one of keyword/);
  });

  it('reports every problem at once, each at its line', () => {
    const e = issuesOf(`instrument: Cam
exposure_id: {filename: '(\\d+'}
detector: {value: 0, keyword: CCD}
physical_filter: {keyword: FILTER, map: {R: r, ' r ': x}, format: 'no placeholder'}
exposure_time: {keyword: EXPOSURE_TIME}
observation_start: {time: UT, scale: local}
pointing: {ra: {keyword: RA, unit: hours}}
detectors:
  - {id: 1}
  - {id: 1, colour: red}
visits: {region: {width_deg: 0}}
`);
    const byPath = new Map(e.issues.map((i) => [i.path, i]));
    expect(byPath.get('exposure_id.filename')).toMatchObject({ line: 2, message: expect.stringContaining('not a valid regular expression') });
    expect(byPath.get('detector')).toMatchObject({ line: 3, message: 'has keyword and value: give only one source' });
    expect(byPath.get('physical_filter.map. r ')).toMatchObject({ line: 4, message: expect.stringContaining("' r ' and 'R' are the same key") });
    expect(byPath.get('physical_filter.format')).toMatchObject({ line: 4, message: "must contain '{value}', got 'no placeholder'" });
    expect(byPath.get('exposure_time.keyword')).toMatchObject({ line: 5, message: expect.stringContaining("'EXPOSURE_TIME' is not a FITS keyword") });
    expect(byPath.get('observation_start')).toMatchObject({ line: 6, message: expect.stringContaining("needs 'date'") });
    expect(byPath.get('observation_start.scale')).toMatchObject({ line: 6, message: 'must be one of utc, tai, got string "local"' });
    expect(byPath.get('pointing')).toMatchObject({ line: 7, message: "missing required key 'dec'" });
    expect(byPath.get('pointing.ra.unit')).toMatchObject({ line: 7, message: expect.stringContaining('must be one of deg, hourangle') });
    expect(byPath.get('detectors[1].id')).toMatchObject({ line: 10, message: 'detector 1 is listed twice (also detectors[0])' });
    expect(byPath.get('detectors[1].colour')).toMatchObject({ line: 10, message: expect.stringContaining("unknown key 'colour'") });
    expect(byPath.get('visits.region')).toMatchObject({ line: 11, message: "missing required key 'height_deg'" });
    expect(byPath.get('visits.region.width_deg')).toMatchObject({ line: 11, message: 'must be between 0.000001 and 90, got 0' });
  });

  it('reports YAML syntax errors and wrong top-level shapes with their line', () => {
    const e = issuesOf('instrument: Cam\ndetector: [unclosed\n');
    expect(e.issues[0]!.line).toBeGreaterThanOrEqual(2);
    expect(issuesOf('- just a list\n').message).toContain('(top level): must be a mapping');
    const missing = issuesOf('instrument: Cam\n');
    for (const key of ['exposure_id', 'detector', 'physical_filter', 'exposure_time', 'observation_start']) {
      expect(missing.message).toContain(`missing required key '${key}'`);
    }
  });

  it('validates config objects too, by key path', () => {
    const bad = { ...parseTranslationConfig(MINIMAL), unknown_filters: 'drop' } as unknown;
    expect(() => validateTranslationConfig(bad)).toThrow(/<object>: unknown_filters: must be one of error, no_band, band_is_filter, got string "drop"/);
  });

  it('loads configs from files and names the file in errors', () => {
    const path = join(dir, 'cam.yaml');
    writeFileSync(path, MINIMAL.replace('instrument: Cam', 'instrument: 9Cam'));
    expect(() => loadTranslationConfig(path)).toThrow(`${path}:1:13: instrument: '9Cam' is not a valid instrument name`);
    expect(() => loadTranslationConfig(join(dir, 'none.yaml'))).toThrow(/cannot read translation config/);
  });
});

describe('angles', () => {
  it('reads decimal and sexagesimal angles', () => {
    expect(parseAngle(' 22:04:08', 'hourangle')).toBeCloseTo(331.03333333, 8);
    expect(parseAngle('-00:55:31', 'deg')).toBeCloseTo(-0.92527778, 8);
    expect(parseAngle('+12 30 00.5', 'deg')).toBeCloseTo(12.50013889, 8);
    expect(parseAngle('05h35m17.3s', 'hourangle')).toBeCloseTo(83.82208333, 8);
    expect(parseAngle(1.5, 'hourangle')).toBe(22.5);
    expect(parseAngle('-33.5', 'deg')).toBe(-33.5);
    expect(parseAngle('12:61:00', 'deg')).toBeUndefined();
    expect(parseAngle('north', 'deg')).toBeUndefined();
  });
});

describe('header translation', () => {
  const simcam = new HeaderTranslator(shippedTranslation('SimCam'), universe);

  it('makes SimCam data IDs and records from a header as the simulator does', () => {
    const t = simcam.translate(simHeader({ dateObs: '2024-06-13T03:25:41.500', seq: 17, detector: 7, filter: 'SimCam-g', exptime: 15 }), '/x/raw.fits');
    expect(t.dataId).toEqual({ instrument: 'SimCam', detector: 7, exposure: 2024061300017 });
    expect(t.dayObs).toBe(20240613);
    expect(t.physicalFilter).toBe('SimCam-g');
    expect(t.band).toBe('g');
    expect(t.exposure).toMatchObject({
      seq_num: 17, exposure_time: 15, dark_time: 15, observation_type: 'science', obs_id: 'SC_20240613_000017', group_name: '2024061300017',
      group_id: 2024061300017, tracking_ra: 150.1, tracking_dec: 2.2, sky_angle: 12.5, zenith_angle: 33.25, target_name: 'simfield', has_simulated: true,
    });
    // 2024: TAI - UTC = 37 s.
    const begin = BigInt(Date.UTC(2024, 5, 13, 3, 25, 41, 500)) * 1_000_000n + 37_000_000_000n;
    expect(t.exposure.timespan).toEqual({ begin, end: begin + 15_000_000_000n });
    expect(t.detectorRecord).toEqual({ instrument: 'SimCam', id: 7, full_name: 'R00_S07' });
    expect(t.visit).toMatchObject({ id: 2024061300017, name: 'SC_20240613_000017', physical_filter: 'SimCam-g', seq_num: 17, zenith_angle: 33.25, region: null });
    // The simulator's observing day: the TAI calendar day.
    const dayBegin = BigInt(Date.UTC(2024, 5, 13)) * 1_000_000n;
    expect(t.dayObsRecord).toEqual({ instrument: 'SimCam', id: 20240613, timespan: { begin: dayBegin, end: dayBegin + 86_400_000_000_000n } });
    // A bare band letter in FILTER is mapped to the physical filter.
    expect(simcam.translate(simHeader({ filter: 'i' }), 'a.fits').physicalFilter).toBe('SimCam-i');
  });

  it('leaves optional values empty and fails on required ones, naming the keyword', () => {
    const t = simcam.translate(simHeader({ omit: ['RA', 'DEC', 'OBJECT', 'DETNAME', 'IMAGETYP', 'OBSID', 'DARKTIME'] }), '/d/raw_1_2.fits');
    expect(t.exposure).toMatchObject({ tracking_ra: null, tracking_dec: null, target_name: null, observation_type: 'science', obs_id: 'raw_1_2', dark_time: 30 });
    expect(t.detectorRecord!.full_name).toBe('SimCam-0');
    expect(() => simcam.translate(simHeader({ omit: ['RA'] }), 'a.fits')).toThrow('pointing: ra is absent but dec is not');
    expect(() => simcam.translate(simHeader({ omit: ['EXPTIME'] }), 'a.fits')).toThrow('exposure_time: header keyword EXPTIME is missing');
    expect(() => simcam.translate(simHeader({ omit: ['DATE-OBS'] }), 'a.fits')).toThrow('observation_start: header keyword DATE-OBS is missing');
    expect(() => simcam.translate(simHeader({ instrume: 'OtherCam' }), 'a.fits')).toThrow('not a SimCam file: INSTRUME is "OtherCam", expected "SimCam"');
    expect(() => simcam.translate(simHeader({ dateObs: '2024-13-01T00:00:00' }), 'a.fits')).toThrow(TranslationError);
    expect(() => simcam.translate(simHeader({ extra: { EXPTIME: 'long' } }), 'a.fits')).toThrow('exposure_time: keyword EXPTIME gives "long", not a number');
    expect(() => simcam.translate(simHeader({ filter: 'Halpha' }), 'a.fits')).toThrow("physical_filter: 'Halpha' is not one of the instrument's filters");
    expect(() => simcam.translate(simHeader({ omit: ['SEQNUM'] }), 'a.fits')).toThrow('exposure_id sequence: header keyword SEQNUM is missing');
    expect(() => simcam.translate(simHeader({ extra: { DAYOBS: 20241341 } }), 'a.fits')).toThrow('day_obs: 20241341 is not a YYYYMMDD date');
  });

  it('reads dates without times, old DD/MM/YY dates, MJDs and TAI', () => {
    const base: TranslationConfig = { ...parseTranslationConfig(MINIMAL), day_obs_offset_hours: 0 };
    const tr = (config: TranslationConfig, cards: Record<string, FitsValue>) =>
      new HeaderTranslator(config, universe).translate(header({ EXPID: 5, FILTER: 'r', EXPTIME: 10, ...cards }), 'f.fits');
    const withTime = { ...base, observation_start: { date: 'DATE-OBS', time: 'TIME-OBS' } };
    const utc = (ms: number, leap: number) => BigInt(ms) * 1_000_000n + BigInt(leap) * 1_000_000_000n;
    expect(tr(withTime, { 'DATE-OBS': '2013-07-13', 'TIME-OBS': '00:57:33.25' }).exposure.timespan!.begin).toBe(utc(Date.UTC(2013, 6, 13, 0, 57, 33, 250), 35));
    expect(tr(withTime, { 'DATE-OBS': '13/07/98', 'TIME-OBS': '23:00:00' }).exposure.timespan!.begin).toBe(utc(Date.UTC(1998, 6, 13, 23), 31));
    // A full DATE-OBS wins over the time keyword.
    expect(tr(withTime, { 'DATE-OBS': '2013-07-13T01:00:00', 'TIME-OBS': '05:00:00' }).exposure.timespan!.begin).toBe(utc(Date.UTC(2013, 6, 13, 1), 35));
    expect(() => tr(base, { 'DATE-OBS': '2013-07-13' })).toThrow("DATE-OBS = '2013-07-13' has no time of day");
    expect(() => tr(withTime, { 'DATE-OBS': '2013-07-13', 'TIME-OBS': 'noon' })).toThrow("TIME-OBS = 'noon' is not a time of day");
    const mjd = { ...base, observation_start: { mjd: 'MJD-OBS' } };
    expect(tr(mjd, { 'MJD-OBS': 56486.5 }).exposure.timespan!.begin).toBe(utc(Date.UTC(2013, 6, 13, 12), 35));
    const tai = { ...base, observation_start: { date: 'DATE-OBS', scale: 'tai' as const } };
    expect(tr(tai, { 'DATE-OBS': '2013-07-13T00:00:00' }).exposure.timespan!.begin).toBe(utc(Date.UTC(2013, 6, 13), 0));
    // Zero-length exposures (biases) keep a 1 ns instant.
    const bias = tr(withTime, { 'DATE-OBS': '2013-07-13', 'TIME-OBS': '00:00:00', EXPTIME: 0 }).exposure.timespan!;
    expect(bias.end - bias.begin).toBe(1n);
  });

  it('builds exposure ids from file names, patterns and day_obs sequences', () => {
    const base = parseTranslationConfig(MINIMAL);
    const h = header({ OBSID: 'CAM_O_20240613_000123', FILTER: 'r', EXPTIME: 1, 'DATE-OBS': '2024-06-13T10:00:00', SEQNUM: 123 });
    const id = (e: TranslationConfig['exposure_id']) => new HeaderTranslator({ ...base, exposure_id: e }, universe).translate(h, '/d/a8280271.fits').dataId.exposure;
    expect(id({ filename: '(\\d+)' })).toBe(8280271);
    expect(id({ keyword: 'OBSID', pattern: '_(\\d{8})_' })).toBe(20240613);
    expect(id({ day_obs_sequence: { keyword: 'SEQNUM' } })).toBe(2024061200123);
    // DATE-OBS alone: 10:00:00 UTC = 10:00:37 TAI, 22 h 0 m 37 s into observing day 20240612 (offset -12 h).
    expect(id({ day_obs_sequence: 'seconds' })).toBe(2024061279237);
    expect(id({ day_obs_sequence: { keyword: 'SEQNUM' }, digits: 3 })).toBe(20240612123);
    expect(() => id({ day_obs_sequence: { keyword: 'SEQNUM' }, digits: 2 })).toThrow('sequence number 123 does not fit in 2 digits');
    expect(() => id({ filename: '^b(\\d+)' })).toThrow("exposure_id: file name 'a8280271.fits' does not match /^b(\\d+)/");
    expect(() => id({ keyword: 'OBSID' })).toThrow('exposure_id: keyword OBSID gives "CAM_O_20240613_000123", not an integer');
  });

  it('maps values case-insensitively and refuses unmapped ones unless kept', () => {
    const base = parseTranslationConfig(MINIMAL);
    const t = (rule: TranslationConfig['observation_type'], value: string) =>
      new HeaderTranslator({ ...base, observation_type: rule }, universe)
        .translate(header({ EXPID: 1, FILTER: 'r', EXPTIME: 1, 'DATE-OBS': '2024-06-13T10:00:00', IMAGETYP: value }), 'f.fits').observationType;
    const rule = { keyword: 'IMAGETYP', map: { Object: 'science', ZERO: 'bias' } };
    expect(t(rule, 'object    ')).toBe('science');
    expect(t(rule, 'zero')).toBe('bias');
    expect(() => t(rule, 'flat')).toThrow('observation_type: keyword IMAGETYP gives "flat", which the config\'s map does not list (known: Object, ZERO)');
    expect(t({ ...rule, unmapped: 'keep' }, 'Flat')).toBe('flat');
  });

  it('refuses exposure fields the universe does not have', () => {
    const config = { ...parseTranslationConfig(MINIMAL), fields: { colour: { value: 'red' }, exposure_time: { value: 1 } } };
    expect(() => new HeaderTranslator(config, universe)).toThrow(/fields\.colour: the exposure element has no field 'colour'.*fields\.exposure_time: 'exposure_time' is computed/);
  });
});

describe('header cache', () => {
  it('reads each header once, persists, and re-reads only changed files', async () => {
    const a = join(dir, 'cache', 'a.fits');
    const b = join(dir, 'cache', 'b.fits');
    const bad = join(dir, 'cache', 'bad.fits');
    writeSimRaw(a, { detector: 1 });
    writeSimRaw(b, { detector: 2 });
    writeFileSync(bad, 'not a FITS file at all');
    const file = join(dir, 'cache', '.qg', 'header-cache.json');
    const cache = HeaderCache.open(file);
    expect((await cache.read(a)).get('DETECTOR')).toBe(1);
    await expect(cache.read(bad)).rejects.toMatchObject({ code: 'FITS_NO_SIMPLE' });
    expect((await cache.read(a)).get('DETECTOR')).toBe(1);
    expect(cache.stats).toEqual({ reads: 2, hits: 1 });
    cache.save();

    const again = HeaderCache.open(file);
    expect((await again.read(a)).get('DATE-OBS')).toBe('2024-06-13T03:25:41.500');
    await expect(again.read(bad)).rejects.toMatchObject({ code: 'FITS_NO_SIMPLE' });
    expect((await again.read(b)).get('DETECTOR')).toBe(2);
    expect(again.stats).toEqual({ reads: 1, hits: 2 });
    // A rewritten file (new mtime) is read again.
    writeSimRaw(a, { detector: 3 });
    utimesSync(a, new Date(), new Date(Date.now() + 5000));
    expect((await again.read(a)).get('DETECTOR')).toBe(3);
    expect(again.stats.reads).toBe(2);
  });

  it('starts empty from a damaged cache file', async () => {
    const file = join(dir, 'damaged.json');
    writeFileSync(file, '{"version": 1, "entries": ');
    const cache = HeaderCache.open(file);
    expect(cache.size).toBe(0);
    const a = join(dir, 'damaged-a.fits');
    writeSimRaw(a);
    await cache.read(a);
    cache.save();
    expect(HeaderCache.open(file).size).toBe(1);
  });
});
