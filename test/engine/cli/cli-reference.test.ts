/**
 * The README's command reference is generated from qg's own --help (engine/cli/cli-reference.ts,
 * `npm run docs`), so it must be what the generator gives now. Every command's --help has
 * examples, laid out to paste into bash: never wrapped, whatever the terminal's width, each line
 * a `# description` comment or a `qg` command line bash parses. All in-process (one bash -n per
 * example line).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { REFERENCE_END, REFERENCE_START, cliReference, readmeCliReference, referenceCommands, withCliReference, type CommandHelp } from '../../../engine/cli/cli-reference.js';
import { helpText, main } from '../../../engine/cli/main.js';

const README = new URL('../../../README.md', import.meta.url);

/** The lines of a help's Examples section, as printed (indented by two spaces). */
function examplesOf(help: string): string[] {
  const lines = help.split('\n');
  const start = lines.indexOf('Examples:');
  if (start < 0) return [];
  const end = lines.indexOf('', start);
  return lines.slice(start + 1, end < 0 ? lines.length : end);
}

describe('the command reference in README.md', () => {
  it('is what `npm run docs` generates from qg --help now', async () => {
    const inReadme = readmeCliReference(readFileSync(README, 'utf8'));
    expect(inReadme, `README.md has no ${REFERENCE_START} ... ${REFERENCE_END} lines: put them where the command reference goes, then run \`npm run docs\``).not.toBeNull();
    expect(inReadme, "README.md's command reference differs from qg --help (a command's describe, options, examples or epilog changed): run `npm run docs` and commit README.md")
      .toBe(await cliReference());
  });

  it('replaces only the text between the markers, and needs both', () => {
    const readme = `# qg\n\nintro\n${REFERENCE_START}\nold\n${REFERENCE_END}\nafter\n`;
    expect(withCliReference(readme, `${REFERENCE_START}\nnew\n${REFERENCE_END}`)).toBe(`# qg\n\nintro\n${REFERENCE_START}\nnew\n${REFERENCE_END}\nafter\n`);
    expect(() => withCliReference('# qg\n', 'x')).toThrow(/cli-reference:start/);
    expect(readmeCliReference(`${REFERENCE_END}\n${REFERENCE_START}\n`)).toBeNull();
  });
});

describe('examples in --help', () => {
  let commands: CommandHelp[];
  beforeAll(async () => {
    commands = await referenceCommands();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('every command has one, and each line is a comment or a qg command line that bash parses', () => {
    expect(commands.map((c) => c.path.join(' '))).toEqual(expect.arrayContaining(['repo create', 'query data-ids', 'build', 'run', 'pipeline check', 'submit', 'remove-runs']));
    const problems: string[] = [];
    for (const c of commands) {
      const name = `qg ${c.path.join(' ')}`;
      const lines = examplesOf(c.help);
      if (!lines.some((l) => l.startsWith(`  ${name} `) || l === `  ${name}`)) problems.push(`${name} --help has no example`);
      for (const line of lines) {
        if (line.startsWith('  # ')) continue;
        if (!line.startsWith(`  ${name}`)) {
          problems.push(`${name} --help: an example line is neither '# description' nor '${name} ...': ${line}`);
          continue;
        }
        const bash = spawnSync('bash', ['-n', '-c', line], { encoding: 'utf8' });
        if (bash.status !== 0) problems.push(`${name} --help: bash cannot parse ${line.trim()}: ${bash.stderr.trim()}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('are never wrapped: the same lines at 40 columns as without wrapping', async () => {
    for (const c of commands) {
      const unwrapped = examplesOf(await helpText(c.path, null));
      expect(examplesOf(await helpText(c.path, 40)), `qg ${c.path.join(' ')} --help`).toEqual(unwrapped);
      expect(examplesOf(c.help)).toEqual(unwrapped);
    }
    // the rest of the help is wrapped to the width
    const narrow = await helpText(['show'], 40);
    expect(narrow.split('\n').filter((l) => !examplesOf(narrow).includes(l)).every((l) => l.length <= 40)).toBe(true);
  });

  it('qg COMMAND --help prints them whole, at any terminal width', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const columns = Object.getOwnPropertyDescriptor(process.stdout, 'columns');
    Object.defineProperty(process.stdout, 'columns', { value: 60, configurable: true });
    try {
      expect(await main(['show', '--help'])).toBe(0);
    } finally {
      if (columns) Object.defineProperty(process.stdout, 'columns', columns);
      else delete (process.stdout as { columns?: number }).columns;
    }
    const printed = log.mock.calls.map((call) => call.join(' ')).join('\n');
    expect(printed).toContain("\n  qg show coadd.qg --format dot --upstream 'assembleCoadd:patch=24,band=r' --group-by visit --hide-standard | dot -Tsvg > up-by-visit.svg\n");
    expect(printed).toContain('\n  # One coadd and every quantum it depends on\n');
  });
});
