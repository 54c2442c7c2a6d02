/**
 * TypeScript task modules under compiled qg. Run from dist/, Node imports only JavaScript:
 * a pipeline's `run: {module: ./x.ts}` or a `.ts` task library needs tsx, which costs
 * ~0.1-0.3 s to load and hooks every later import, so it is registered in a thread only when
 * that thread first imports such a module, not at every start. Run from the sources (through
 * tsx, or under vitest), TypeScript already loads and nothing is registered.
 */
import { importModule } from './module-import.js';

/** Whether this thread runs the compiled JavaScript (this file's own extension says so). */
const COMPILED = !import.meta.url.endsWith('.ts');

/** Extensions tsx compiles. */
const TYPESCRIPT = /\.[cm]?tsx?$/i;

let registered: Promise<void> | undefined;

/**
 * Resolves once `url` (a file URL) can be imported in this thread: at once for JavaScript,
 * or under a TypeScript-aware loader already; otherwise after registering tsx (for ES modules
 * and CommonJS, as a `.ts` file outside a `"type": "module"` package loads as CommonJS), once
 * per thread.
 */
export function prepareImport(url: string): Promise<void> {
  if (!COMPILED || !TYPESCRIPT.test(new URL(url).pathname)) return Promise.resolve();
  registered ??= (async () => {
    const [esm, cjs] = await Promise.all([importModule<typeof import('tsx/esm/api')>('tsx/esm/api'), importModule<typeof import('tsx/cjs/api')>('tsx/cjs/api')]);
    esm.register();
    cjs.register();
  })();
  return registered;
}
