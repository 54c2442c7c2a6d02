import { describe, expect, it } from 'vitest';
import { parseWhere, readTimeLiteral, type TimeLiteralNode } from '../../../../registry/query/where/index.js';
import { taiFromIso, taiFromMjd } from '../../../../registry/time/tai-time.js';

/** TAI nanoseconds computed independently of tai-time.ts: a TAI calendar reading taken as if
 * it were a uniform (POSIX-like) clock, plus extra nanoseconds. */
function taiCalendar(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ns = 0n): bigint {
  return BigInt(Date.UTC(y, mo - 1, d, h, mi, s)) * 1_000_000n + ns;
}

function time(literal: string): TimeLiteralNode {
  const node = parseWhere(`t = ${literal}`);
  if (node === null || node.kind !== 'Binary' || node.right.kind !== 'TimeLiteral') throw new Error(`no time literal in ${literal}`);
  return node.right;
}

describe('time literals read as LSST reads them', () => {
  it("T'2024-01-01 00:05:00' is UTC: 2024-01-01 00:05:37 TAI", () => {
    const t = time("T'2024-01-01 00:05:00'");
    expect(t).toMatchObject({ format: 'iso', scale: 'utc', text: '2024-01-01 00:05:00' });
    expect(t.tai).toBe(taiCalendar(2024, 1, 1, 0, 5, 37));
    expect(t.tai).toBe(taiFromIso('2024-01-01 00:05:37'));
  });

  it('ISOT (with T) is UTC too', () => {
    const t = time("T'2024-01-01T00:05:00'");
    expect(t).toMatchObject({ format: 'isot', scale: 'utc' });
    expect(t.tai).toBe(taiCalendar(2024, 1, 1, 0, 5, 37));
  });

  it('a date alone is midnight UTC', () => {
    expect(time("T'2024-01-01'").tai).toBe(taiCalendar(2024, 1, 1, 0, 0, 37));
  });

  it('a bare number is an MJD in TAI', () => {
    const t = time("T'60310.005'");
    expect(t).toMatchObject({ format: 'mjd', scale: 'tai' });
    expect(t.tai).toBe(taiFromMjd(60310.005));
    // 0.005 d = 432 s, to within the double rounding LSST's float() has too
    const diff = t.tai - taiCalendar(2024, 1, 1, 0, 7, 12);
    expect(diff < 0n ? -diff : diff).toBeLessThan(1000n);
  });

  it('MJD 60310 is 2024-01-01 00:00:00 TAI', () => {
    expect(time("T'60310.0'").tai).toBe(taiCalendar(2024, 1, 1));
    expect(time("T'60310'").tai).toBe(taiCalendar(2024, 1, 1));
    expect(time("T'mjd/60310/tai'").tai).toBe(taiCalendar(2024, 1, 1));
  });

  it("T'mjd/60310.5/tai' is taiFromMjd(60310.5), noon TAI", () => {
    const t = time("T'mjd/60310.5/tai'");
    expect(t).toMatchObject({ format: 'mjd', scale: 'tai', text: 'mjd/60310.5/tai' });
    expect(t.tai).toBe(taiFromMjd(60310.5));
    expect(t.tai).toBe(taiCalendar(2024, 1, 1, 12));
  });

  it("T'iso/2024-01-01 00:00:00/tai' takes the reading as TAI", () => {
    const t = time("T'iso/2024-01-01 00:00:00/tai'");
    expect(t).toMatchObject({ format: 'iso', scale: 'tai' });
    expect(t.tai).toBe(taiCalendar(2024, 1, 1));
    expect(t.tai).toBe(taiFromIso('2024-01-01 00:00:00'));
  });

  it('an MJD in UTC gets the leap seconds added', () => {
    expect(time("T'mjd/60310/utc'").tai).toBe(taiCalendar(2024, 1, 1, 0, 0, 37));
    expect(time("T'60310.5/utc'").tai).toBe(taiCalendar(2024, 1, 1, 12, 0, 37));
  });

  it('uses the leap-second table in force at the time', () => {
    expect(time("T'2016-12-31 23:59:59'").tai).toBe(taiCalendar(2017, 1, 1, 0, 0, 35));
    expect(time("T'2017-01-01 00:00:00'").tai).toBe(taiCalendar(2017, 1, 1, 0, 0, 37));
    expect(time("T'1999-01-01 00:00:00'").tai).toBe(taiCalendar(1999, 1, 1, 0, 0, 32));
    expect(time("T'1998-12-31 23:00:00'").tai).toBe(taiCalendar(1998, 12, 31, 23, 0, 31));
    expect(time("T'1972-01-01T00:00:00'").tai).toBe(taiCalendar(1972, 1, 1, 0, 0, 10));
  });

  it('keeps nanoseconds', () => {
    expect(time("T'iso/2024-01-01 00:00:00.123456789/tai'").tai).toBe(taiCalendar(2024, 1, 1, 0, 0, 0, 123_456_789n));
    expect(time("T'2024-01-01T00:00:00.5'").tai).toBe(taiCalendar(2024, 1, 1, 0, 0, 37, 500_000_000n));
  });

  it('reads format and scale names in any case, and t as well as T', () => {
    expect(time("t'ISO/2024-01-01 00:00:00/TAI'")).toMatchObject({ format: 'iso', scale: 'tai', tai: taiCalendar(2024, 1, 1) });
    expect(time("T'MJD/60310.5'")).toMatchObject({ format: 'mjd', scale: 'tai', tai: taiCalendar(2024, 1, 1, 12) });
    expect(time("T'isot/2024-01-01T00:00:00/Utc'").tai).toBe(taiCalendar(2024, 1, 1, 0, 0, 37));
  });

  it("'format/value' and 'value/scale' forms", () => {
    expect(time("T'iso/2024-01-01 00:00:00'")).toMatchObject({ format: 'iso', scale: 'utc' });
    expect(time("T'2024-01-01 00:00:00/tai'")).toMatchObject({ format: 'iso', scale: 'tai', tai: taiCalendar(2024, 1, 1) });
  });

  it('ignores a trailing +00:00 (a stringified UTC datetime), as LSST does', () => {
    expect(time("T'2024-01-01T00:05:00+00:00'").tai).toBe(taiCalendar(2024, 1, 1, 0, 5, 37));
  });

  it('negative MJDs are before 1858-11-17', () => {
    expect(readTimeLiteral('-1.5').tai).toBe(taiCalendar(1858, 11, 15, 12));
  });

  it('keeps the original text for printing', () => {
    expect(time("T'2024-01-01 00:05:00'").text).toBe('2024-01-01 00:05:00');
  });
});
