#!/usr/bin/env node
// `npm run demo`: the main job end to end on the embedded SQLite default (see demo.ts).
import { register } from 'tsx/esm/api';

register();
const { runDemo } = await import('./demo.ts');
process.exitCode = await runDemo(process.argv.slice(2));
