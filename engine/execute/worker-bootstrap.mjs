// Entry of a worker thread when qg runs from the TypeScript sources (tsx, or the tests under
// vitest): registers tsx in the thread (for CommonJS too, as task modules may be), then runs
// the worker loop. Compiled qg (dist/) starts worker-main.js directly (see worker-pool.ts).
import { register } from 'tsx/esm/api';
import { register as registerCommonJs } from 'tsx/cjs/api';

register();
registerCommonJs();
await import('./worker-main.ts');
