// Entry of a worker thread: loads the TypeScript sources through tsx (as engine/cli/qg.mjs
// does for the main thread), then runs the worker loop.
import { register } from 'tsx/esm/api';

register();
await import('./worker-main.ts');
