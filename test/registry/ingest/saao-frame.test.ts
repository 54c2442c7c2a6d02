/**
 * Ingest of a real raw frame: a8280271.fits, a 536x520 frame from the SAAO 1.0-m
 * telescope's STE3 CCD shipped in Debian's python3-ccdproc (test/support/fetch-debian-data.sh
 * fetches it). The exposure record is checked against the header read independently: by a
 * few lines of card parsing here, and by astropy (Debian's /usr/bin/python3) for the
 * UTC -> TAI conversion and the pixels.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Exposure } from '../../../registry/datastore/exposure-fits.js';
import { taiToIso } from '../../../registry/index.js';
import { ingestRaws } from '../../../registry/ingest/index.js';
import { ALLOW_MISSING_TOOLS, findSaaoFrame, HAS_ASTROPY, SYSTEM_PYTHON } from '../../support/external-tools.js';
import { DIALECTS, makeRepo } from '../../support/test-repos.js';

const frame = findSaaoFrame();

/** The primary header's value cards, parsed the plain way: `KEY = value / comment`. */
function plainHeader(path: string): Map<string, string | number> {
  const bytes = readFileSync(path);
  const out = new Map<string, string | number>();
  for (let offset = 0; offset < bytes.length; offset += 80) {
    const card = bytes.toString('latin1', offset, offset + 80);
    const key = card.slice(0, 8).trim();
    if (key === 'END') break;
    if (card.slice(8, 10) !== '= ') continue;
    const value = card.slice(10);
    const quoted = /^\s*'((?:[^']|'')*)'/.exec(value);
    out.set(key, quoted ? quoted[1]!.replace(/''/g, "'").trim() : Number(value.split('/')[0]!.trim()));
  }
  return out;
}

/** Sexagesimal text to degrees, the plain way. */
function sexagesimal(text: string, hours: boolean): number {
  const t = text.trim();
  const sign = t.startsWith('-') ? -1 : 1;
  const [d, m, s] = t.replace(/^[+-]/, '').split(':').map(Number);
  return sign * (d! + m! / 60 + s! / 3600) * (hours ? 15 : 1);
}

describe('external data for the real-frame test', () => {
  it('has the SAAO frame and astropy', () => {
    if (ALLOW_MISSING_TOOLS) return;
    if (frame.problem) throw new Error(`${frame.problem}; run \`bash test/support/fetch-debian-data.sh\` (or set QG_ALLOW_MISSING_TOOLS=1)`);
    if (!HAS_ASTROPY) throw new Error(`astropy missing for ${SYSTEM_PYTHON}: apt-get install -y python3-astropy (or set QG_ALLOW_MISSING_TOOLS=1)`);
  });
});

