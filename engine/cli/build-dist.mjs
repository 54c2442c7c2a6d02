#!/usr/bin/env node
// `npm run build` (and `prepare`, so `npm ci` runs it): compiles the TypeScript sources of
// registry/, planner/, engine/ and pipelines/ one file to one file (no bundling, ES modules
// for Node 20) into dist/, which engine/cli/qg.mjs, demo.mjs and the worker threads load.
// Shipped YAML and the example pipelines' modules stay where they are: compiled code reads
// them from beside the sources. dist/engine/cli/command-index.json lists the commands (see
// main.ts). dist/build-stamp.json, written last, lists the sources and
// when the build started; engine/cli/launch.mjs ignores a dist/ older than any of them.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST = join(ROOT, 'dist');
const require = createRequire(join(ROOT, 'package.json'));
const FOLDERS = ['registry', 'planner', 'engine', 'pipelines'];
// Users' modules, not qg's code: loaded as TypeScript when a pipeline names them.
const NOT_COMPILED = [join('pipelines', 'examples')];

/** The `.ts` files under `dir`, as paths relative to the package root. */
function sources(dir) {
  const out = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!NOT_COMPILED.includes(path)) out.push(...sources(path));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !entry.name.endsWith('.test.ts')) {
      out.push(path);
    }
  }
  return out;
}

const started = Date.now();
const files = FOLDERS.flatMap(sources).sort();
// the stamp first: a qg starting meanwhile sees no build and runs the sources
rmSync(join(DIST, 'build-stamp.json'), { force: true });
rmSync(DIST, { recursive: true, force: true });
let build;
try {
  ({ build } = await import('esbuild'));
} catch {
  // an install without dev dependencies: qg still runs, from the sources through tsx
  console.log('qg: esbuild is not installed, so dist/ is not built; qg runs the TypeScript sources (slower start)');
  process.exit(0);
}
/** Makes dist/node_modules/`name`/ with a package.json of `fields` (and the real one's version); returns it. */
function packageDir(name, fields) {
  const dir = join(DIST, 'node_modules', ...name.split('/'));
  mkdirSync(dir, { recursive: true });
  const { version } = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'));
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name, version, private: true, ...fields })}\n`);
  return dir;
}

/** Bundles the ES module package `name` into one ES module. */
async function bundleEsm(name) {
  const dir = packageDir(name, { type: 'module', exports: './index.js' });
  await build({
    stdin: { contents: `export * from '${name}';`, resolveDir: ROOT, loader: 'js' },
    outfile: join(dir, 'index.js'),
    bundle: true,
    // apache-arrow says it has no side effects, but its Node entry registers the stream adapters
    ignoreAnnotations: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
}

// Database drivers knex and pg load only when asked for (qg's own, or none): not bundled.
const DRIVERS = ['better-sqlite3', 'pg', 'pg-native', 'pg-query-stream', 'sqlite3', 'mysql', 'mysql2', 'mariadb', 'mariadb/*', 'oracledb', 'tedious'];

/**
 * Bundles the CommonJS package `name` into index.cjs (for `require`) and gives it an ES module
 * face, index.mjs (for `import`), that names its exports: Node's CommonJS lexer cannot find the
 * names in a bundle, and scanning one (~0.9 MB for knex) costs more than the bundling saves.
 */
async function bundleCommonJs(name) {
  const dir = packageDir(name, { exports: { import: './index.mjs', require: './index.cjs' } });
  await build({
    entryPoints: [require.resolve(name)],
    outfile: join(dir, 'index.cjs'),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external: DRIVERS.filter((d) => d !== name),
    logLevel: 'warning',
  });
  const names = Object.keys(require(join(dir, 'index.cjs'))).filter((n) => n !== 'default' && /^[A-Za-z_$][\w$]*$/.test(n));
  writeFileSync(join(dir, 'index.mjs'), [
    "import { createRequire } from 'node:module';",
    "const cjs = createRequire(import.meta.url)('./index.cjs');",
    'export default cjs;',
    ...(names.length ? [`export const { ${names.join(', ')} } = cjs;`] : []),
    '',
  ].join('\n'));
}

/**
 * string-width (yargs measures every word of the help with it) with a fast path for printable
 * ASCII, whose width is its length (tabs and newlines have none), and the rest of the module
 * set up on first use: its Unicode-set regular expressions took ~13 ms of every start to build
 * and its grapheme segmentation ~20 ms of `qg --help`. Other strings go through it as they are.
 */
function asciiFastPath(source, path) {
  const head = 'export default function stringWidth(';
  const imports = source.match(/^(import [^\n]*\n)+/)?.[0] ?? '';
  if (!source.includes(head) || !imports) throw new Error(`${path}: not the string-width build-dist.mjs knows (an ES module whose default export is stringWidth); update asciiFastPath`);
  const body = source.slice(imports.length).replace(head, 'full = function stringWidth(');
  return `${imports}let full;
