/** Errors of the query layer that point into the user's --where expression. */
import { RegistryError, type WhereErrorCode } from '../errors.js';
import { WhereSyntaxError } from './where/where-syntax-error.js';

/**
 * A --where expression that parses but cannot be run: an unknown name, a type mismatch, a
 * constraint that can never match. `format()` prints the expression with a caret under the
 * offending part, like a syntax error.
 */
export class WhereError extends RegistryError {
  override name = 'WhereError';
  constructor(message: string, readonly position: number, readonly expression: string, override readonly code: WhereErrorCode) {
    super(message, code);
  }

  /** The expression, a caret line and the message. */
  format(): string {
    return new WhereSyntaxError(this.message, this.position, this.expression).format();
  }
}

/** A query that can be proved empty before running (with the reason). */
export class EmptyQueryError extends RegistryError {
  override name = 'EmptyQueryError';
  constructor(message: string, readonly position?: number, readonly expression?: string) {
    super(message, 'QUERY_EMPTY');
  }

  /** The message, with a caret under the responsible term when known. */
  format(): string {
    return this.position !== undefined && this.expression !== undefined
      ? new WhereSyntaxError(this.message, this.position, this.expression).format()
      : this.message;
  }
}
