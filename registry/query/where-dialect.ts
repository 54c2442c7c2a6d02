/**
 * What the --where compiler cannot write the same way on every database, as hooks each
 * dialect supplies (`registry/dialect/<name>/<name>-where-compiler.ts`, reached as
 * `db.dialect.where`), and the limits that keep one compiled expression within what both
 * databases accept.
 */

/** What the values of a JSON value list are read as. */
export type ValueListType = 'int' | 'float' | 'string';

/** A SQL fragment and the values bound to its `?` placeholders, in order. */
export interface SqlFragment {
  readonly sql: string;
  readonly bindings: readonly unknown[];
}

/** The dialect-specific spellings the where compiler needs. */
export interface WhereDialect {
  /**
   * A one-column SELECT over the items of a JSON array bound to its only `?`, each read as
   * `type` (integers exactly, beyond 2^53 too): a list of any length binds one value.
   */
  valueList(type: ValueListType): string;
  /**
   * `value` (an arithmetic result on data, of `type`), made to fail its statement with the
   * database's overflow error when the result left the type's range. PostgreSQL fails by
   * itself; SQLite would silently answer with a double (integers) or infinity (doubles).
   */
  checked(value: SqlFragment, type: 'int' | 'float'): SqlFragment;
  /** True for the error of a statement that failed on an arithmetic overflow. */
  isOverflow(error: unknown): boolean;
}

/**
 * The most values one compiled expression may bind. SQLite takes at most 32,766 parameters
 * in a statement (PostgreSQL 65,535); what is left is for the query around the expression.
 */
export const WHERE_MAX_BINDINGS = 30_000;

/** An IN list with more constant values than this binds them as one JSON array. */
export const WHERE_INLINE_VALUES = 1_000;
