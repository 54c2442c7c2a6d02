#!/usr/bin/env node
// The `qg` command: runs the compiled JavaScript in dist/ when it is up to date, else the
// TypeScript sources through tsx, so a clone works with or without a build (launch.mjs).
import { importEntry } from './launch.mjs';

// `qg show ... | head` closes the pipe early: stop quietly instead of printing EPIPE traces.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const { main } = await importEntry('engine/cli/main');
process.exitCode = await main(process.argv.slice(2));
