import { describe, expect, it } from 'vitest';
import { configIssues } from '../../test/support/config';
import { parseConfigYaml } from './loader';
import { buildRouteTree, matchRoutes } from '../routing/route-tree';

const RECEIVERS = `
receivers:
  - name: a
  - name: b
`;

describe('regexes in the config are RE2, checked at load', () => {
  it('refuses a pattern RE2 rejects with its key path and RE2 reason (JavaScript would accept each)', () => {
    const issues = configIssues(`
route:
  receiver: a
  routes:
    - receiver: b
      matchers: ['x=~"(?=a)b"']
    - receiver: b
      match_re: { y: 'a{1001}' }
inhibit_rules:
  - source_matchers: ['alertname="A"']
    target_matchers: ['z!~"(a)\\\\1"']
${RECEIVERS}`);
    expect(issues).toEqual([
      expect.stringMatching(/^route\.routes\[0\]\.matchers\[0\] \(test\.yaml:6:\d+\): invalid matcher .*: invalid regular expression "\(\?=a\)b": invalid or unsupported Perl syntax: `\(\?=` \(lookahead and lookbehind are not supported in RE2\)$/),
      expect.stringMatching(/^route\.routes\[1\]\.match_re\.y \(test\.yaml:8:\d+\): invalid regular expression "a\{1001\}": invalid repeat count: `\{1001\}`$/),
      expect.stringMatching(/^inhibit_rules\[0\]\.target_matchers\[0\] \(test\.yaml:11:\d+\): invalid matcher .*: invalid escape sequence: `\\1` \(backreferences are not supported in RE2\)$/),
    ]);
  });

  it('accepts RE2 that the old translation refused: inline flags mid-pattern, negated POSIX classes, (?m)', () => {
    const config = parseConfigYaml(`
route:
  receiver: a
  routes:
    - receiver: b
      matchers: ['x=~"(?i:ab)c"', 'y=~"v(?i)x"', 'z=~"[[:^digit:]]+"', 'w=~"(?m)^w$"']
${RECEIVERS}`);
    const tree = buildRouteTree(config.route);
    const receiverFor = (labels: Record<string, string>) => matchRoutes(tree, labels).map((r) => r.receiver);
    expect(receiverFor({ x: 'ABc', y: 'vX', z: 'abc', w: 'w' })).toEqual(['b']);
    expect(receiverFor({ x: 'ABC', y: 'vX', z: 'abc', w: 'w' })).toEqual(['a']);
    expect(receiverFor({ x: 'ABc', y: 'VX', z: 'abc', w: 'w' })).toEqual(['a']);
    expect(receiverFor({ x: 'ABc', y: 'vX', z: 'a1', w: 'w' })).toEqual(['a']);
  });
});
