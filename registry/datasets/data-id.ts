/** Data IDs: dimension name -> key value, checked against a dimension group. */
import { RegistryError } from '../errors.js';
import type { DimensionGroup, DimensionUniverse } from '../universe/dimension-universe.js';

/** A data ID: key values by dimension name. */
export type DataId = Readonly<Record<string, string | number>>;

/** Error for a data ID that lacks keys or has values of the wrong type. */
export class DataIdError extends RegistryError {
  override name = 'DataIdError';
  constructor(message: string) {
    super(message, 'DATA_ID');
  }
}

/**
 * The required key values of `dataId` for `group`, in the group's order, type-checked
 * (integers for int keys, strings for string keys; numeric strings are accepted for ints).
 * Extra keys (implied values) are ignored.
 */
export function requiredValues(group: DimensionGroup, dataId: DataId, what = 'data ID'): (string | number)[] {
  return group.required.map((d) => {
    const value = dataId[d];
    if (value === undefined || value === null) {
      throw new DataIdError(`${what} ${formatDataId(dataId)} lacks '${d}' (required: ${group.required.join(', ')})`);
    }
    return checkKeyValue(group.universe, d, value, what);
  });
}

/** Checks (and coerces) one key value for dimension `d`. */
export function checkKeyValue(universe: DimensionUniverse, d: string, value: unknown, what = 'data ID'): string | number {
  const type = universe.dimension(d).key!.type;
  if (type === 'int') {
    const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new DataIdError(`${what}: '${d}' must be an integer, got ${JSON.stringify(value)}`);
    return n;
  }
  if (typeof value !== 'string' && typeof value !== 'number') throw new DataIdError(`${what}: '${d}' must be a string, got ${JSON.stringify(value)}`);
  return String(value);
}

/** `{instrument: 'X', detector: 1}` as compact text for messages. */
export function formatDataId(dataId: DataId): string {
  return `{${Object.entries(dataId).map(([k, v]) => `${k}: ${typeof v === 'string' ? `'${v}'` : v}`).join(', ')}}`;
}

/** Builds a data ID object from a group's required names and values. */
export function makeDataId(names: readonly string[], values: readonly unknown[]): DataId {
  const out: Record<string, string | number> = {};
  names.forEach((n, i) => (out[n] = values[i] as string | number));
  return out;
}
