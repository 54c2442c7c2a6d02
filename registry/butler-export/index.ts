/** Public surface of LSST butler exports: importing an export's YAML (and files) into a repository, and writing one. */
export { importButlerExport, type ImportOptions, type ImportSummary } from './butler-import.js';
export { exportButlerYaml } from './butler-export.js';
