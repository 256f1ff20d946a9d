import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { ConfigError, loadConfig } from '../../config';
import { environments } from '../../config/environments';
import { synthesizePlatform } from '../../lib/platform/app/synthesize';
import { checkParity } from '../../lib/tools/parity/check';
import { formatParityReport } from '../../lib/tools/parity/report';
import { ALL_PINNED, churnPin, configWithPins, deploymentsDir } from '../support/pins';
import { platformAssembly } from '../support/platform';

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;
const resourcesOf = (stack: CloudFormationStackArtifact) => stack.template.Resources as Resources;
const byType = (stack: CloudFormationStackArtifact, type: string) =>
  Object.entries(resourcesOf(stack)).filter(([, r]) => r.Type === type);
const synth = (files: Record<string, unknown>) => {
  const config = configWithPins(files);
  const { assembly } = synthesizePlatform({ outdir: mkdtempSync(join(tmpdir(), 'mlenv-serving-')), config });
  const stack = (id: string) => assembly.stacksRecursively.find((s) => s.hierarchicalId === id)!;
  return { assembly, config, stack };
};

describe('Serving stack', () => {
  test('without pins, no environment has an endpoint, every stack still deploys, and synth says so', () => {
    const { assembly, config } = platformAssembly();
    for (const env of config.environments) {
      const own = assembly.stacksRecursively.filter((s) => s.hierarchicalId.startsWith(`${env.stageId}/`));
      expect(own.flatMap((s) => byType(s, 'AWS::SageMaker::Endpoint'))).toEqual([]);
      const serving = own.find((s) => s.hierarchicalId === `${env.stageId}/Serving`)!;
      expect(Object.values(resourcesOf(serving)).map((r) => r.Type)).toEqual(['AWS::SSM::Parameter']);
      expect(byType(serving, 'AWS::SSM::Parameter')[0][1].Properties.Value).toBe('[]');
      const infos = serving.messages.filter((m) => m.level === 'info').map((m) => m.entry.data);
      expect(infos).toContainEqual(
        `${env.name} serves no endpoint for: ${config.models.map((m) => m.name).join(', ')} (no pin in deployments/${env.name}.json)`,
      );
    }
  });
  describe('with a pin in deployments/dev.json only', () => {
    const { assembly, config, stack } = synth({ dev: churnPin('dev', '111111111111') });

    test('dev renders a full (serverless) endpoint of the pinned package; the others none', () => {
      const dev = stack('Dev/ChurnModel');
      const pinned = churnPin('dev', '111111111111').churn;
      expect(byType(dev, 'AWS::SageMaker::Model')[0][1].Properties.Containers).toEqual([
        {
          ModelPackageName: 'arn:aws:sagemaker:eu-west-1:111111111111:model-package/mlenv-dev-churn/3',
          // The serving code refuses files whose SHA-256 is not the pinned package's.
          Environment: { MLENV_MODEL_FILES_SHA256: pinned.artifactFilesSha256 },
        },
      ]);
      expect(
        byType(dev, 'AWS::SageMaker::EndpointConfig')[0][1].Properties.ProductionVariants[0].ServerlessConfig,
      ).toEqual({
        MemorySizeInMB: 2048,
        MaxConcurrency: 10,
      });
      expect(byType(dev, 'AWS::SageMaker::Endpoint')).toHaveLength(1);
      const endpointAlarms = byType(dev, 'AWS::CloudWatch::Alarm').filter(
        ([, a]) => a.Properties.Namespace !== 'AWS/States', // the pipeline's own
      );
      expect(endpointAlarms).toHaveLength(3); // 5xx, latency, 4xx rate
      expect(byType(dev, 'AWS::CloudWatch::CompositeAlarm')).toHaveLength(1);
      const pin = byType(dev, 'AWS::SSM::Parameter').find(([id]) => id.startsWith('ChurnEndpointPinForCli'))!;
      expect(JSON.parse(pin[1].Properties.Value)).toEqual(
        config.environments.find((e) => e.name === 'dev')!.deployments.churn,
      );
      const served = byType(stack('Dev/Serving'), 'AWS::SSM::Parameter')[0];
      expect(JSON.parse(served[1].Properties.Value)).toEqual(['churn']);
      expect(byType(stack('Prod/ChurnModel'), 'AWS::SageMaker::Endpoint')).toHaveLength(0);
    });

    test('parity passes, and attributes the endpoint to the pin, a declared difference', () => {
      const result = checkParity(assembly, config);
      expect(result.violations).toEqual([]);
      expect(formatParityReport(result)).toMatch(
        /ChurnModel\/ChurnEndpoint\/Endpoint \(exists\).*deployments \(declared divergence\)/,
      );
    });
  });

  describe('with every environment pinned', () => {
    const { assembly, config, stack } = synth(ALL_PINNED);

    test('environments serving on instances have capture, blue/green and autoscaling as configured; prod at least 2', () => {
      const onInstances = config.environments.filter((e) => e.serving.kind === 'instance');
      expect(onInstances.map((e) => e.name)).toEqual(expect.arrayContaining(['staging', 'prod']));
      for (const env of onInstances) {
        const serving = stack(`${env.stageId}/ChurnModel`);
        const variant = byType(serving, 'AWS::SageMaker::EndpointConfig')[0][1].Properties;
        expect(variant.ProductionVariants[0]).toMatchObject({
          InstanceType: env.serving.instanceType,
          InitialInstanceCount: env.serving.initialInstanceCount,
        });
        expect(variant.DataCaptureConfig.InitialSamplingPercentage).toBe(env.serving.dataCapturePercent);
        expect(
          byType(serving, 'AWS::SageMaker::Endpoint')[0][1].Properties.DeploymentConfig
            .AutoRollbackConfiguration.Alarms,
        ).toHaveLength(2);
        expect(
          byType(serving, 'AWS::ApplicationAutoScaling::ScalableTarget')[0][1].Properties.MinCapacity,
        ).toBe(env.serving.autoscaling.minInstances);
      }
      const prod = byType(stack('Prod/ChurnModel'), 'AWS::SageMaker::EndpointConfig')[0][1].Properties;
      expect(prod.ProductionVariants[0].InitialInstanceCount).toBeGreaterThanOrEqual(2);
    });

    test("every endpoint alarm notifies the environment's alert topic, through one composite alarm", () => {
      for (const { stageId: stage } of config.environments) {
        const [[, composite]] = byType(stack(`${stage}/ChurnModel`), 'AWS::CloudWatch::CompositeAlarm');
        expect(JSON.stringify(composite.Properties.AlarmActions)).toMatch(
          /Operations:ExportsOutputRefAlerts/,
        );
        const rule = JSON.stringify(composite.Properties.AlarmRule);
        // The endpoint's alarms (the pipeline's notify by themselves; a model-quality alarm's drop
        // is told by its violations rule).
        for (const [id, alarm] of byType(stack(`${stage}/ChurnModel`), 'AWS::CloudWatch::Alarm'))
          if (!['AWS/States', 'aws/sagemaker/Endpoints/model-metrics'].includes(alarm.Properties.Namespace))
            expect(rule).toContain(id);
      }
    });

    test('parity passes with staging mirroring prod', () => {
      expect(checkParity(assembly, config, { explain: false }).violations).toEqual([]);
    });
  });

  test('changing the pinned package replaces the model and config but keeps the endpoint, which updates in place', () => {
    const before = synth({ prod: churnPin('prod', '333333333333', 3) }).stack('Prod/ChurnModel');
    const after = synth({ prod: churnPin('prod', '333333333333', 4) }).stack('Prod/ChurnModel');
    const changed = Object.keys(resourcesOf(after)).filter(
      (id) => JSON.stringify(resourcesOf(after)[id]) !== JSON.stringify(resourcesOf(before)[id]),
    );
    expect(Object.keys(resourcesOf(after)).sort()).toEqual(Object.keys(resourcesOf(before)).sort()); // same logical ids
    expect(changed.map((id) => resourcesOf(after)[id].Type).sort()).toEqual([
      'AWS::SSM::Parameter',
      'AWS::SageMaker::Model',
    ]);
    const [modelId, model] = byType(after, 'AWS::SageMaker::Model')[0];
    expect(model.Properties.Containers[0].ModelPackageName).toMatch(/\/4$/);
    // The new model and config get new names, and the endpoint (same logical id, same name)
    // points at the new config: CloudFormation updates it in place (only a new name replaces it).
    expect(model.Properties.ModelName).toBeUndefined();
    const [, config] = byType(after, 'AWS::SageMaker::EndpointConfig')[0];
    expect(config.Properties.EndpointConfigName).toBeUndefined();
    expect(config.Properties.ProductionVariants[0].ModelName).toEqual({
      'Fn::GetAtt': [modelId, 'ModelName'],
    });
    const [, endpoint] = byType(after, 'AWS::SageMaker::Endpoint')[0];
    const [, endpointBefore] = byType(before, 'AWS::SageMaker::Endpoint')[0];
    expect(endpoint.Properties.EndpointName).toEqual(endpointBefore.Properties.EndpointName);
    expect(endpoint.Properties.EndpointConfigName['Fn::GetAtt'][1]).toBe('EndpointConfigName');
  });

  describe('bad pins', () => {
    const problems = (files: Record<string, unknown>) => {
      try {
        loadConfig(environments, { deploymentsDir: deploymentsDir(files) });
      } catch (error) {
        if (error instanceof ConfigError) return error.problems;
        throw error;
      }
      throw new Error('expected the pins to be refused');
    };

    test.each([
      [
        'an unversioned ARN',
        {
          dev: {
            churn: {
              ...churnPin('dev', '111111111111').churn,
              modelPackageArn: 'arn:aws:sagemaker:eu-west-1:111111111111:model-package-group/mlenv-dev-churn',
            },
          },
        },
        'deployments/dev.json: churn.modelPackageArn: must be a versioned model package ARN (arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>)',
      ],
      [
        'an unknown model',
        { staging: { fraud: churnPin('staging', '222222222222').churn } },
        `deployments/staging.json: fraud: no model named 'fraud' in the configuration (models: ${environments.models.map((m) => m.name).join(', ')})`,
      ],
      [
        'a missing field',
        {
          prod: {
            churn: {
              modelPackageArn: churnPin('prod', '333333333333').churn.modelPackageArn,
              approvedAt: '2026-11-30T10:00:00Z',
              source: 'x',
              artifactFilesSha256: churnPin('prod', '333333333333').churn.artifactFilesSha256,
            },
          },
        },
        'deployments/prod.json: churn.approvedBy: is required',
      ],
      [
        'a bad date',
        { prod: { churn: { ...churnPin('prod', '333333333333').churn, approvedAt: 'yesterday' } } },
        'deployments/prod.json: churn.approvedAt: must be an ISO 8601 date-time, e.g. 2026-11-30T10:00:00Z',
      ],
      [
        'a digest that is not a SHA-256',
        { prod: { churn: { ...churnPin('prod', '333333333333').churn, artifactFilesSha256: 'abc' } } },
        "deployments/prod.json: churn.artifactFilesSha256: must be the package's artifactFilesSha256 (64 lowercase hex digits)",
      ],
    ])('%s is refused with the file and field', (_case, files, message) => {
      expect(problems(files)).toEqual([message]);
    });

    test('a drift baseline must name s3:// JSON files', () => {
      const pin = churnPin('dev', '111111111111').churn;
      expect(
        problems({
          dev: {
            churn: {
              ...pin,
              dataQualityBaseline: {
                statisticsS3Uri: 'https://x/statistics.json',
                constraintsS3Uri: 's3://b/constraints.json',
              },
            },
          },
        }),
      ).toEqual([
        'deployments/dev.json: churn.dataQualityBaseline.statisticsS3Uri: must be an s3:// URI of statistics.json',
      ]);
    });

    test('a file that is not JSON is refused', () => {
      expect(problems({ dev: '{ "churn": ' })).toEqual([
        expect.stringMatching(/^deployments\/dev\.json: not valid JSON/),
      ]);
    });
  });
});
