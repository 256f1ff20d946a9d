import type { ModelConfig } from '../../config';
import type { RunTimeCall, RunTimeCallEnumeration } from '../../lib/tools/authorization';
import { configInput } from '../support/config-fixtures';
import { pinnedPlatform } from './pinned-platform';

/**
 * The run-time calls of an asynchronous endpoint (its model reads requests from the model's input
 * prefix, writes answers and failures, publishes success and error notifications) and of a shadow
 * variant (the candidate's model reads its package's data, writes logs and capture under its own
 * variant name), checked against the synthesized policies with the evaluator; and what must stay
 * denied: another model's prefixes and topics.
 */
const input: any = configInput();
input.models[0].serving = { mode: 'async' };
// The shadowed model is served on an endpoint (only a real-time endpoint takes a shadow variant).
input.models[1].serving = { mode: 'endpoint' };
const platform = pinnedPlatform(
  input,
  (env, model: ModelConfig) => env.serving.kind === 'instance' && model.serving.mode === 'endpoint',
);
const { config, authz } = platform;
const [asyncModel, other] = config.models;
const pascal = (name: string) => name.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());

let enumeration: RunTimeCallEnumeration;
beforeAll(async () => {
  enumeration = await platform.enumerate();
}, 600_000);

const allowed = async (calls: readonly RunTimeCall[]) => {
  const denied = [];
  for (const call of calls) {
    const decision = await authz.check(call);
    if (decision.result !== 'Allowed')
      denied.push(`${call.action} ${call.resource}: ${decision.explanation}`);
  }
  return denied;
};
const deniedAll = async (calls: readonly RunTimeCall[]) => {
  const allowedCalls = [];
  for (const call of calls) {
    const decision = await authz.check(call);
    if (decision.result === 'Allowed') allowedCalls.push(`${call.principal} ${call.action} ${call.resource}`);
  }
  return allowedCalls;
};

describe.each(config.environments.map((e) => [e.name, e] as const))('in %s', (_name, env) => {
  const ofStage = () => enumeration.calls.filter((c) => c.stage === env.stageId);
  const asyncCallsOf = () =>
    ofStage().filter(
      (c) => c.originPath.startsWith(`${pascal(asyncModel.name)}Model/`) && /async /.test(c.origin),
    );

  test('the asynchronous endpoint reads its input, writes answers and failures and notifies, all allowed', async () => {
    const calls = asyncCallsOf();
    const actions = new Set(calls.map((c) => c.action));
    for (const action of [
      's3:GetObject',
      's3:PutObject',
      'sns:Publish',
      'kms:GenerateDataKey',
      'kms:Decrypt',
    ])
      expect(actions).toContain(action);
    expect(calls.filter((c) => c.action === 'sns:Publish')).toHaveLength(2);
    expect(calls.some((c) => c.resource.includes(`/${asyncModel.name}/async/input/`))).toBe(true);
    expect(calls.some((c) => c.resource.includes(`/${asyncModel.name}/async/output/`))).toBe(true);
    expect(calls.some((c) => c.resource.includes(`/${asyncModel.name}/async/failures/`))).toBe(true);
    expect(await allowed(calls)).toEqual([]);
  });

  test("the asynchronous endpoint's role reaches no other model's async prefixes, and nobody else publishes to its topics", async () => {
    const calls = asyncCallsOf();
    const s3 = calls
      .filter((c) => c.action.startsWith('s3:'))
      .map((c) => ({
        ...c,
        resource: c.resource.replace(`/${asyncModel.name}/async/`, `/${other.name}/async/`),
      }));
    const publishes = calls.filter((c) => c.action === 'sns:Publish');
    const otherRoles = [
      ...new Set(
        ofStage()
          .filter((c) => c.principal.includes(':role/') && c.principal !== publishes[0].principal)
          .map((c) => c.principal),
      ),
    ];
    expect(otherRoles.length).toBeGreaterThan(0);
    const foreignPublishes = publishes.flatMap((p) => otherRoles.map((principal) => ({ ...p, principal })));
    expect(await deniedAll([...s3, ...foreignPublishes])).toEqual([]);
  });

  if (env.serving.kind === 'instance') {
    test('the shadow variant’s model reads its package and captures under its own variant name, allowed', async () => {
      const calls = ofStage().filter((c) =>
        c.originPath.startsWith(`${pascal(other.name)}Model/${pascal(other.name)}Endpoint/ShadowModel`),
      );
      expect(calls.some((c) => c.action === 's3:GetObject')).toBe(true);
      if (env.serving.dataCapturePercent > 0)
        expect(calls.some((c) => c.action === 's3:PutObject' && c.resource.includes('/Shadow/'))).toBe(true);
      expect(await allowed(calls)).toEqual([]);
    });
  }
});

test('every resource of the asynchronous and shadow endpoints has a model of its calls', () => {
  expect(enumeration.problems).toEqual([]);
});
