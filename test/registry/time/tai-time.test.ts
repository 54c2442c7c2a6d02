/**
 * TAI times: ISO text <-> nanoseconds exactly, UTC through the leap-second table (IERS
 * values), MJD (TAI) conversions, half-open overlap; and on each dialect, times far beyond
 * 2^53 ns survive the database to the nanosecond.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  taiFromIso, taiFromMjd, taiFromUtcIso, taiMinusUtc, taiToIso, taiToMjd, timespansOverlap, TIME_MAX, TIME_MIN, TimeFormatError,
} from '../../../registry/index.js';
import { DIALECTS, makeRepo } from '../../support/test-repos.js';
import { isoTaiToNs, thrown } from '../registry-test-helpers.js';
import { Rng } from '../../support/random.js';

const S = 1_000_000_000n;

describe('TAI ISO text', () => {
  it.each([
    ['1970-01-01 00:00:00.000000000', 0n],
    ['1969-12-31 23:59:59.999999999', -1n],
    ['2024-01-01 00:00:00.123456789', 1704067200123456789n],
    ['2000-02-29 12:00:00.000000001', 951825600000000001n],
  ])('%s is %i ns', (iso, ns) => {
    expect(taiFromIso(iso)).toBe(ns);
    expect(taiToIso(ns)).toBe(iso);
  });

  it('accepts the T separator, missing seconds and short fractions', () => {
    expect(taiFromIso('2024-01-01T00:10:00')).toBe(1704067800n * S);
    expect(taiFromIso('2024-01-01 00:10')).toBe(1704067800n * S);
    expect(taiFromIso('2024-01-01')).toBe(1704067200n * S);
    expect(taiFromIso('2024-01-01T00:00:00.5')).toBe(1704067200n * S + 500_000_000n);
  });

  it('round-trips random instants to the nanosecond (1900..2100)', () => {
    const rng = new Rng(1);
    for (let i = 0; i < 300; i++) {
      const ns = BigInt(Math.floor((rng.next() * 6.3e9 - 2.2e9))) * S + BigInt(rng.int(0, 999_999_999));
      expect(taiFromIso(taiToIso(ns))).toBe(ns);
      expect(taiFromIso(taiToIso(ns))).toBe(isoTaiToNs(taiToIso(ns)));
    }
  });

  it.each(['2024-13-01', '2024-02-30', '2024-01-01 24:00:00', 'yesterday', '2024-01-01T00:00:00Z', '2024-01-01 00:00:00.1234567890'])('refuses %j', (text) => {
    const e = thrown(() => taiFromIso(text));
    expect(e).toBeInstanceOf(TimeFormatError);
    expect(e.code).toBe('TIME_FORMAT');
  });
});

describe('UTC through the leap-second table', () => {
  it.each([
    ['1972-01-01T00:00:00', 10n],
    ['1998-12-31T23:59:59', 31n],
    ['1999-01-01T00:00:00', 32n],
    ['2016-12-31T23:59:59', 36n],
    ['2017-01-01T00:00:00', 37n],
    ['2024-01-01T00:00:00', 37n],
  ])('%s: TAI - UTC = %i s', (utc, offset) => {
    expect(taiFromUtcIso(utc) - taiFromIso(utc)).toBe(offset * S);
  });

  it('the leap second 2016-12-31T23:59:60 UTC is 2017-01-01 00:00:36 TAI, between its neighbours', () => {
    expect(taiFromUtcIso('2016-12-31T23:59:60')).toBe(taiFromIso('2017-01-01 00:00:36'));
    expect(taiFromUtcIso('2016-12-31T23:59:60.5')).toBe(taiFromIso('2017-01-01 00:00:36.5'));
    expect(taiFromUtcIso('2016-12-31T23:59:59')).toBe(taiFromIso('2017-01-01 00:00:35'));
    expect(taiFromUtcIso('2017-01-01T00:00:00')).toBe(taiFromIso('2017-01-01 00:00:37'));
  });

  it('refuses UTC before 1972', () => {
    expect(thrown(() => taiFromUtcIso('1971-12-31T23:59:59')).code).toBe('TIME_FORMAT');
    expect(taiMinusUtc(taiFromIso('1980-01-01'))).toBe(19n);
  });
});

describe('MJD (TAI)', () => {
  it('MJD 40587 is the epoch, 60310 is 2024-01-01, fractions are exact to well under 1 µs', () => {
    expect(taiFromMjd(40587)).toBe(0n);
    expect(taiFromMjd(60310)).toBe(taiFromIso('2024-01-01 00:00:00'));
    expect(taiFromMjd(60310.5)).toBe(taiFromIso('2024-01-01 12:00:00'));
    expect(taiFromMjd(60309.75)).toBe(taiFromIso('2023-12-31 18:00:00'));
    const rng = new Rng(2);
    for (let i = 0; i < 200; i++) {
      const mjd = 40000 + rng.next() * 30000;
      const ns = taiFromMjd(mjd);
      const expected = (mjd - 40587) * 86_400e9;
      expect(Math.abs(Number(ns) - expected)).toBeLessThan(5_000);
      expect(Math.abs(taiToMjd(ns) - mjd) * 86_400e6).toBeLessThan(1);
    }
    expect(thrown(() => taiFromMjd(Number.NaN)).code).toBe('TIME_FORMAT');
  });
});

describe('timespans', () => {
  it('are half-open', () => {
    const t = (b: bigint, e: bigint) => ({ begin: b, end: e });
    expect(timespansOverlap(t(0n, 10n), t(10n, 20n))).toBe(false);
    expect(timespansOverlap(t(0n, 11n), t(10n, 20n))).toBe(true);
    expect(timespansOverlap(t(TIME_MIN, TIME_MAX), t(5n, 6n))).toBe(true);
    expect(timespansOverlap(t(5n, 6n), t(6n, 7n))).toBe(false);
  });
});

describe.each(DIALECTS)('%s: times beyond 2^53 ns survive the database exactly', (dialect) => {
  let ctx: Awaited<ReturnType<typeof makeRepo>>;
  beforeAll(async () => {
    ctx = await makeRepo(dialect);
  });
  afterAll(async () => ctx.dispose());

  it('odd nanoseconds, the sentinels and their neighbours', async () => {
    const reg = ctx.repo.registry;
    const spans = [
      { begin: 1704067200000000001n, end: 1704067200000000003n },
      { begin: TIME_MIN + 1n, end: TIME_MAX - 1n },
      { begin: -1n, end: 1n },
      { begin: 9007199254740993n, end: 9007199254740995n },
    ];
    await reg.dimensions.insert('day_obs', spans.map((timespan, i) => ({ instrument: 'Cam', id: i, timespan })), reg.knex);
    const back = await reg.dimensions.query('day_obs', reg.knex);
    expect(back.map((r) => r.timespan)).toEqual(spans);
  });
});
