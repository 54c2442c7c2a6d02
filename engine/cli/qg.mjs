#!/usr/bin/env node
// The `qg` command: runs the TypeScript sources directly (through tsx), so a fresh clone
// works right after `npm ci` with no build step. CommonJS is registered too: a pipeline's
// `.ts` task module outside a `"type": "module"` package loads as CommonJS.
import { register } from 'tsx/esm/api';
import { register as registerCommonJs } from 'tsx/cjs/api';

register();
registerCommonJs();
// `qg show ... | head` closes the pipe early: stop quietly instead of printing EPIPE traces.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
