// Placeholder until the routing module lands: the parser lives here.
export type MatchType = '=' | '!=' | '=~' | '!~';
export interface Matcher {
  name: string;
  type: MatchType;
  value: string;
  matches(value: string): boolean;
}
export class MatcherParseError extends Error {}
export function parseMatchers(_input: string): Matcher[] {
  throw new MatcherParseError('not implemented');
}
