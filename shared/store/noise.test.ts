import { describe, expect, it } from 'vitest';
import { compileInhibitRules } from '../inhibition/rules';
import { inhibitPartition } from './noise';

describe('inhibitPartition', () => {
  // The router loads a target's candidate sources from this partition; the read API's inhibitor
  // compares `equal` values with a missing label read as "". The two must agree, also for label names
  // that are Object.prototype members (`labels.constructor` of a set without it is a function).
  it.each(['constructor', 'toString', 'hasOwnProperty', 'service'])('reads a missing %s label as "", as Alertmanager does', (name) => {
    const [rule] = compileInhibitRules([{ source_matchers: ['alertname="Src"'], target_matchers: ['alertname="Tgt"'], equal: [name] }]);
    expect(inhibitPartition(rule!, { alertname: 'Tgt' })).toBe(inhibitPartition(rule!, { alertname: 'Src', [name]: '' }));
    expect(inhibitPartition(rule!, { alertname: 'Tgt', [name]: 'x' })).not.toBe(inhibitPartition(rule!, { alertname: 'Src' }));
  });
});
