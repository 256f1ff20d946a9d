import { platformAssembly } from '../support/platform';

type Statement = {
  Effect: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  NotResource?: unknown;
};
type Resource = { Type: string; Properties?: Record<string, any> };

const { assembly, config } = platformAssembly();
const stacks = assembly.stacksRecursively;

/** Every statement of every identity policy of `template`: policies, managed policies, roles' inline policies. */
function statementsOf(template: { Resources?: Record<string, Resource> }) {
  return Object.entries(template.Resources ?? {}).flatMap(([id, r]) => {
    const documents =
      r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy'
        ? [r.Properties?.PolicyDocument]
        : r.Type === 'AWS::IAM::Role'
          ? (r.Properties?.Policies ?? []).map((p: { PolicyDocument: unknown }) => p.PolicyDocument)
          : [];
    return documents.flatMap((d: { Statement: Statement[] }) => d.Statement.map((s) => ({ id, s })));
  });
}

/** Whether an IAM action pattern (`*`, `codebuild:*`, `codebuild:Start*`) matches `action`, as IAM matches it. */
const matches = (pattern: string, action: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  ).test(action);

/** Whether a statement's resources reach every project: `*`, or an ARN pattern ending in `project/*` or `*`. */
const onEveryProject = (s: Statement) =>
  s.NotResource !== undefined ||
  [s.Resource]
    .flat()
    .some(
      (r) => typeof r === 'string' && (r === '*' || /:(project\/)?\*$/.test(r) || /:\*:\*:project/.test(r)),
    );

test('the assembly holds the Delivery stack and every environment (the rule below covers them all)', () => {
  const ids = stacks.map((s) => s.hierarchicalId);
  expect(ids).toContain('Delivery');
  for (const env of config.environments)
    expect(ids.some((id) => id.startsWith(`${env.stageId}/`))).toBe(true);
});

test.each(['codebuild:StartBuild', 'codebuild:StopBuild', 'codebuild:BatchGetBuilds'])(
  'no role of any stack may %s on every project',
  (action) => {
    const offending = stacks.flatMap((stack) =>
      statementsOf(stack.template)
        .filter(({ s }) => s.Effect === 'Allow' && onEveryProject(s))
        .filter(({ s }) =>
          s.Action !== undefined
            ? [s.Action].flat().some((p) => matches(p, action))
            : ![s.NotAction].flat().some((p) => matches(String(p), action)),
        )
        .map(({ id }) => `${stack.hierarchicalId}/${id}`),
    );
    expect(offending).toEqual([]);
  },
);
