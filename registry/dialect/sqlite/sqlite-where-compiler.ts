/** SQLite's spelling of the --where compiler's hooks. */
import type { WhereDialect } from '../../query/index.js';

/**
 * Fails the statement with SQLite's own "integer overflow" error (the absolute value of the
 * smallest integer); inside CASE it is evaluated only when reached.
 */
const FAIL = 'abs(-9223372036854775807 - 1)';
/** The largest double: only an overflowed result (infinity) is above it. */
const MAX_DOUBLE = '1.7976931348623157e308';

/**
 * SQLite: value lists through `json_each`; arithmetic on data re-checked, because SQLite
 * turns an integer overflow into a double and a double overflow into infinity, where
 * PostgreSQL fails.
 */
export const SQLITE_WHERE: WhereDialect = Object.freeze<WhereDialect>({
  valueList: () => 'SELECT value FROM json_each(?)',
  checked: ({ sql, bindings }, type) => ({
    sql: `CASE WHEN ${type === 'int' ? `typeof(${sql}) = 'real'` : `abs(${sql}) > ${MAX_DOUBLE}`} THEN ${FAIL} ELSE ${sql} END`,
    bindings: [...bindings, ...bindings],
  }),
  isOverflow: (error) => error instanceof Error && error.message === 'integer overflow',
});
