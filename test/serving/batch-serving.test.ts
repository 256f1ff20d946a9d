import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { deploymentReader } from '../../cfn/template-intrinsics';
import { ModelLayout } from '../../constructs';
import { synthesizePlatform } from '../../lib/platform/app/synthesize';
import { ModelStack } from '../../lib/platform/stacks/model-stack';
import { costReport } from '../../lib/tools/cost/run';
import { formatCostReport } from '../../lib/tools/cost/report';
import { ALL_PINNED, configWithPins } from '../support/pins';

/**
 * Every environment serves each batch-served model (`models[].serving.mode: batch`) it pins with
 * a batch transform of the pinned package, sized by its `serving.batch` knobs, and with no
 * endpoint; the models served on endpoints keep theirs. Expectations come from the configuration
 * and from CreateTransformJob's documented fields.
 */
type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;
const config = configWithPins(ALL_PINNED);
const { assembly } = synthesizePlatform({ outdir: mkdtempSync(join(tmpdir(), 'mlenv-batch-')), config });
const stackOf = (id: string) =>
  assembly.stacksRecursively.find((s) => s.hierarchicalId === id) as CloudFormationStackArtifact;
const ofType = (stack: CloudFormationStackArtifact, type: string) =>
  Object.values(stack.template.Resources as Resources).filter((r) => r.Type === type);
const batchModels = config.models.filter((m) => m.serving.mode === 'batch');
const endpointModels = config.models.filter((m) => m.serving.mode === 'endpoint');
const cases = config.environments.flatMap((env) =>
  batchModels.map((model) => [env.name, model.name] as const),
);

test('the configuration serves at least one model in batch', () => {
  expect(batchModels.length).toBeGreaterThan(0);
});

describe.each(cases)('%s, batch-served %s', (envName, modelName) => {
  const env = config.environments.find((e) => e.name === envName)!;
  const stack = stackOf(`${env.stageId}/${ModelStack.idOf(modelName)}`);
  const pin = env.deployments[modelName];
  const batch = env.serving.batch;

  test('has a batch transform of the pinned package, and no endpoint, endpoint alarm or drift monitor', () => {
    for (const type of [
      'AWS::SageMaker::Endpoint',
      'AWS::SageMaker::EndpointConfig',
      'AWS::SageMaker::DataQualityJobDefinition',
      'AWS::SageMaker::MonitoringSchedule',
      'AWS::CloudWatch::CompositeAlarm',
    ]) {
      expect({ type, found: ofType(stack, type).length }).toEqual({ type, found: 0 });
    }
    const [model, ...others] = ofType(stack, 'AWS::SageMaker::Model');
    expect(others).toEqual([]);
    expect(model.Properties.Containers).toEqual([
      {
        ModelPackageName: pin.modelPackageArn,
        Environment: { MLENV_MODEL_FILES_SHA256: pin.artifactFilesSha256 },
      },
    ]);
    expect(model.Properties.EnableNetworkIsolation).toBe(true);
    expect(model.Properties.VpcConfig !== undefined).toBe(env.network === 'vpc');
  });

  test("its state machine runs one transform job sized by the environment's serving.batch knobs", () => {
    const reader = deploymentReader(assembly);
    const deployed = reader.stacks!.find((s) => s.id === stack.hierarchicalId)!;
    const machines = ofType(stack, 'AWS::StepFunctions::StateMachine').map((m) =>
      reader.stateMachineDefinition(m.Properties, deployed),
    ) as Array<Record<string, any>>;
    const transforms = machines.flatMap((d) =>
      Object.values(d.States as Record<string, any>).filter((s) =>
        /createTransformJob\.sync$/.test(String(s.Resource)),
      ),
    );
    expect(transforms).toHaveLength(1);
    const [state] = transforms;
    expect(state.Parameters).toMatchObject({
      BatchStrategy: 'MultiRecord',
      MaxConcurrentTransforms: batch.maxConcurrentTransforms,
      MaxPayloadInMB: batch.maxPayloadMb,
      TransformInput: { ContentType: 'text/csv', SplitType: 'Line' },
      TransformResources: { InstanceType: batch.instanceType, InstanceCount: batch.instanceCount },
      DataProcessing: { JoinSource: 'Input' },
    });
    expect(state.TimeoutSeconds).toBe(batch.maxRuntimeMinutes * 60);
    const layout = new ModelLayout(modelName);
    const raw = `${config.project}-${env.name}-${env.account}-${env.region}-raw`;
    expect(state.Parameters.TransformInput.DataSource.S3DataSource['S3Uri.$']).toContain(
      `s3://${raw}/${layout.batchesPrefix}`,
    );
  });

  test('it is started on the schedule of serving.batch, and when a new batch arrives', () => {
    const rules = ofType(stack, 'AWS::Events::Rule').map((r) => r.Properties);
    expect(
      rules.filter((r) => r.ScheduleExpression === batch.schedule && /batch/.test(r.Description)),
    ).toHaveLength(1);
    expect(
      rules.filter(
        (r) => r.EventPattern?.detail?.object?.key?.[0] === new ModelLayout(modelName).latestBatchKey,
      ),
    ).toHaveLength(1);
  });

  test('its training pipeline registers packages that name the batch instance type for transforms', () => {
    expect(JSON.stringify(stack.template)).toContain(
      `"SupportedTransformInstanceTypes\\":[\\"${batch.instanceType}\\"]`,
    );
  });
});

test('models served on endpoints keep their endpoint in every environment', () => {
  for (const env of config.environments) {
    for (const model of endpointModels) {
      const stack = stackOf(`${env.stageId}/${ModelStack.idOf(model.name)}`);
      expect(ofType(stack, 'AWS::SageMaker::Endpoint')).toHaveLength(1);
      expect(JSON.stringify(stack.template)).not.toContain('createTransformJob');
    }
  }
});

test('npx mlenv cost prices one batch transform run of each batch-served model in every environment', () => {
  const report = costReport(assembly, config, { servedAssembly: assembly });
  const text = formatCostReport(report);
  for (const env of config.environments) {
    const estimate = report.environments.find((e) => e.environment === env.name)!.estimate;
    expect(estimate.batchRuns).toHaveLength(batchModels.length);
    for (const run of estimate.batchRuns) {
      const [line] = run.lines;
      const batch = env.serving.batch;
      // instanceCount × maxRuntime h × the batch type's price.
      expect(line.item).toBe(`SageMaker batch transform ${batch.instanceType}`);
      expect(line.quantity).toBeCloseTo(batch.instanceCount * (batch.maxRuntimeMinutes / 60));
      expect(line.missing).toBeUndefined();
      expect(line.usd).toBeCloseTo(line.quantity * line.price!.usd);
    }
  }
  expect(text).toContain('one batch transform, its instances to the time limit');
});
