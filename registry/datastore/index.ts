/**
 * Public surface of the datastore alone: files under the repository root, their templates and
 * formatters, FITS. Worker threads load this instead of registry/index.js, which brings the
 * SQL registry (knex, Arrow, YAML: ~185 ms of start-up against ~18 ms here).
 */
export { Datastore, sha256, type StoredFile } from './datastore.js';
export { renderTemplate } from './file-template.js';
export { formatterFor, loadFormatters } from './formatters.js';
