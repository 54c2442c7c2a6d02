// Shared by engine/cli/qg.mjs, demo.mjs, docs.mjs and the worker threads: loads an entry
// module from the compiled bundle dist/qg.cjs (made by `npm ci` through `prepare`, or `npm
// run build`) when it is there and up to date, else from the TypeScript sources through tsx
// (a clone without a build, a source edited since the build, or QG_SOURCES=1).
//
// Up to date: dist/build-stamp.json, written last by engine/cli/build-dist.mjs, names every
// compiled source (and package-lock.json, for the bundled dependencies) and when the build
// started; a file modified after that makes dist/ stale.
// Checking costs one small JSON read and one stat per source (about 200, ~1 ms), so a stale
// dist/ never runs old code silently: qg says so on stderr and runs the sources.
//
// Code cache: Node 20 compiles every function of qg at every start, ~40 ms of the bundle's
// parse plus each function on its first call. V8 can save what it compiled and take it back
// (vm.Script's cachedData), so the first successful run of each kind (`qg build`, `qg show`,
// a worker thread...) writes dist/code-cache/<kind>-<build>.bin, and later runs of that kind
// start from it. V8 rejects a cache made by another Node or with other V8 flags (then a
// run compiles as without one and writes it again); the build's time in the name keeps a
// cache from outliving its bundle (V8 checks only the source's length).
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { threadId } from 'node:worker_threads';

const ROOT = new URL('../../', import.meta.url);

/** dist/build-stamp.json under `root`, or null (no complete build, or a malformed stamp). */
function readStamp(root) {
  try {
    const stamp = JSON.parse(readFileSync(new URL('dist/build-stamp.json', root), 'utf8'));
    return typeof stamp?.builtAt === 'number' && Array.isArray(stamp.sources) ? stamp : null;
  } catch {
    return null;
  }
}

/**
 * Whether dist/ under `root` (a directory URL, the package by default) can run: 'fresh';
 * 'absent' (no complete build); or the first source newer than the build (or gone since),
 * as a path relative to `root`.
 */
export function distState(root = ROOT) {
  const stamp = readStamp(root);
  if (!stamp) return 'absent';
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
 * 'engine/cli/main'), compiled when dist/ is fresh, else the TypeScript source through tsx.
 * `cacheKey` names the kind of run for the code cache (letters, digits and dashes; null: none).
 */
export async function importEntry(entry, cacheKey = null) {
  const state = process.env.QG_SOURCES ? 'absent' : distState();
  if (state === 'fresh') return importCompiled(entry, cacheKey);
  if (state !== 'absent') {
    console.error(`qg: ${state} changed after dist/ was built: running the TypeScript sources (slower start; \`npm run build\` compiles them again)`);
  }
  return importSources(entry);
}

/**
 * The module `entry` from the TypeScript sources, with tsx registered — for CommonJS too, as
 * a pipeline's `.ts` task module may load as CommonJS.
 */
export async function importSources(entry) {
  const [{ register }, { register: registerCommonJs }] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
  register();
  registerCommonJs();
  return import(new URL(`${entry}.ts`, ROOT).href);
}

/** The bundle's exports once loaded, and how to save its code cache (null: nothing to save). */
let bundle = null;

/** The module `entry` from the compiled bundle (which must exist; see distState). */
export async function importCompiled(entry, cacheKey = null) {
  const load = loadBundle(cacheKey).entries[entry];
  if (!load) throw new Error(`dist/qg.cjs has no entry '${entry}' (engine/cli/build-dist.mjs lists them)`);
  return load();
}

function loadBundle(cacheKey) {
  if (bundle) return bundle.exports;
  const file = fileURLToPath(new URL('dist/qg.cjs', ROOT));
  const require = createRequire(file);
  // Node 20 loses the loader of `import()` in code restored from a code cache ("A dynamic
  // import callback was not specified"): the bundle imports what it does not hold (users'
  // task modules, tsx, h5wasm) through this module's (pipelines/core/module-import.ts).
  globalThis[Symbol.for('qg.launcher.import')] ??= (specifier) => import(specifier);
  if (process.env.QG_DEBUG || cacheKey === null || !/^[\w-]+$/.test(cacheKey)) {
    // Stack traces through the compiled code point into the sources (QG_DEBUG prints them).
    if (process.env.QG_DEBUG) process.setSourceMapsEnabled(true);
    bundle = { exports: require(file), save: null };
    return bundle.exports;
  }
  const cacheFile = fileURLToPath(new URL(`dist/code-cache/${cacheKey}-${readStamp(ROOT)?.builtAt}.bin`, ROOT));
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // the first run of this kind
  }
  // the wrapper CommonJS puts around a module, on the bundle's first line; the bundle is ASCII
  // (build-dist.mjs checks), which reads fastest as Latin-1
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'latin1')}\n})`;
  const script = new vm.Script(source, { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, require, module, file, dirname(file));
  const save = cachedData === undefined || script.cachedDataRejected ? () => writeAtomically(cacheFile, script.createCachedData()) : null;
  bundle = { exports: module.exports, save };
  return bundle.exports;
}

/**
 * Writes the code cache of this run if it had none (or V8 rejected it), once. Call it when
 * the run has done its work, so that the cache holds the functions it compiled. A cache that
 * cannot be written (a read-only install) is only a slower next start: no error.
 */
export function saveCodeCache() {
  const save = bundle?.save;
  if (!save) return;
  bundle.save = null;
  try {
    save();
  } catch {
    // see above
  }
}

/** Writes `data` to `file` through a temporary file and a rename: readers see all or nothing. */
function writeAtomically(file, data) {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}-${threadId}.tmp`;
  try {
    writeFileSync(temporary, data);
    renameSync(temporary, file);
  } finally {
    rmSync(temporary, { force: true });
  }
}
