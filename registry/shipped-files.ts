/**
 * Files qg ships beside its sources: the default dimension universe and the instrument
 * translation configs. Compiled code (dist/registry/...) reads them from the source tree as
 * well, so there is one copy, the one users see and edit.
 */

/** registry/ of the sources, whether this module runs from there or from dist/registry/. */
const REGISTRY_DIR = new URL(import.meta.url.endsWith('.ts') ? './' : '../../registry/', import.meta.url);

/** URL of the shipped file `relative` (to registry/, e.g. 'universe/default-universe.yaml'). */
export function shippedFile(relative: string): URL {
  return new URL(relative, REGISTRY_DIR);
}
