/**
 * Constants of a --where expression, checked in JS before any SQL runs, so both databases
 * see only values they can hold and arithmetic on constants that neither overflows: SQLite
 * answers an out-of-range result (as a double, or infinity) where PostgreSQL fails, and
 * PostgreSQL folds constant arithmetic while planning, before it reads a row.
 */
import { WHERE_INT_MAX, WHERE_INT_MIN } from './where/index.js';

/** A numeric constant: an exact integer or a double. */
export type NumericConstant = bigint | number;

/** Why a value cannot be used, for `fail`. */
type Fail = (why: string) => never;

/** Fails unless `value` is a 64-bit signed integer. */
export function checkInt64(value: bigint, fail: Fail): bigint {
  if (value < WHERE_INT_MIN || value > WHERE_INT_MAX) fail(`${value} is outside the 64-bit integer range`);
  return value;
}

/**
 * A double as PostgreSQL's float8 arithmetic accepts it: `result` of finite `operands` must
 * be finite, and may be 0 only when an operand of a product or quotient is 0 (PostgreSQL
 * reports underflow; SQLite would answer 0).
 */
function checkDouble(result: number, op: string, a: number, b: number, fail: Fail): number {
  if (!Number.isFinite(result)) fail(`${a} ${op} ${b} is outside the range of a double`);
  if (result === 0 && a !== 0 && b !== 0 && (op === '*' || op === '/')) fail(`${a} ${op} ${b} is too small for a double (underflow)`);
  return result;
}

/**
 * `l op r` as both databases compute it: exact integer arithmetic with truncating division
 * when both are integers, doubles otherwise; `null` where SQL gives NULL (a division or a
 * remainder by zero). Calls `fail` where PostgreSQL would fail.
 */
export function foldArithmetic(op: '+' | '-' | '*' | '/' | '%', l: NumericConstant, r: NumericConstant, fail: Fail): NumericConstant | null {
  if ((op === '/' || op === '%') && Number(r) === 0) return null;
  if (typeof l === 'bigint' && typeof r === 'bigint') {
    switch (op) {
      case '+': return checkInt64(l + r, fail);
      case '-': return checkInt64(l - r, fail);
      case '*': return checkInt64(l * r, fail);
      case '/': return checkInt64(l / r, fail);
      case '%': return l % r;
    }
  }
  const a = Number(l), b = Number(r);
  switch (op) {
    case '+': return checkDouble(a + b, op, a, b, fail);
    case '-': return checkDouble(a - b, op, a, b, fail);
    case '*': return checkDouble(a * b, op, a, b, fail);
    default: return checkDouble(a / b, op, a, b, fail);
  }
}

/** `-value`, failing for the one integer whose negation overflows. */
export function foldNegation(value: NumericConstant, fail: Fail): NumericConstant {
  return typeof value === 'bigint' ? checkInt64(-value, fail) : -value;
}

/**
 * A literal or bound value as a constant of the language: integers (a JS integer up to 2^53, or a
 * bigint) must fit 64 bits, other numbers must be finite doubles, strings must hold no NUL
 * (PostgreSQL text cannot). Calls `fail` otherwise.
 */
export function constantValue(value: string | number | bigint, fail: Fail): string | NumericConstant {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) fail('a string holds a NUL character (U+0000), which PostgreSQL cannot store');
    return value;
  }
  if (typeof value === 'bigint') return checkInt64(value, fail);
  if (!Number.isFinite(value)) fail(`${value} is not a finite number`);
  return Number.isSafeInteger(value) ? BigInt(value) : value;
}

/**
 * The JSON array text of a value list: integers with all their digits (JSON.stringify cannot
 * write a bigint, and a double would round them), strings made well-formed first (a lone
 * surrogate becomes U+FFFD, as the drivers do for a single value).
 */
export function jsonArray(values: readonly (string | NumericConstant)[]): string {
  const item = (v: string | NumericConstant): string =>
    typeof v === 'string' ? JSON.stringify(Buffer.from(v, 'utf8').toString('utf8')) : String(v);
  return `[${values.map(item).join(',')}]`;
}
