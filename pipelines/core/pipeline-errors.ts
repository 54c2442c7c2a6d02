/** Errors about pipelines: YAML problems (with file, line and key) and graph problems. */

/** Root of pipeline errors; `code` is stable. */
export class PipelineError extends Error {
  override name = 'PipelineError';
  constructor(message: string, readonly code: string = 'PIPELINE') {
    super(message);
  }
}
