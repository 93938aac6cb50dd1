import { describe, expect, it } from 'vitest';
import { diffValues } from '../src/diff.js';

describe('diffValues', () => {
  it('lists leaf changes with dotted paths', () => {
    const before = {
      spec: { replicas: 1, template: { resources: { limits: { memory: '1Gi' } } } },
      keep: 'x',
    };
    const after = {
      spec: { replicas: 2, template: { resources: { limits: { memory: '2Gi', cpu: '1' } } } },
      keep: 'x',
    };
    expect(diffValues(before, after)).toEqual([
      { path: 'spec.replicas', before: 1, after: 2 },
      { path: 'spec.template.resources.limits.cpu', before: undefined, after: '1' },
      { path: 'spec.template.resources.limits.memory', before: '1Gi', after: '2Gi' },
    ]);
  });

  it('compares arrays by index and reports no change for equal values', () => {
    expect(diffValues({ a: [1, 2] }, { a: [1, 3, 4] })).toEqual([
      { path: 'a[1]', before: 2, after: 3 },
      { path: 'a[2]', before: undefined, after: 4 },
    ]);
    expect(diffValues({ a: { b: [1] } }, { a: { b: [1] } })).toEqual([]);
    expect(diffValues('on', 'off')).toEqual([{ path: '(value)', before: 'on', after: 'off' }]);
  });
});
