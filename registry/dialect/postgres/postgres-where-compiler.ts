/** PostgreSQL's spelling of the --where compiler's hooks. */
import type { ValueListType, WhereDialect } from '../../query/index.js';

const SQL_TYPE: Readonly<Record<ValueListType, string>> = { int: 'BIGINT', float: 'DOUBLE PRECISION', string: 'TEXT' };

/** SQLSTATE numeric_value_out_of_range: "bigint out of range", "value out of range: overflow". */
const OUT_OF_RANGE = '22003';

/**
 * PostgreSQL: value lists through `json_array_elements_text` (the text of each item, cast, so
 * 64-bit integers stay exact); arithmetic needs no check, as PostgreSQL fails on overflow.
 */
export const POSTGRES_WHERE: WhereDialect = Object.freeze<WhereDialect>({
  valueList: (type) => `SELECT CAST(value AS ${SQL_TYPE[type]}) FROM json_array_elements_text(CAST(? AS JSON))`,
  checked: (value) => value,
  isOverflow: (error) => (error as { code?: unknown } | null)?.code === OUT_OF_RANGE,
});
