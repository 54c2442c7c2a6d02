// Shared by engine/cli/qg.mjs and demo.mjs: imports an entry module from the compiled
// JavaScript in dist/ (made by `npm ci` through `prepare`, or `npm run build`) when it is there
// and up to date, else from the TypeScript sources through tsx (a clone without a build, a
// source edited since the build, or QG_SOURCES=1).
//
// Up to date: dist/build-stamp.json, written last by engine/cli/build-dist.mjs, names every
// compiled source (and package-lock.json, for the bundled dependencies) and when the build
// started; a file modified after that makes dist/ stale.
// Checking costs one small JSON read and one stat per source (about 200, ~1 ms), so a stale
// dist/ never runs old code silently: qg says so on stderr and runs the sources.
import { readFileSync, statSync } from 'node:fs';

const ROOT = new URL('../../', import.meta.url);

/**
 * Whether dist/ under `root` (a directory URL, the package by default) can run: 'fresh';
 * 'absent' (no complete build); or the first source newer than the build (or gone since),
 * as a path relative to `root`.
 */
export function distState(root = ROOT) {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(new URL('dist/build-stamp.json', root), 'utf8'));
  } catch {
    return 'absent';
  }
  if (typeof stamp?.builtAt !== 'number' || !Array.isArray(stamp.sources)) return 'absent';
  for (const source of stamp.sources) {
    let mtime;
    try {
      mtime = statSync(new URL(source, root)).mtimeMs;
    } catch {
      return source; // deleted or renamed since the build
    }
    if (mtime > stamp.builtAt) return source;
  }
  return 'fresh';
}

/**
 * The module `entry` (a path from the package root without its extension, e.g.
 * 'engine/cli/main'), compiled when dist/ is fresh, else the TypeScript source through tsx —
 * registered for CommonJS too, as a pipeline's `.ts` task module may load as CommonJS.
 */
export async function importEntry(entry) {
  const state = process.env.QG_SOURCES ? 'absent' : distState();
  if (state === 'fresh') {
    // Stack traces through the compiled code point into the sources (QG_DEBUG prints them).
    if (process.env.QG_DEBUG) process.setSourceMapsEnabled(true);
    return import(new URL(`dist/${entry}.js`, ROOT).href);
  }
  if (state !== 'absent') {
    console.error(`qg: ${state} changed after dist/ was built: running the TypeScript sources (slower start; \`npm run build\` compiles them again)`);
  }
  const [{ register }, { register: registerCommonJs }] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
  register();
  registerCommonJs();
  return import(new URL(`${entry}.ts`, ROOT).href);
}
