/**
 * Which element's region stands for a spatial family (observations, the sky map) in a set of
 * dimensions: the most specific one whose keys the set holds.
 */
import type { DimensionElement, DimensionGroup, DimensionUniverse } from './dimension-universe.js';

/** The element whose region represents a spatial family in a set of dimensions. */
export function regionElementFor(family: string, dimensions: ReadonlySet<string>, universe: DimensionUniverse): DimensionElement | null {
  const candidates = [...universe.elements.values()].filter((e) => e.spatial === family && e.hasTable && keysOf(e).every((d) => dimensions.has(d)));
  return mostSpecific(candidates);
}

/** The most specific region element (of any spatial family) whose keys a dimension group determines. */
export function regionElementForGroup(group: DimensionGroup, universe: DimensionUniverse): DimensionElement | null {
  const names = new Set(group.names);
  return mostSpecific(universe.spatialFamilies.map((f) => regionElementFor(f, names, universe)).filter((e): e is DimensionElement => e !== null));
}

/** The dimensions whose keys identify one of `e`'s records. */
function keysOf(e: DimensionElement): readonly string[] {
  return e.isDimension ? [...e.required, e.name] : e.required;
}

/** The element with the most dimensions (visit_detector_region over visit); the first of equals. */
function mostSpecific(elements: readonly DimensionElement[]): DimensionElement | null {
  let best: DimensionElement | null = null;
  for (const e of elements) if (!best || keysOf(e).length > keysOf(best).length) best = e;
  return best;
}
