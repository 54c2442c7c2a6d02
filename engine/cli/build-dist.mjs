#!/usr/bin/env node
// `npm run build` (and `prepare`, so `npm ci` runs it): compiles the TypeScript sources of
// registry/, planner/, engine/ and pipelines/ one file to one file (no bundling, ES modules
// for Node 20) into dist/, which engine/cli/qg.mjs, demo.mjs and the worker threads load.
// Shipped YAML and the example pipelines' modules stay where they are: compiled code reads
// them from beside the sources. dist/engine/cli/command-index.json lists the commands (see
// main.ts). dist/build-stamp.json, written last, lists the sources and
// when the build started; engine/cli/launch.mjs ignores a dist/ older than any of them.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST = join(ROOT, 'dist');
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
// apache-arrow as one file: Node loads its ESM build as ~150 modules (0.13-0.15 s of every
// start that reads a graph or a table); a single bundled file loads in ~15 ms.
const VENDOR_ARROW = join(DIST, 'vendor', 'apache-arrow.js');
await build({
  stdin: { contents: "export * from 'apache-arrow';", resolveDir: ROOT, loader: 'js' },
  outfile: VENDOR_ARROW,
  bundle: true,
  // arrow says it has no side effects, but its Node entry registers the Node stream adapters
  ignoreAnnotations: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
await build({
  entryPoints: files.map((f) => join(ROOT, f)),
  outdir: DIST,
  outbase: ROOT,
  bundle: true, // each file alone (imports stay imports), so that the plugin can point them
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
        if (args.path === 'apache-arrow') {
          const path = relative(dirname(join(DIST, relative(ROOT, args.importer))), VENDOR_ARROW).split('\\').join('/');
          return { path: path.startsWith('.') ? path : `./${path}`, external: true };
        }
        // yargs is bundled into main.js: Node would scan the CommonJS modules it brings (two
        // copies of emoji-regex) with its CommonJS lexer at every start, ~40 ms of `qg --help`
        if (/^yargs(\/|$)/.test(args.path) || args.importer.includes('node_modules')) return undefined;
        return { path: args.path, external: true };
      });
    },
  }],
});
// What `qg --help` lists, so that compiled qg imports no command module to list them (main.ts).
const { commandIndex } = await import(pathToFileURL(join(DIST, 'engine', 'cli', 'main.js')).href);
writeFileSync(join(DIST, 'engine', 'cli', 'command-index.json'), `${JSON.stringify(await commandIndex(), null, 1)}\n`);
// A source saved while the build ran is newer than `builtAt`: the launcher then treats dist/ as stale.
writeFileSync(join(DIST, 'build-stamp.json'), `${JSON.stringify({ builtAt: started, sources: files.map((f) => f.split('\\').join('/')) })}\n`);
console.log(`qg: compiled ${files.length} sources into ${relative(process.cwd(), DIST) || '.'}/ in ${Date.now() - started} ms`);
