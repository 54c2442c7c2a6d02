#!/usr/bin/env node
// `npm run demo`: the main job end to end on the embedded SQLite default (see demo.ts),
// compiled (dist/) when up to date, else from the sources (launch.mjs).
import { importEntry } from './launch.mjs';

const { runDemo } = await importEntry('engine/cli/demo');
process.exitCode = await runDemo(process.argv.slice(2));
