// Entry of a worker thread: loads the TypeScript sources through tsx (as engine/cli/qg.mjs
// does for the main thread; for CommonJS too, as task modules may be), then runs the worker loop.
import { register } from 'tsx/esm/api';
import { register as registerCommonJs } from 'tsx/cjs/api';

register();
registerCommonJs();
await import('./worker-main.ts');
