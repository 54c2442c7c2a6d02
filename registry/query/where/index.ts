/**
 * Public surface of the --where language without databases: the syntax tree, the parser, the
 * canonical printer, bind values, its errors and name suggestions. `qg show` filters graphs
 * with it at start-up, where registry/index.js (knex, Arrow, YAML: ~185 ms) would be too slow.
 */
export * from './where-ast.js';
export { WhereLexer, tokenizeWhere, isWhereKeyword, MAX_IDENTIFIER_PARTS } from './where-lexer.js';
export type { WhereToken, WhereKeyword, WherePunctuation } from './where-lexer.js';
export { parseWhere, WHERE_INT_MIN, WHERE_INT_MAX, WHERE_MAX_DEPTH } from './where-parser.js';
export { formatWhere } from './where-printer.js';
export { WhereSyntaxError } from './where-syntax-error.js';
export { readTimeLiteral } from './where-time-literal.js';
export type { ReadTimeLiteral } from './where-time-literal.js';
export { parseBinds } from '../bind-values.js';
export { WhereError } from '../query-errors.js';
export { suggest } from '../../universe/did-you-mean.js';
