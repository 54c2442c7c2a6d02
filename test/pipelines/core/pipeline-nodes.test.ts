import { describe, expect, it } from 'vitest';
import { connectionEdge, datasetNode, nodeKey, nodeOfKey, taskNode } from '../../../pipelines/core/pipeline-nodes.js';

describe('pipeline node keys', () => {
  it('a task and a dataset type of the same name get different keys, and each key reads back as its node', () => {
    const nodes = [taskNode('isr'), datasetNode('isr'), datasetNode('a:b')];
    expect(nodes.map(nodeKey)).toEqual(['task:isr', 'dataset:isr', 'dataset:a:b']);
    expect(nodes.map((n) => nodeOfKey(nodeKey(n)))).toEqual(nodes);
    expect(() => nodeOfKey('isr')).toThrow(/not a pipeline node key/);
  });

  it('edges follow the data flow: outputs leave the task, inputs and init-inputs enter it', () => {
    const c = { name: 'x', datasetType: 'calexp', dimensions: [], storageClass: 'ExposureF' };
    expect(connectionEdge('calibrate', { ...c, kind: 'output' })).toEqual({ from: taskNode('calibrate'), to: datasetNode('calexp'), kind: 'output' });
    expect(connectionEdge('makeWarp', { ...c, kind: 'initInput' })).toEqual({ from: datasetNode('calexp'), to: taskNode('makeWarp'), kind: 'initInput' });
  });
});
