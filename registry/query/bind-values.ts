/** Bind parameters for --where expressions (`--bind name=value`). */
import { RegistryError } from '../errors.js';
import { checkInt64 } from './where-constants.js';

/** A bound value: a scalar or a list (for `IN`). */
export type BindValue = string | number | bigint | readonly (string | number | bigint)[];

/**
 * Reads one `--bind` value: integers become numbers (bigints past 2^53, so they stay exact),
 * floats numbers, anything else a string (without enclosing quotes); commas make a list.
 * @throws RegistryError (`WHERE_BIND`) for an integer outside the 64-bit range, as a literal
 *   in the expression would be refused.
 */
export function parseBindText(text: string): BindValue {
  const one = (t: string): string | number | bigint => {
    const s = t.trim();
    if (/^[-+]?\d+$/.test(s)) {
      const value = checkInt64(BigInt(s), (why) => {
        throw new RegistryError(`--bind value ${why}`, 'WHERE_BIND');
      });
      return Number.isSafeInteger(Number(value)) ? Number(value) : value;
    }
    if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return Number(s);
    return s.replace(/^'(.*)'$/, '$1');
  };
  return text.includes(',') ? text.split(',').map(one) : one(text);
}

/** Parses `name=value` pairs (as given on the command line) into a bind map. */
export function parseBinds(pairs: readonly string[]): Map<string, BindValue> {
  const out = new Map<string, BindValue>();
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new RegistryError(`--bind '${pair}': expected name=value with a plain name`, 'WHERE_BIND');
    out.set(name, parseBindText(pair.slice(eq + 1)));
  }
  return out;
}
