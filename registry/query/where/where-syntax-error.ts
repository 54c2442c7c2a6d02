import { RegistryError } from '../../errors.js';

/**
 * A --where expression that cannot be read. `position` is the UTF-16 offset of the offending
 * character in the expression (the expression's length when it ended too early); `format()`
 * prints the expression's line with a caret under that character, then the message:
 *
 *     visit = 12 AND AND band='g'
 *                    ^
 *     unexpected AND: expected an expression
 *
 * For a multi-line expression the message is prefixed with `line L, column C: `.
 * `code` is always `WHERE_SYNTAX`.
 */
export class WhereSyntaxError extends RegistryError {
  override name = 'WhereSyntaxError';

  /**
   * @param message what is wrong, without position (the caret shows it)
   * @param position offset of the offending character
   * @param expression the whole expression, kept so `format()` can be called without it
   */
  constructor(message: string, readonly position: number, readonly expression: string) {
    super(message, 'WHERE_SYNTAX');
  }

  /**
   * The expression line holding `position`, a caret line under the exact character (tabs in
   * the line are repeated so the caret lines up), and the message. Lines are `\n`-separated.
   */
  format(expression: string = this.expression): string {
    const pos = Math.max(0, Math.min(this.position, expression.length));
    const lineStart = expression.lastIndexOf('\n', pos - 1) + 1;
    let lineEnd = expression.indexOf('\n', pos);
    if (lineEnd < 0) lineEnd = expression.length;
    const line = expression.slice(lineStart, lineEnd).replace(/\r$/, '');
    // Count code points, not UTF-16 units, so astral characters take one column.
    const pad = Array.from(expression.slice(lineStart, pos), (ch) => (ch === '\t' ? '\t' : ' ')).join('');
    if (!expression.includes('\n')) return [line, `${pad}^`, this.message].join('\n');
    const lineNo = expression.slice(0, lineStart).split('\n').length;
    const column = Array.from(expression.slice(lineStart, pos)).length + 1;
    return [line, `${pad}^`, `line ${lineNo}, column ${column}: ${this.message}`].join('\n');
  }
}
