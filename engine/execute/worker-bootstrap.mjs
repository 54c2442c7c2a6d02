// Entry of every worker thread: runs the worker loop (worker-main.ts) from the same code as
// the pool that started it, the compiled bundle (dist/qg.cjs) or the TypeScript sources
// through tsx (registered in the thread, for CommonJS too, as task modules may be).
import { workerData } from 'node:worker_threads';
import { importCompiled, importSources, saveCodeCache } from '../cli/launch.mjs';

const entry = 'engine/execute/worker-main';
const { runWorker } = workerData.compiled ? await importCompiled(entry, 'worker') : await importSources(entry);
// a first start records the code it compiled, for the next (launch.mjs)
await runWorker(saveCodeCache);
