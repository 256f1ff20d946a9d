import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { loadConfig } from '../../config';
import { synthesizePlatform } from '../../lib/platform/app/synthesize';
import { checkParity } from '../../lib/tools/parity/check';
import { formatParityReport } from '../../lib/tools/parity/report';
import { configInput } from '../support/config-fixtures';
import { deploymentsDir, modelPin } from '../support/pins';

/**
 * A configuration where the first model is served asynchronously and the second gets a shadow
 * candidate wherever it may (instance endpoints): every environment pins both. Expectations come
 * from the configuration's knobs and AWS's documented shapes, never from the rendered templates.
 */
type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;
const input: any = configInput();
input.models[0].serving = { mode: 'async' };
// The shadowed model is served on an endpoint (only a real-time endpoint takes a shadow variant).
input.models[1].serving = { mode: 'endpoint' };
const committed = loadConfig(input);
const [asyncModel, shadowed] = committed.models.map((m) => m.name);
const pascal = (name: string) => name.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
const candidate = (env: string) => modelPin(env, shadowed, { version: 4 });
const files = Object.fromEntries(
  committed.environments.map((env) => [
    env.name,
    {
      [asyncModel]: modelPin(env.name, asyncModel),
      [shadowed]: {
        ...modelPin(env.name, shadowed),
        ...(env.serving.kind === 'instance'
          ? {
              shadow: {
                modelPackageArn: candidate(env.name).modelPackageArn,
                artifactFilesSha256: candidate(env.name).artifactFilesSha256,
              },
            }
          : {}),
      },
    },
  ]),
);
const config = loadConfig(input, { deploymentsDir: deploymentsDir(files) });
const { assembly } = synthesizePlatform({ outdir: mkdtempSync(join(tmpdir(), 'mlenv-async-')), config });
const stackOf = (stageId: string, model: string): CloudFormationStackArtifact =>
  assembly.stacksRecursively.find((s) => s.hierarchicalId === `${stageId}/${pascal(model)}Model`)!;
const byType = (stack: CloudFormationStackArtifact, type: string) =>
  Object.values(stack.template.Resources as Resources).filter((r) => r.Type === type);

describe.each(config.environments.map((e) => [e.name, e] as const))('in %s', (_name, env) => {
  describe(`the asynchronous model (${asyncModel})`, () => {
    const stack = stackOf(env.stageId, asyncModel);
    const [endpointConfig] = byType(stack, 'AWS::SageMaker::EndpointConfig').map((r) => r.Properties);

    test('is an asynchronous endpoint on serving.instanceType, whatever serving.kind says', () => {
      const [variant] = endpointConfig.ProductionVariants;
      expect(variant.InstanceType).toBe(env.serving.instanceType);
      expect(variant.ServerlessConfig).toBeUndefined();
      expect(endpointConfig.AsyncInferenceConfig.ClientConfig).toEqual({
        MaxConcurrentInvocationsPerInstance: env.serving.async.maxConcurrentInvocationsPerInstance,
      });
      const output = endpointConfig.AsyncInferenceConfig.OutputConfig;
      expect(JSON.stringify(output.S3OutputPath)).toContain(`/${asyncModel}/async/output`);
      expect(JSON.stringify(output.S3FailurePath)).toContain(`/${asyncModel}/async/failures`);
      expect(output.KmsKeyId).toBeDefined();
      expect(output.NotificationConfig.SuccessTopic).toBeDefined();
      expect(output.NotificationConfig.ErrorTopic).toBeDefined();
    });

    test('scales from 0 to serving.async.maxInstances on the backlog', () => {
      const [target] = byType(stack, 'AWS::ApplicationAutoScaling::ScalableTarget').map((r) => r.Properties);
      expect([target.MinCapacity, target.MaxCapacity]).toEqual([0, env.serving.async.maxInstances]);
      const policies = byType(stack, 'AWS::ApplicationAutoScaling::ScalingPolicy').map((r) => r.Properties);
      const tracking = policies.find((p) => p.PolicyType === 'TargetTrackingScaling')!;
      expect(tracking.TargetTrackingScalingPolicyConfiguration.TargetValue).toBe(
        env.serving.async.backlogPerInstance,
      );
      expect(policies.map((p) => p.PolicyType).sort()).toEqual(['StepScaling', 'TargetTrackingScaling']);
    });

    test('captures as the environment captures (0 turns it off)', () => {
      expect(endpointConfig.DataCaptureConfig?.InitialSamplingPercentage ?? 0).toBe(
        env.serving.dataCapturePercent,
      );
    });
  });

  describe(`the shadowed model (${shadowed})`, () => {
    const stack = stackOf(env.stageId, shadowed);
    const [endpointConfig] = byType(stack, 'AWS::SageMaker::EndpointConfig').map((r) => r.Properties);
    const models = byType(stack, 'AWS::SageMaker::Model').map((r) => r.Properties);

    if (env.serving.kind === 'instance') {
      test('gets the pinned candidate as a shadow variant, weighted by serving.shadow.samplingPercent', () => {
        expect(models.map((m) => m.Containers[0].ModelPackageName).sort()).toEqual(
          [modelPin(env.name, shadowed).modelPackageArn, candidate(env.name).modelPackageArn].sort(),
        );
        expect(models.every((m) => m.EnableNetworkIsolation === true)).toBe(true);
        expect(endpointConfig.ProductionVariants).toHaveLength(1);
        const [shadow] = endpointConfig.ShadowProductionVariants;
        expect(shadow.InitialVariantWeight).toBeCloseTo(env.serving.shadow.samplingPercent / 100);
        expect(shadow.InstanceType).toBe(env.serving.instanceType);
      });
    } else {
      test('has no shadow variant (serverless endpoints take none, and the pin has none)', () => {
        expect(models).toHaveLength(1);
        expect(endpointConfig.ShadowProductionVariants).toBeUndefined();
      });
    }
  });
});

test('the environments still differ only by their knobs, and the report shows the asynchronous knobs', () => {
  const result = checkParity(assembly, config, { explain: true });
  expect(result.violations).toEqual([]);
  const report = formatParityReport(result);
  expect(report).toMatch(/AsyncInferenceConfig/);
});
