/**
 * Runs `qg` in-process for CLI tests: console output (and, when asked, direct writes to
 * stdout) is captured per call instead of printed. Call it inside a describe block: it
 * registers that block's beforeEach/afterEach hooks.
 */
import { afterEach, beforeEach, vi, type MockInstance } from 'vitest';
import { main } from '../../engine/cli/main.js';

/** What one `qg` call returned and printed. */
export interface CliResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The runner of `qg` calls; `captureWrites` also collects `process.stdout.write` into stdout. */
export function cliRunner(options: { captureWrites?: boolean } = {}): (...argv: string[]) => Promise<CliResult> {
  let log: MockInstance<typeof console.log>;
  let err: MockInstance<typeof console.error>;
  let written = '';
  beforeEach(() => {
    log = vi.spyOn(console, 'log').mockImplementation(() => {});
    err = vi.spyOn(console, 'error').mockImplementation(() => {});
    if (options.captureWrites) {
      vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
        written += String(s);
        return true;
      });
    }
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });
  const lines = (m: MockInstance<typeof console.log>) => m.mock.calls.map((c) => c.join(' ')).join('\n');
  return async (...argv) => {
    log.mockClear();
    err.mockClear();
    written = '';
    const status = await main(argv);
    return { status, stdout: lines(log) + written, stderr: lines(err) };
  };
}
