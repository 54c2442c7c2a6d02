/**
 * The README's command reference, generated from qg's own `--help` (`npm run docs`, through
 * engine/cli/docs.mjs), so that it cannot drift from the commands' definitions: a table of every
 * command (its usage with the options it requires, and its description), then each command's
 * full `--help` in a collapsed block. The text depends on nothing but the definitions: help laid
 * out 100 columns wide whatever the terminal, no paths, no times. test/engine/cli/cli-reference.test.ts
 * fails when README.md holds anything else between the markers.
 */
import { helpText } from './main.js';

/** The lines around the generated text in README.md. */
export const REFERENCE_START = '<!-- cli-reference:start -->';
export const REFERENCE_END = '<!-- cli-reference:end -->';

/** The width the reference's help text is laid out for (that of a wide terminal; examples are never wrapped). */
export const REFERENCE_WIDTH = 100;

/** A command that runs (not a group of commands), as its `--help` describes it. */
export interface CommandHelp {
  /** The words that name it: ['repo', 'create']. */
  readonly path: readonly string[];
  /** Its usage with the options it requires: `qg query datasets <types..> -b <repo> -c <collections..>`. */
  readonly synopsis: string;
  /** Its one-line description. */
  readonly describe: string;
  /** Its `--help`, laid out REFERENCE_WIDTH columns wide. */
  readonly help: string;
}

/** The lines of the section of unwrapped `help` under the line `title`, up to a blank line. */
function sectionLines(help: string, title: string): string[] {
  const lines = help.split('\n');
  const start = lines.indexOf(title);
  if (start < 0) return [];
  const end = lines.indexOf('', start);
  return lines.slice(start + 1, end < 0 ? lines.length : end);
}

/** The commands the Commands section of unwrapped `help` lists: usage (`qg repo create <repo>`) and description. */
function listedCommands(help: string): { usage: string; describe: string }[] {
  return sectionLines(help, 'Commands:').map((line) => {
    const [usage = '', describe = ''] = line.trim().split(/\s{2,}/);
    return { usage, describe };
  });
}

/**
 * The options marked [required] in unwrapped `help`, as a synopsis shows them: the one-letter
 * switch if there is one, else the option's name, and a placeholder named after the option
 * (`-b <repo>`, `--instrument <instrument>`, `-i <input..>` for a list).
 */
function requiredOptions(help: string): string[] {
  return sectionLines(help, 'Options:').filter((line) => /\[required\]\s*$/.test(line)).map((line) => {
    const switches = line.trim().split(/\s{2,}/)[0]!.split(/,\s*/);
    const name = switches.find((s) => s.startsWith('--'))!.slice(2);
    const short = switches.find((s) => /^-[^-]$/.test(s));
    return `${short ?? `--${name}`} <${name}${/\[array\]/.test(line) ? '..' : ''}>`;
  });
}

/** Every command that runs, in the order of `qg --help` (a group's commands in the order of its --help). */
export async function referenceCommands(): Promise<CommandHelp[]> {
  const commands: CommandHelp[] = [];
  const visit = async (listing: string): Promise<void> => {
    for (const { usage, describe } of listedCommands(listing)) {
      // the words after `qg` up to the first positional (<repo>, [graph])
      const words = usage.split(/\s+/).slice(1);
      const positional = words.findIndex((w) => /^[<[]/.test(w));
      const path = positional < 0 ? words : words.slice(0, positional);
      const help = await helpText(path, null);
      if (sectionLines(help, 'Commands:').length) {
        await visit(help);
        continue;
      }
      commands.push({ path, synopsis: [usage, ...requiredOptions(help)].join(' '), describe, help: await helpText(path, REFERENCE_WIDTH) });
    }
  };
  await visit(await helpText([], null));
  return commands;
}

/** `text` for a Markdown table cell: `|` escaped; outside `code`, `<`, `>` and `*` too. */
function cell(text: string): string {
  return text.split(/(`[^`]*`)/).map((part, i) => (i % 2 ? part : part.replace(/[<>*]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '*': '\\*' })[c]!)))
    .join('').replace(/\|/g, '\\|');
}

/** The Markdown README.md holds between REFERENCE_START and REFERENCE_END (the markers included). */
export async function cliReference(): Promise<string> {
  const commands = await referenceCommands();
  const fence = (text: string) => (text.includes('```') ? '~~~~' : '```');
  return [
    REFERENCE_START,
    '<!-- Generated from `qg --help` by `npm run docs` (engine/cli/cli-reference.ts): change the commands\' texts, then run it. -->',
    '',
    '| command | what it does |',
    '|---|---|',
    ...commands.map((c) => `| \`${c.synopsis.replace(/\|/g, '\\|')}\` | ${cell(c.describe)} |`),
    '',
    "Each command's `--help` (every option, its default, and examples):",
    '',
    ...commands.flatMap((c) => [
      `<details><summary><code>qg ${c.path.join(' ')} --help</code></summary>`,
      '',
      `${fence(c.help)}text`,
      c.help,
      fence(c.help),
      '',
      '</details>',
      '',
    ]),
    REFERENCE_END,
  ].join('\n');
}

/** `readme` with the text between its markers (and the markers) replaced by `reference`. */
export function withCliReference(readme: string, reference: string): string {
  const [start, end] = referenceBounds(readme);
  return readme.slice(0, start) + reference + readme.slice(end);
}

/** The command reference `readme` holds (markers included), or null without markers. */
export function readmeCliReference(readme: string): string | null {
  try {
    const [start, end] = referenceBounds(readme);
    return readme.slice(start, end);
  } catch {
    return null;
  }
}

/** Where the reference starts and ends in `readme` (the markers included). */
function referenceBounds(readme: string): [number, number] {
  const start = readme.indexOf(REFERENCE_START);
  const end = readme.indexOf(REFERENCE_END, start);
  if (start < 0 || end < 0) throw new Error(`README.md has no ${REFERENCE_START} ... ${REFERENCE_END} lines to put the command reference between`);
  return [start, end + REFERENCE_END.length];
}
