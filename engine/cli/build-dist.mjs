#!/usr/bin/env node
// `npm run build` (and `prepare`, so `npm ci` runs it): compiles the TypeScript sources of
// registry/, planner/, engine/ and pipelines/, with the packages they use, into one CommonJS
// bundle, dist/qg.cjs, which engine/cli/launch.mjs loads for qg.mjs, demo.mjs, docs.mjs and
// the worker threads (with V8's code cache: launch.mjs says why CommonJS).
// One file, because Node 20 loads an ES module or a CommonJS file at a cost per file (apache-
// arrow's ~150 modules took 0.13-0.15 s, knex's 328 52-58 ms); each module is set up only
// when first imported (`import()` stays lazy), so a command pays for what it uses.
// Shipped YAML and the example pipelines' modules stay where they are: compiled code reads
// them from beside the sources (its `import.meta.url` names the source file, as `.js`).
// dist/command-index.json lists the commands (see main.ts). dist/build-stamp.json, written
// last, lists the sources and when the build started; launch.mjs ignores a dist/ older than
// any of them.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST = join(ROOT, 'dist');
const BUNDLE = join(DIST, 'qg.cjs');
const FOLDERS = ['registry', 'planner', 'engine', 'pipelines'];
// Users' modules, not qg's code: loaded as TypeScript when a pipeline names them.
const NOT_COMPILED = [join('pipelines', 'examples')];
// What launch.mjs can load from the bundle (each imported lazily, on request).
const ENTRIES = ['engine/cli/main', 'engine/cli/demo', 'engine/cli/cli-reference', 'engine/execute/worker-main', 'engine/execute/worker-pool', 'registry/index', 'planner/index'];

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

// Left out of the bundle, loaded from node_modules/ when used: database drivers knex names
// and qg does not use (or native ones), h5wasm (4 MB, radio files only), tsx (development).
const EXTERNAL = ['better-sqlite3', 'pg-native', 'pg-query-stream', 'sqlite3', 'mysql', 'mysql2', 'mariadb', 'mariadb/*', 'oracledb', 'tedious', 'h5wasm', 'h5wasm/*', 'tsx', 'tsx/*'];
// Where the bundle's code is, for `import.meta.url`: the package root, from dist/qg.cjs.
const BANNER = 'var __qgRoot = require("node:url").pathToFileURL(require("node:path").join(__dirname, "..", "/")).href;';
// Sources that load CommonJS packages lazily through a `require` of their own (an ES module
// has none): in the bundle, the bundle's `require` loads them, bundled.
const OWN_REQUIRE = 'const require = createRequire(import.meta.url);';
const ownRequires = [];

/**
 * A source as the bundle needs it: `import.meta.url` (which CommonJS lacks) becomes the URL
 * of the file itself, `.js` for `.ts`, so paths next to it resolve as from the sources.
 */
function forBundle(path) {
  let source = readFileSync(path, 'utf8');
  if (source.includes(OWN_REQUIRE)) {
    ownRequires.push(relative(ROOT, path));
    source = source.replace(OWN_REQUIRE, '');
  }
  return withFileUrl(source, path.replace(/\.ts$/, '.js'));
}

/**
 * `source` with `import.meta.url` as the URL of `path` (through __qgRoot: dist/ may move with
 * the package). Other `import.meta` properties have no CommonJS form here: the build stops.
 */
function withFileUrl(source, path) {
  const url = relative(ROOT, path).split('\\').join('/');
  const rewritten = source.replaceAll('import.meta.url', `(__qgRoot + ${JSON.stringify(url)})`);
  if (rewritten.includes('import.meta')) throw new Error(`${path}: import.meta other than import.meta.url; build-dist.mjs gives the bundle only that`);
  return rewritten;
}

await build({
  stdin: {
    contents: `export const entries = {\n${ENTRIES.map((e) => `  ${JSON.stringify(e)}: () => import(${JSON.stringify(`./${e}.ts`)}),`).join('\n')}\n};\n`,
    resolveDir: ROOT,
    sourcefile: 'entries.ts',
    loader: 'ts',
  },
  outfile: BUNDLE,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  banner: { js: BANNER },
  // apache-arrow says it has no side effects, but its Node entry registers the stream adapters
  ignoreAnnotations: true,
  sourcemap: true,
  // no comments or indentation: a third less to read and parse at each start (QG_DEBUG maps
  // stack traces back to the sources); short lines, as Node prints the line of an uncaught error
  minifyWhitespace: true,
  lineLimit: 160,
  logLevel: 'warning',
  plugins: [{
    name: 'qg-sources',
    setup(b) {
      b.onLoad({ filter: /\.(ts|js|mjs)$/ }, (args) => {
        const loader = args.path.endsWith('.ts') ? 'ts' : 'js';
        if (!args.path.includes('node_modules')) return { contents: forBundle(args.path), loader };
        const source = readFileSync(args.path, 'utf8');
        // yargs finds its locale files from its own folder
        if (source.includes('import.meta.url')) return { contents: withFileUrl(source, args.path), loader };
        // yargs's copies (ES modules); cli-progress's older CommonJS one measures only its bars
        if (/[\\/]string-width[\\/]index\.js$/.test(args.path) && source.includes('export default')) return { contents: asciiFastPath(source, args.path), loader };
        return undefined;
      });
    },
  }],
});
// V8 keeps a source with any other character as two bytes a character: twice the memory, and
// a slower read at every start
const nonAscii = readFileSync(BUNDLE, 'latin1').search(/[^\x00-\x7f]/);
if (nonAscii >= 0) throw new Error(`dist/qg.cjs is not ASCII at byte ${nonAscii}: write the character as \\u{...} in the source`);
if (ownRequires.length === 0) throw new Error(`no source has \`${OWN_REQUIRE}\` any more: update build-dist.mjs`);
// What `qg --help` lists, so that compiled qg imports no command module to list them (main.ts).
const { entries } = createRequire(import.meta.url)(BUNDLE);
const { commandIndex } = await entries['engine/cli/main']();
writeFileSync(join(DIST, 'command-index.json'), `${JSON.stringify(await commandIndex(), null, 1)}\n`);
// A source saved while the build ran is newer than `builtAt`: the launcher then treats dist/ as
// stale. package-lock.json stands for the bundled dependencies: one upgraded since the build
// (an install that skipped `prepare`) makes dist/ stale too.
const stamped = [...files.map((f) => f.split('\\').join('/')), 'package-lock.json'];
writeFileSync(join(DIST, 'build-stamp.json'), `${JSON.stringify({ builtAt: started, sources: stamped })}\n`);
console.log(`qg: compiled ${files.length} sources into ${relative(process.cwd(), BUNDLE) || BUNDLE} in ${Date.now() - started} ms`);
