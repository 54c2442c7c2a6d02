/**
 * Runs Debian's astropy (/usr/bin/python3; the pyenv `python3` on PATH does not see it) as
 * an independent oracle: a script gets JSON on stdin and prints JSON.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The interpreter with Debian's python3-astropy. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** True when astropy (and numpy) import under {@link SYSTEM_PYTHON}. */
export const HAS_ASTROPY: boolean = existsSync(SYSTEM_PYTHON) && spawnSync(SYSTEM_PYTHON, ['-c', 'import astropy.wcs, numpy'], { encoding: 'utf8' }).status === 0;

/** True when `fitsverify` is on the PATH. */
export const HAS_FITSVERIFY: boolean = spawnSync('fitsverify', ['-h'], { encoding: 'utf8' }).error === undefined;

/** Runs `script` with `input` as JSON on stdin and returns its stdout parsed as JSON. */
export function runPython<T>(script: string, input: unknown, env: Record<string, string> = {}): T {
  const r = spawnSync(SYSTEM_PYTHON, ['-c', script], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Runs `fitsverify -q` on a file: the one-line verdict and the exit status. */
export function fitsverify(path: string): { ok: boolean; output: string } {
  const r = spawnSync('fitsverify', ['-q', path], { encoding: 'utf8' });
  const output = `${r.stdout}${r.stderr}`.trim();
  return { ok: r.status === 0 && /^verification OK/.test(output), output };
}
