/**
 * Storage classes that name the same thing on disk, so a connection may read a dataset type
 * under either: the pipeline graph accepts producers and consumers that disagree only this
 * way, and the planner accepts it against the registry's definition. Every other pair of
 * different storage classes is a conflict.
 */

/** Groups of mutually convertible storage classes. */
export const CONVERTIBLE_STORAGE_CLASSES: readonly (readonly string[])[] = [
  // Raw frames are read as plain exposures.
  ['Exposure', 'ExposureF'],
];

/** True when `a` and `b` are the same storage class or declared convertible. */
export function storageClassesCompatible(a: string, b: string): boolean {
  return a === b || CONVERTIBLE_STORAGE_CLASSES.some((group) => group.includes(a) && group.includes(b));
}
