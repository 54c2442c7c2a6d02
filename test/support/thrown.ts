/**
 * Expecting errors of a given class: the error comes back for the test to check its `code`
 * and message.
 */
import { expect } from 'vitest';

/** Calls `fn` expecting it to throw an instance of `type`; returns the error (fails the test otherwise). */
export function thrownAs<E extends Error>(type: abstract new (...args: never[]) => E, fn: () => unknown): E {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(type);
    return e as E;
  }
  throw new Error(`expected a ${type.name}`);
}
