/**
 * Pipeline files are bounded YAML: an alias bomb of about 1.3 KB and a file over the size
 * limit fail fast with YAML_LIMIT naming the file, while ordinary anchors still work.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPipeline, TASK_LIBRARY } from '../../../pipelines/index.js';
import { PIPELINE_YAML_LIMITS, YamlLimitError } from '../../../registry/index.js';
import { tempDir } from '../../support/test-repos.js';
import { thrownAs } from '../../support/thrown.js';

const dir = tempDir('qg-pipeline-limits-');
afterAll(() => dir.cleanup());

/** Writes `text` to `name` in the temp folder; returns its path. */
function file(name: string, text: string): string {
  const path = join(dir.path, name);
  writeFileSync(path, text);
  return path;
}

/** Nine levels of nine aliases each under `parameters` (9^9 strings when expanded). */
function aliasBomb(): string {
  const names = 'abcdefghi';
  let text = `  ${names[0]}: &${names[0]} [${Array(9).fill(`"${'lol'.repeat(30)}"`).join(', ')}]\n`;
  for (let i = 1; i < names.length; i++) text += `  ${names[i]}: &${names[i]} [${Array(9).fill(`*${names[i - 1]}`).join(', ')}]\n`;
  return `description: bomb\nparameters:\n${text}tasks:\n  isr: IsrTask\n`;
}

describe('pipeline YAML limits', () => {
  it('a 1.3 KB alias bomb fails fast with YAML_LIMIT naming the file', () => {
    const text = aliasBomb();
    expect(text.length).toBeGreaterThan(1000);
    expect(text.length).toBeLessThan(1500);
    const path = file('bomb.yaml', text);
    const start = performance.now();
    const e = thrownAs(YamlLimitError, () => loadPipeline(path, TASK_LIBRARY));
    expect(e.code).toBe('YAML_LIMIT');
    expect(e.message).toContain(path);
    expect(e.message).toContain('alias');
    expect(performance.now() - start).toBeLessThan(5_000);
  });

  it('ordinary anchors and aliases still load', () => {
    const path = file('anchors.yaml', 'description: anchors\nparameters:\n  shared: &s 3\ntasks:\n  isr:\n    class: IsrTask\n    config: {}\nsubsets:\n  a: &a [isr]\n  b: *a\n');
    expect([...loadPipeline(path, TASK_LIBRARY).subsets.get('b')!.labels]).toEqual(['isr']);
  });

  it('a file over the size limit is refused before it is parsed', () => {
    const path = file('huge.yaml', `description: huge\n${'# padding\n'.repeat(PIPELINE_YAML_LIMITS.maxBytes / 10 + 1)}tasks: {}\n`);
    const e = thrownAs(YamlLimitError, () => loadPipeline(path, TASK_LIBRARY));
    expect(e.code).toBe('YAML_LIMIT');
    expect(e.message).toContain(path);
    expect(e.message).toContain(`the limit is ${PIPELINE_YAML_LIMITS.maxBytes} bytes`);
  });
});
