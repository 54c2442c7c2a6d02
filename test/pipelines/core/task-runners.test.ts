/**
 * Task runners (pipelines/core/task-runners.ts): placeholders found and expanded (only the
 * four groups; every other brace left alone), shell quoting checked by /bin/sh itself on
 * awkward strings, config values as words, command templates checked against their task,
 * and task modules loaded (a `run` export, a missing one, a missing file).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  commandPlaceholders, commandProblems, configWords, expandCommand, loadTaskRun, PipelineError, runnerStartProblem, shellQuote, type RunnerTarget,
} from '../../../pipelines/index.js';
import { tempDir } from '../../support/test-repos.js';

/** What /bin/sh makes of `words`: the arguments it passes to a command. */
function shellWords(words: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${words}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

const AWKWARD = ['plain', 'a b', "it's", '"double"', '$HOME', '${HOME}', '`id`', '$(id)', 'a;b', 'a|b', 'a&b', '*', '?', '~', '~/x', '-n', '', ' ', 'tab\there', 'new\nline', 'back\\slash', "''", 'ünïcødé', '#hash', 'x=1', '!bang', '{a,b}'];

describe('command templates', () => {
  it('finds the four kinds of placeholder and nothing else', () => {
    const template = "awk '{print $1}' {inputs.calexp} ${HOME} {outputs.summary} {dataId.visit} {config.connections.x} {inputs} {other.x} {inputs.a-b}";
    expect(commandPlaceholders(template)).toEqual([
      { group: 'inputs', key: 'calexp' }, { group: 'outputs', key: 'summary' }, { group: 'dataId', key: 'visit' }, { group: 'config', key: 'connections.x' },
    ]);
  });

  it('quotes so that the shell gives back every string as one word, unchanged', () => {
    for (const s of AWKWARD) expect(shellWords(shellQuote(s)), JSON.stringify(s)).toEqual([s]);
    expect(shellWords(AWKWARD.map(shellQuote).join(' '))).toEqual(AWKWARD);
    expect(shellQuote('/data/run_1/calexp-3.fits')).toBe('/data/run_1/calexp-3.fits');
  });

  it('expands each placeholder to its words, quoted; none for an empty list', () => {
    const words: Record<string, string[]> = { 'inputs.calexp': ['/a b/1.fits', '/a b/2.fits'], 'outputs.out': ['/o.json'], 'config.none': [] };
    const command = expandCommand('cat {inputs.calexp} {config.none}> {outputs.out}; echo {inputs.calexp}', (p) => words[`${p.group}.${p.key}`]!);
    expect(command).toBe("cat '/a b/1.fits' '/a b/2.fits' > /o.json; echo '/a b/1.fits' '/a b/2.fits'");
  });

  it('config values: strings as they are, lists as one word each, other values as JSON', () => {
    expect(configWords('a b')).toEqual(['a b']);
    expect(configWords(3.5)).toEqual(['3.5']);
    expect(configWords(true)).toEqual(['true']);
    expect(configWords(['g', 'r', 2])).toEqual(['g', 'r', '2']);
    expect(configWords({ a: [1] })).toEqual(['{"a":[1]}']);
    expect(configWords(null)).toEqual(['null']);
  });

  it('a template may name only what its task has, and must name every output', () => {
    const target = (command: string): RunnerTarget & { runner: { command: string } } => ({
      label: 'summarize', runner: { command }, dataIdKeys: ['instrument', 'visit'], config: { threshold: 5 }, inputs: ['calexp', 'refCat'], outputs: ['summary'],
    });
    expect(commandProblems(target('run {inputs.calexp} {inputs.refCat} {dataId.visit} {config.threshold} > {outputs.summary}'))).toEqual([]);
    expect(commandProblems(target('run {inputs.calexps} {dataId.band} {config.thresh} {outputs.summary} {outputs.other}'))).toEqual([
      "task 'summarize': command placeholder {inputs.calexps}: the task has no input or prerequisite connection 'calexps' (inputs: calexp, refCat)",
      "task 'summarize': command placeholder {dataId.band}: the task has no data-ID key 'band' (dataId: instrument, visit)",
      "task 'summarize': command placeholder {config.thresh}: the task has no config field 'thresh' (config: threshold)",
      "task 'summarize': command placeholder {outputs.other}: the task has no output connection 'other' (outputs: summary)",
    ]);
    expect(commandProblems(target('run {inputs.calexp}'))).toEqual([
      "task 'summarize': the command never names output 'summary' ({outputs.summary} is where it must write it)",
    ]);
  });
});

describe('task modules', () => {
  const dir = tempDir('qg-task-modules-');
  afterAll(() => dir.cleanup());

  it('loads the run export (once per path), and says what is wrong with a module that has none', async () => {
    const good = join(dir.path, 'good.mjs');
    writeFileSync(good, 'export function run(input) { return { outputs: { out: input.dataId } }; }\n');
    const run = await loadTaskRun(good);
    expect(await run({ dataId: { visit: 1 }, config: {}, inputs: {}, inputDataIds: {}, log: () => {} })).toEqual({ outputs: { out: { visit: 1 } } });
    expect(loadTaskRun(good)).toBe(loadTaskRun(good));

    const bad = join(dir.path, 'bad.mjs');
    writeFileSync(bad, 'export const runner = 1;\n');
    const e = await loadTaskRun(bad).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PipelineError);
    expect(e).toMatchObject({ code: 'TASK_MODULE', message: `task module ${bad} does not export a function run(input) (exports: runner)` });

    const broken = join(dir.path, 'broken.mjs');
    writeFileSync(broken, 'export function run( {\n');
    expect(await loadTaskRun(broken).catch((x: unknown) => x)).toMatchObject({ code: 'TASK_MODULE', message: expect.stringContaining(`cannot load task module ${broken}`) });
  });

  it('a runner cannot start without its module file or with an empty command', async () => {
    expect(await runnerStartProblem('t', { module: join(dir.path, 'nowhere.ts') })).toBe(`task 't': task module ${join(dir.path, 'nowhere.ts')} does not exist`);
    expect(await runnerStartProblem('t', { command: '  ' })).toBe("task 't': its command is empty");
    expect(await runnerStartProblem('t', { command: 'true' })).toBeNull();
  });
});
