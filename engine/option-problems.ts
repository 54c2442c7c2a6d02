/**
 * What is wrong with a numeric option, in one wording for every place that checks one (the
 * CLI before it starts anything, `runGraph` and job clustering for library callers).
 */

/** Why `value` of option `name` is not an integer >= `min`, or null when it is (or is not given). */
export function integerProblem(name: string, value: unknown, min: number): string | null {
  return value !== undefined && (!Number.isInteger(value) || (value as number) < min) ? `${name} must be an integer >= ${min}, got ${String(value)}` : null;
}

/** Why `seconds` is not a usable --timeout, or null when it is (or is not given). */
export function timeoutProblem(seconds: unknown): string | null {
  return seconds !== undefined && !((seconds as number) > 0) ? `--timeout must be a positive number of seconds, got ${String(seconds)}` : null;
}
