/** Errors of the planner. */

/** Root of planning errors; `code` is stable (the CLI maps codes to exit statuses). */
export class PlanningError extends Error {
  override name = 'PlanningError';
  constructor(message: string, readonly code: string = 'PLANNING') {
    super(message);
  }
}

/** The graph came out empty; `reasons` say why, most likely first. */
export class EmptyGraphError extends PlanningError {
  override name = 'EmptyGraphError';
  constructor(message: string, readonly reasons: readonly string[], readonly reproduce?: string) {
    super(message, 'GRAPH_EMPTY');
  }

  /** The message, the ranked reasons, and the command to reproduce. */
  format(): string {
    return [this.message, ...this.reasons.map((r, i) => `  ${i + 1}. ${r}`), ...(this.reproduce ? ['', `reproduce: ${this.reproduce}`] : [])].join('\n');
  }
}
