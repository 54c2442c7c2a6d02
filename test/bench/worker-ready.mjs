// One probe of `npm run bench`'s startup section (test/bench/startup-bench.ts): starts a pool
// of one worker thread with the shipped task library, as `qg run` does, and prints how long it
// took to be ready, in ms. `node test/bench/worker-ready.mjs compiled|sources REPO`: compiled
// loads dist/qg.cjs (run `npm run build` first), and its worker threads start from the code
// cache as `qg run`'s do; sources registers tsx and loads the TypeScript.
import { importCompiled, importSources } from '../../engine/cli/launch.mjs';

const [mode, root] = process.argv.slice(2);
const entry = 'engine/execute/worker-pool';
const { WorkerPool } = mode === 'sources' ? await importSources(entry) : await importCompiled(entry);
const started = performance.now();
const pool = await WorkerPool.start({ size: 1, root, template: '{run}/{datasetType}/{id}' });
const ms = performance.now() - started;
await pool.close();
console.log(JSON.stringify({ ms }));
