/**
 * The optical chain's config from pipeline YAML: every field the image code reads
 * (`config.NAME` in its module) is a declared field of its task, so a pipeline may set it;
 * a misspelled field fails the load with its file and line and the closest field; a value of
 * the wrong type fails the load at its own line, not the run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readConfig, type ConfigField } from '../../../pipelines/core/config-schema.js';
import { DRP_TASKS, loadPipeline, PipelineError, TASK_LIBRARY } from '../../../pipelines/index.js';
import { tempDir } from '../../support/test-repos.js';
import { thrownAs } from '../../support/thrown.js';

const dir = tempDir('qg-drp-config-');
afterAll(() => dir.cleanup());

const PIPELINES = join(dirname(new URL(import.meta.url).pathname), '../../../pipelines');
const DRP = join(PIPELINES, 'drp.yaml');
/** Each task's module under pipelines/image/, where its config is read. */
const MODULES: Readonly<Record<string, string>> = { isr: 'isr.ts', calibrate: 'calibrate.ts', makeWarp: 'make-warp.ts', assembleCoadd: 'assemble-coadd.ts' };

function write(name: string, text: string): string {
  const path = join(dir.path, name);
  writeFileSync(path, text.replace(/^\n/, ''));
  return path;
}

function lineOf(text: string, needle: string): number {
  return text.replace(/^\n/, '').split('\n').findIndex((l) => l.includes(needle)) + 1;
}

/** A value of the field's type, other than most defaults. */
function sample(f: ConfigField): unknown {
  switch (f.type) {
    case 'boolean': return true;
    case 'number': return 3;
    case 'string': return f.choices?.at(-1) ?? 'g';
    case 'strings': return ['BAD'];
    case 'numberMap': return { r: 28 };
  }
}

describe('drp task config from pipeline YAML', () => {
  const definitions = new Map(DRP_TASKS.map((d) => [d.name, d]));
  const labels: Readonly<Record<string, string>> = { isr: 'IsrTask', calibrate: 'CalibrateTask', makeWarp: 'MakeWarpTask', assembleCoadd: 'AssembleCoaddTask' };

  it.each(Object.entries(MODULES))('%s: every field its code reads is declared, and each loads from YAML and reaches run', (label, module) => {
    const definition = definitions.get(labels[label]!)!;
    const schema = definition.configSchema!;
    const read = [...readFileSync(join(PIPELINES, 'image', module), 'utf8').matchAll(/\bconfig\.(\w+)/g)].map((m) => m[1]!);
    expect(read.length).toBeGreaterThan(0);
    expect(read.filter((k) => !(k in schema))).toEqual([]);
    const values = Object.fromEntries(Object.entries(schema).map(([k, f]) => [k, sample(f)]));
    const path = write(`${label}-all.yaml`, `imports: [${DRP}]\ntasks:\n  ${label}:\n    config: ${JSON.stringify(values)}\n`);
    const config = loadPipeline(path, TASK_LIBRARY).tasks.get(label)!.config;
    expect(readConfig(schema, config, label)).toMatchObject(values);
  });

  it('isr minFlat (read by the code, once missing from the task defaults) is accepted', () => {
    const path = write('min-flat.yaml', `imports: [${DRP}]\ntasks:\n  isr:\n    config:\n      minFlat: 0.2\n`);
    expect(loadPipeline(path, TASK_LIBRARY).tasks.get('isr')!.config['minFlat']).toBe(0.2);
  });

  it('a misspelled field: PIPELINE_CONFIG at the task line, with the closest field', () => {
    const text = `
imports: [${DRP}]
tasks:
  isr:
    config:
      minFlt: 0.2
`;
    const path = write('misspelled.yaml', text);
    const e = thrownAs(PipelineError, () => loadPipeline(path, TASK_LIBRARY));
    expect(e.code).toBe('PIPELINE_CONFIG');
    expect(e.message).toContain(`${path}:${lineOf(text, 'isr:')}`);
    expect(e.message).toContain("has no config field 'minFlt'; did you mean 'minFlat'?");
  });

  it('a value of the wrong type: PIPELINE_CONFIG at the line of the field, at load', () => {
    const text = `
imports: [${DRP}]
tasks:
  makeWarp:
    config:
      kernel: lanczos4
`;
    const path = write('wrong-type.yaml', text);
    const e = thrownAs(PipelineError, () => loadPipeline(path, TASK_LIBRARY));
    expect(e.code).toBe('PIPELINE_CONFIG');
    expect(e.message).toContain(`${path}:${lineOf(text, 'kernel:')}`);
    expect(e.message).toContain(`task 'makeWarp' config 'kernel' must be 'lanczos3' or 'bilinear', got "lanczos4"`);
  });
});
