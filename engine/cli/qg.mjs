#!/usr/bin/env node
// The `qg` command: runs the compiled JavaScript in dist/ when it is up to date, else the
// TypeScript sources through tsx, so a clone works with or without a build (launch.mjs).
import { importEntry, saveCodeCache } from './launch.mjs';

// `qg show ... | head` closes the pipe early: stop quietly instead of printing EPIPE traces.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const argv = process.argv.slice(2);
const { main } = await importEntry('engine/cli/main', codeCacheKey(argv));
process.exitCode = await main(argv);
// only a run that worked: a mistyped command would leave a cache behind
if (process.exitCode === 0) saveCodeCache();

/**
 * The kind of run, for the code cache: the command, and whether it asks for help (`qg build
 * --help` runs other code than `qg build`), e.g. 'qg-build', 'qg-help', 'qg-show-help'.
 */
function codeCacheKey(args) {
  const command = args.find((a) => !a.startsWith('-'));
  const help = args.includes('--help') || args.includes('-h');
  if (command !== undefined && !/^[a-z][a-z-]{0,30}$/.test(command)) return null;
  return ['qg', command, help || command === undefined ? 'help' : null].filter(Boolean).join('-');
}
