#!/usr/bin/env node
// `npm run docs`: rewrites the command reference in README.md (between its cli-reference
// markers) from qg's own --help (cli-reference.ts). `--check`: change nothing, exit 1 if the
// README's reference is not what qg's --help says now.
import { readFileSync, writeFileSync } from 'node:fs';
import { importEntry } from './launch.mjs';

const README = new URL('../../README.md', import.meta.url);
const { cliReference, withCliReference } = await importEntry('engine/cli/cli-reference');
const readme = readFileSync(README, 'utf8');
const updated = withCliReference(readme, await cliReference());
if (process.argv.includes('--check')) {
  console.log(updated === readme ? 'README.md: the command reference is up to date' : 'README.md: the command reference differs from qg --help; run `npm run docs`');
  process.exitCode = updated === readme ? 0 : 1;
} else if (updated === readme) {
  console.log('README.md: the command reference is up to date');
} else {
  writeFileSync(README, updated);
  console.log('README.md: command reference rewritten from qg --help');
}