function setUp() {
${body}
}
export default function stringWidth(input, options) {
  // tabs and newlines are control characters: no width
  if (typeof input === 'string' && /^[\\t\\n\\x20-\\x7e]*$/.test(input)) return input.length - (input.match(/[\\t\\n]/g)?.length ?? 0);
  if (!full) setUp();
  return full(input, options);
}
`;
}

// The dependencies a start loads, each bundled into one file under dist/node_modules/, where
// Node's ordinary lookup from dist/ finds them before the real packages (for `import` and
// `require` alike, so no import needs rewriting). Node loads apache-arrow's ESM build as ~150
// modules (0.13-0.15 s of every start that reads a graph or a table; bundled ~15 ms); a
// CommonJS package costs a file read, a compile and a lookup per module: knex 328 modules
// 52-58 ms (bundled 25-30 ms), yaml 20-25 ms (7 ms), pg 66 ms.
await bundleEsm('apache-arrow');
for (const name of ['knex', 'yaml', 'pg', '@dagrejs/graphlib', 'cli-progress']) await bundleCommonJs(name);
await build({
  entryPoints: files.map((f) => join(ROOT, f)),
  outdir: DIST,
  outbase: ROOT,
  bundle: true, // each file alone (imports stay imports but yargs's, see the plugin)
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [{
    name: 'qg-imports',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        // yargs is bundled into main.js: Node would scan the CommonJS modules it brings (two
        // copies of emoji-regex) with its CommonJS lexer at every start, ~40 ms of `qg --help`
        if (/^yargs(\/|$)/.test(args.path) || args.importer.includes('node_modules')) return undefined;
        return { path: args.path, external: true };
      });
      b.onLoad({ filter: /[\\/]string-width[\\/]index\.js$/ }, (args) => ({ contents: asciiFastPath(readFileSync(args.path, 'utf8'), args.path), loader: 'js' }));
    },
  }],
});
// What `qg --help` lists, so that compiled qg imports no command module to list them (main.ts).
const { commandIndex } = await import(pathToFileURL(join(DIST, 'engine', 'cli', 'main.js')).href);
writeFileSync(join(DIST, 'engine', 'cli', 'command-index.json'), `${JSON.stringify(await commandIndex(), null, 1)}\n`);
// A source saved while the build ran is newer than `builtAt`: the launcher then treats dist/ as
// stale. package-lock.json stands for the bundled dependencies: one upgraded since the build
// (an install that skipped `prepare`) makes dist/ stale too.
const stamped = [...files.map((f) => f.split('\\').join('/')), 'package-lock.json'];
writeFileSync(join(DIST, 'build-stamp.json'), `${JSON.stringify({ builtAt: started, sources: stamped })}\n`);
console.log(`qg: compiled ${files.length} sources into ${relative(process.cwd(), DIST) || '.'}/ in ${Date.now() - started} ms`);
