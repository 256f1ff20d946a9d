import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesizePlatform } from '../../lib/platform/app/synthesize';
import { ALL_PINNED, configWithPins } from '../support/pins';
import { TEST_CONTEXT } from '../support/platform';

type Json = Record<string, unknown>;

/**
 * Services that assume a role here without AWS documenting that they send `aws:SourceArn` (the
 * README's "Service trust" table): a condition on a key the request lacks would stop the service.
 * Each is recognised by the resource that hands the role to the service, not by a name.
 */
const NO_DOCUMENTED_SOURCE_ARN: ReadonlyArray<{ type: string; roleProperty: string; why: string }> = [
  {
    type: 'AWS::SageMaker::MlflowTrackingServer',
    roleProperty: 'RoleArn',
    why: "SageMaker's confused-deputy guide has no section for MLflow tracking servers",
  },
  {
    type: 'AWS::CodePipeline::Pipeline',
    roleProperty: 'RoleArn',
    why: "CodePipeline's documentation gives no aws:SourceArn for its service role's AssumeRole",
  },
];

/** Every template of the platform, every environment serving every model, and Delivery. */
function templates(): Array<{ stack: string; template: { Resources?: Record<string, Json> } }> {
  const outdir = mkdtempSync(join(tmpdir(), 'mlenv-trust-'));
  const { assembly } = synthesizePlatform({
    outdir,
    config: configWithPins(ALL_PINNED),
    context: TEST_CONTEXT,
  });
  return assembly.stacksRecursively.map((s) => ({ stack: s.hierarchicalId, template: s.template }));
}

const refId = (value: unknown): string | undefined => {
  const v = value as { 'Fn::GetAtt'?: [string, string]; Ref?: string } | undefined;
  return v?.['Fn::GetAtt']?.[0] ?? v?.Ref;
};
const asList = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : value === undefined ? [] : [value];

/** Each service trust statement of each role: the services, and the condition keys it requires. */
function serviceTrusts(all: ReturnType<typeof templates>) {
  return all.flatMap(({ stack, template }) => {
    const resources = Object.entries(template.Resources ?? {});
    const excepted = new Set(
      resources.flatMap(([, r]) =>
        NO_DOCUMENTED_SOURCE_ARN.filter((e) => e.type === r.Type).map(
          (e) => refId((r.Properties as Json)[e.roleProperty]) ?? '',
        ),
      ),
    );
    return resources
      .filter(([, r]) => r.Type === 'AWS::IAM::Role')
      .flatMap(([id, r]) => {
        const document = (r.Properties as Json).AssumeRolePolicyDocument as { Statement: Json[] };
        return document.Statement.filter((s) => (s.Principal as Json | undefined)?.Service).map((s) => {
          const keys = Object.values((s.Condition as Record<string, Json>) ?? {}).flatMap((c) =>
            Object.keys(c),
          );
          return {
            role: `${stack}/${id}`,
            services: asList((s.Principal as Json).Service).map(String),
            keys,
            excepted: excepted.has(id),
          };
        });
      });
  });
}

const trusts = serviceTrusts(templates());

test('the platform has service trusts to check, of every kind the issue names', () => {
  const roles = trusts.map((t) => t.role).join('\n');
  for (const kind of ['EndpointRole', 'DataQualityRole', 'TrackingRole', 'TriggerRole', 'ChecksRole'])
    expect(roles).toMatch(new RegExp(kind));
});

test('every service trust requires the source account and, where the service sends it, the source ARN', () => {
  const missing = trusts.flatMap((t) => [
    ...(t.keys.includes('aws:SourceAccount') ? [] : [`${t.role} ${t.services}: no aws:SourceAccount`]),
    ...(t.keys.includes('aws:SourceArn') || t.excepted ? [] : [`${t.role} ${t.services}: no aws:SourceArn`]),
  ]);
  expect(missing).toEqual([]);
});

test('every exception is used, and an excepted role is one its resource hands to the service', () => {
  const excepted = trusts.filter((t) => t.excepted);
  expect(excepted.length).toBeGreaterThan(0);
  // An exception that no longer needs to be one: the role has a source ARN after all.
  expect(excepted.filter((t) => t.keys.includes('aws:SourceArn')).map((t) => t.role)).toEqual([]);
});
