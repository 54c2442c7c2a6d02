/**
 * `import()` of a module outside qg's own code: a user's task module, tsx, h5wasm, a Node
 * built-in. Compiled qg runs from V8's code cache (engine/cli/launch.mjs), and Node 20 loses
 * the loader of `import()` in code restored from one ("A dynamic import callback was not
 * specified"), so the launcher, an ES module of its own, lends its `import()` under this
 * symbol. Elsewhere (the sources, tests) it is the plain one.
 */
const LAUNCHER_IMPORT = Symbol.for('qg.launcher.import');

/** Imports `specifier`: a URL, or a package or built-in name as seen from qg's folder. */
export function importModule<T = Record<string, unknown>>(specifier: string): Promise<T> {
  const lent = (globalThis as Record<symbol, ((s: string) => Promise<unknown>) | undefined>)[LAUNCHER_IMPORT];
  return (lent ? lent(specifier) : import(specifier)) as Promise<T>;
}