describe.skipIf(!frame.path).each(DIALECTS)('ingest of the real SAAO 1-m frame (%s)', (dialect) => {
  const disposers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const d of disposers.splice(0)) await d();
  });

  it('gives an exposure record that agrees with the header', async () => {
    const path = frame.path!;
    const { repo, root, dispose } = await makeRepo(dialect);
    disposers.push(dispose);
    const result = await ingestRaws(repo, [path], { instrument: 'SAAO-STE3', transfer: 'copy' });
    expect(result.failed).toEqual([]);
    expect(result.ingested).toHaveLength(1);
    const ref = result.ingested[0]!;
    expect(ref.dataId).toEqual({ instrument: 'SAAO-STE3', detector: 0, exposure: 8280271 });

    const h = plainHeader(path);
    expect([h.get('NAXIS1'), h.get('NAXIS2'), h.get('BITPIX'), h.get('BZERO')]).toEqual([536, 520, 16, 32768]);
    const [exposure] = await repo.registry.dimensions.query('exposure', repo.registry.knex, { id: 8280271 });
    expect(exposure).toBeDefined();
    const e = exposure!;
    expect(e.exposure_time).toBe(h.get('EXPTIME'));
    expect(e.exposure_time).toBe(150.04);
    expect(e.obs_id).toBe('a8280271');
    expect(e.target_name).toBe(h.get('OBJECT'));
    expect(e.observation_type).toBe('science'); // IMAGETYP 'object'
    expect(e.physical_filter).toBe(`STE3-${h.get('FILTERS')}`);
    // Observing night of 2013-07-12 (the frame starts at 00:57 UT on the 13th).
    expect(e.day_obs).toBe(20130712);
    // Pointing: RA/DEC sexagesimal, which the header also gives in degrees (RA_OBS/DEC_OBS, 4 decimals).
    expect(e.tracking_ra).toBeCloseTo(sexagesimal(String(h.get('RA')), true), 10);
    expect(e.tracking_dec).toBeCloseTo(sexagesimal(String(h.get('DEC')), false), 10);
    expect(Math.abs((e.tracking_ra as number) - (h.get('RA_OBS') as number))).toBeLessThan(1e-4);
    expect(Math.abs((e.tracking_dec as number) - (h.get('DEC_OBS') as number))).toBeLessThan(1e-4);
    expect(e.zenith_angle).toBeCloseTo((Math.acos(1 / (h.get('SECZ') as number)) * 180) / Math.PI, 10);
    // Timespan: DATE-OBS + UT as UTC, plus TAI - UTC = 35 s (in force from 2012-07-01 to 2015-07-01).
    const utcMs = Date.parse(`${h.get('DATE-OBS')}T${h.get('UT')}Z`);
    const begin = BigInt(utcMs) * 1_000_000n + 35_000_000_000n;
    expect(e.timespan).toEqual({ begin, end: begin + BigInt(Math.round((h.get('EXPTIME') as number) * 1e9)) });

    // The stored copy is byte-identical, its checksum recorded, and it reads as a 536x520 image.
    const file = (await repo.fileOf(ref))!;
    const original = readFileSync(path);
    expect(readFileSync(join(root, file.path)).equals(original)).toBe(true);
    expect(file.checksum).toBe(createHash('sha256').update(original).digest('hex'));
    const image = (await repo.get(ref)) as Exposure;
    expect([image.width, image.height]).toEqual([536, 520]);

    if (!HAS_ASTROPY) return;
    const script = `
import json, sys, warnings, numpy
from astropy.utils import iers
iers.conf.auto_download = False  # no network; the bundled leap-second table covers 2013
warnings.simplefilter('ignore')
from astropy.io import fits
from astropy.time import Time, TimeDelta
with fits.open(sys.argv[1]) as f:
    h = f[0].header
    d = f[0].data.astype(numpy.int64)
    start = Time(h['DATE-OBS'] + 'T' + h['UT'], scale='utc').tai
    end = start + TimeDelta(h['EXPTIME'], format='sec')
    print(json.dumps({'begin': start.isot, 'end': end.isot, 'exptime': h['EXPTIME'], 'sum': int(d.sum()),
                      'corners': [int(d[0, 0]), int(d[0, -1]), int(d[-1, 0]), int(d[-1, -1]), int(d[260, 268])]}))
`;
    const run = spawnSync(SYSTEM_PYTHON, ['-c', script, path], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const astropy = JSON.parse(run.stdout) as { begin: string; end: string; exptime: number; sum: number; corners: number[] };
    const iso = (ns: bigint) => taiToIso(ns).replace(' ', 'T').slice(0, 23);
    expect(iso(e.timespan!.begin)).toBe(astropy.begin);
    expect(iso(e.timespan!.end)).toBe(astropy.end);
    expect(e.exposure_time).toBe(astropy.exptime);
    const px = image.image as Uint16Array;
    const at = (x: number, y: number) => px[y * 536 + x]!;
    expect([at(0, 0), at(535, 0), at(0, 519), at(535, 519), at(268, 260)]).toEqual(astropy.corners);
    expect(px.reduce((s, v) => s + v, 0)).toBe(astropy.sum);
  });
});
