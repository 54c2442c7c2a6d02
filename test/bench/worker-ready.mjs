// One probe of `npm run bench`'s startup section (test/bench/startup-bench.ts): starts a pool
// of one worker thread with the shipped task library, as `qg run` does, and prints how long it
// took to be ready, in ms. `node test/bench/worker-ready.mjs compiled|sources REPO`: compiled
// loads dist/ (run `npm run build` first); sources registers tsx and loads the TypeScript.
const [mode, root] = process.argv.slice(2);
let url;
if (mode === 'sources') {
  const { register } = await import('tsx/esm/api');
  register();
  url = new URL('../../engine/execute/worker-pool.ts', import.meta.url);
} else {
  url = new URL('../../dist/engine/execute/worker-pool.js', import.meta.url);
}
const { WorkerPool } = await import(url.href);
const started = performance.now();
const pool = await WorkerPool.start({ size: 1, root, template: '{run}/{datasetType}/{id}' });
const ms = performance.now() - started;
await pool.close();
console.log(JSON.stringify({ ms }));
