/**
 * Files qg ships beside its sources: the default dimension universe and the instrument
 * translation configs. Compiled code (dist/qg.cjs, where `import.meta.url` names the source
 * folder) reads them from the source tree as well, so there is one copy, the one users see
 * and edit.
 */

/** registry/ of the sources. */
const REGISTRY_DIR = new URL('./', import.meta.url);

/** URL of the shipped file `relative` (to registry/, e.g. 'universe/default-universe.yaml'). */
export function shippedFile(relative: string): URL {
  return new URL(relative, REGISTRY_DIR);
}
