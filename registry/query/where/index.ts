/**
 * Public surface of the --where language's parsing half: the syntax tree, the parser, the
 * canonical printer and the syntax error. Other folders import only from here.
 */
export * from './where-ast.js';
export { WhereLexer, tokenizeWhere, isWhereKeyword, MAX_IDENTIFIER_PARTS } from './where-lexer.js';
export type { WhereToken, WhereKeyword, WherePunctuation } from './where-lexer.js';
export { parseWhere, WHERE_INT_MIN, WHERE_INT_MAX, WHERE_MAX_DEPTH } from './where-parser.js';
export { formatWhere } from './where-printer.js';
export { WhereSyntaxError } from './where-syntax-error.js';
export { readTimeLiteral } from './where-time-literal.js';
export type { ReadTimeLiteral } from './where-time-literal.js';
