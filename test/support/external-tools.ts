/**
 * The external tools and data some tests check against: Debian's astropy (/usr/bin/python3;
 * the pyenv `python3` on PATH does not see it) as an independent oracle, CFITSIO's
 * fitsverify, and the real SAAO frame that Debian's python3-ccdproc ships. Missing tools
 * fail the tests that need them unless QG_ALLOW_MISSING_TOOLS=1.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The interpreter with Debian's python3-astropy. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** QG_ALLOW_MISSING_TOOLS=1: tests that need a missing tool or data file are skipped instead of failing. */
export const ALLOW_MISSING_TOOLS = process.env.QG_ALLOW_MISSING_TOOLS === '1';

/** True when astropy (fits, time, wcs) and numpy import under {@link SYSTEM_PYTHON}. */
export const HAS_ASTROPY: boolean = existsSync(SYSTEM_PYTHON)
  && spawnSync(SYSTEM_PYTHON, ['-c', 'import astropy.io.fits, astropy.time, astropy.wcs, numpy'], { encoding: 'utf8' }).status === 0;

/** True when Debian's python3-h5py (and numpy) import under {@link SYSTEM_PYTHON}. */
export const HAS_H5PY: boolean = existsSync(SYSTEM_PYTHON)
  && spawnSync(SYSTEM_PYTHON, ['-c', 'import h5py, numpy'], { encoding: 'utf8' }).status === 0;

/** True when `fitsverify` is on the PATH. */
export const HAS_FITSVERIFY: boolean = spawnSync('fitsverify', ['-h'], { encoding: 'utf8' }).status === 0;

/**
 * Runs `script` under {@link SYSTEM_PYTHON} with `input` as JSON on stdin (and `args` as
 * `sys.argv[1:]`) and returns its stdout parsed as JSON; throws with its stderr when it fails.
 */
export function runPython<T>(script: string, input: unknown = null, options: { env?: Record<string, string>; args?: readonly string[] } = {}): T {
  const r = spawnSync(SYSTEM_PYTHON, ['-c', script, ...(options.args ?? [])], {
    input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, ...options.env },
  });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Runs `fitsverify -q` on a file: the one-line verdict and the exit status. */
export function fitsverify(path: string): { ok: boolean; output: string } {
  const r = spawnSync('fitsverify', ['-q', path], { encoding: 'utf8' });
  const output = `${r.stdout}${r.stderr}`.trim();
  return { ok: r.status === 0 && /^verification OK/.test(output), output };
}

/** Runs the full `fitsverify` on a file: its report and the warning and error counts it ends with. */
export function fitsverifyReport(path: string): { warnings: number; errors: number; full: string } {
  const full = spawnSync('fitsverify', [path], { encoding: 'utf8' }).stdout;
  const counts = /found (\d+) warning\(s\) and (\d+) error\(s\)/.exec(full);
  return { warnings: Number(counts?.[1] ?? NaN), errors: Number(counts?.[2] ?? NaN), full };
}

const FETCH_SCRIPT = fileURLToPath(new URL('fetch-debian-data.sh', import.meta.url));
const CCDPROC_DATA = fileURLToPath(new URL('../.data/ccdproc', import.meta.url));

/**
 * a8280271.fits (a 536x520 frame of the SAAO 1.0-m telescope's STE3 CCD) under
 * test/.data/ccdproc, fetching Debian's python3-ccdproc once if needed
 * (fetch-debian-data.sh); `problem` says why it could not be had.
 */
export function findSaaoFrame(): { path?: string; problem?: string } {
  const search = (): string | undefined => {
    if (!existsSync(CCDPROC_DATA)) return undefined;
    const hit = readdirSync(CCDPROC_DATA, { recursive: true, encoding: 'utf8' }).find((p) => p.endsWith('tests/data/a8280271.fits'));
    return hit === undefined ? undefined : join(CCDPROC_DATA, hit);
  };
  const found = search();
  if (found !== undefined) return { path: found };
  const run = spawnSync('bash', [FETCH_SCRIPT], { encoding: 'utf8', timeout: 300_000 });
  const fetched = search();
  return fetched !== undefined ? { path: fetched } : { problem: `could not fetch python3-ccdproc: ${run.stderr || run.error?.message || 'unknown error'}` };
}
