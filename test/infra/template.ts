import type { Template } from 'aws-cdk-lib/assertions';

/** Small readers over a synthesized CloudFormation template, for invariant tests. */

export interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export function resources(template: Template, type: string): Array<[string, Resource]> {
  return Object.entries(template.findResources(type) as Record<string, Resource>);
}

export function props(resource: Resource): Record<string, unknown> {
  return resource.Properties ?? {};
}

/** The logical id behind `{ Ref: id }` or `{ 'Fn::GetAtt': [id, attr] }`. */
export function refId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return v.Ref;
  const getAtt = v['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  return undefined;
}

/** Renders `Fn::Join` / `Ref` of pseudo parameters to a string, e.g. `arn:${AWS::Partition}:ssm:...`. */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, unknown>;
    if (typeof v.Ref === 'string') return `\${${v.Ref}}`;
    const join = v['Fn::Join'];
    if (Array.isArray(join)) return (join[1] as unknown[]).map(render).join(join[0] as string);
    const getAtt = v['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `\${${getAtt.join('.')}}`;
  }
  return JSON.stringify(value);
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Every identity-policy statement attached to each role (inline policies and AWS::IAM::Policy). */
export function statementsByRole(template: Template): Map<string, Statement[]> {
  const out = new Map<string, Statement[]>();
  const add = (role: string, statements: Statement[]) => out.set(role, [...(out.get(role) ?? []), ...statements]);
  for (const [id, role] of resources(template, 'AWS::IAM::Role')) {
    out.set(id, []);
    for (const policy of asArray(props(role).Policies as Array<{ PolicyDocument: { Statement: Statement[] } }>)) {
      add(id, policy.PolicyDocument.Statement);
    }
  }
  for (const [, policy] of resources(template, 'AWS::IAM::Policy')) {
    const doc = props(policy).PolicyDocument as { Statement: Statement[] };
    for (const role of asArray(props(policy).Roles as unknown[])) {
      const roleId = refId(role);
      if (roleId) add(roleId, doc.Statement);
    }
  }
  return out;
}
