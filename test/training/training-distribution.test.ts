import { Template } from 'aws-cdk-lib/assertions';
import { MlInstanceType, TrainingDistribution, TrainingPipeline } from '../../constructs';
import { stateMachineDefinition } from '../../cfn/undeployed-definitions';
import { pipelineFixture } from '../support/training-fixtures';

type Json = Record<string, any>;

/**
 * What each distribution puts in the Train request, from AWS's sources rather than the code:
 * the SageMaker Python SDK's PyTorch estimator sets `sagemaker_torch_distributed_enabled` or
 * `sagemaker_pytorch_ddp_enabled` and `sagemaker_instance_type`, JSON-encoded by
 * `_json_encode_hyperparameters` (`json.dumps`: `true`, and the type with its quotes); XGBoost's
 * rabit reads a shard of the input per instance (`S3DataDistributionType: ShardedByS3Key`).
 */
const GPU = 'ml.g5.12xlarge';
const EXPECTED: ReadonlyArray<
  [TrainingDistribution, string, Record<string, string>, 'ShardedByS3Key' | 'FullyReplicated']
> = [
  [TrainingDistribution.NONE, 'ml.m5.xlarge', {}, 'FullyReplicated'],
  [
    TrainingDistribution.TORCH_DISTRIBUTED,
    GPU,
    { sagemaker_torch_distributed_enabled: 'true', sagemaker_instance_type: '"ml.g5.12xlarge"' },
    'FullyReplicated',
  ],
  [
    TrainingDistribution.PYTORCH_DDP,
    GPU,
    { sagemaker_pytorch_ddp_enabled: 'true', sagemaker_instance_type: '"ml.g5.12xlarge"' },
    'FullyReplicated',
  ],
  [TrainingDistribution.XGBOOST_RABIT, 'ml.m5.xlarge', {}, 'ShardedByS3Key'],
  [TrainingDistribution.CUSTOM, 'ml.m5.xlarge', {}, 'FullyReplicated'],
];
const LAUNCHER_KEYS = [
  'sagemaker_torch_distributed_enabled',
  'sagemaker_pytorch_ddp_enabled',
  'sagemaker_instance_type',
];

/** The Train and Preprocess states of a pipeline with `distribution` on `count` instances of `type`. */
function rendered(distribution: TrainingDistribution, type: string, count: number): Record<string, Json> {
  const { stack, props } = pipelineFixture();
  new TrainingPipeline(stack, 'Pipeline', {
    ...props,
    distribution,
    trainingInstanceType: MlInstanceType.of(type),
    trainingInstanceCount: count,
  });
  const machine = Object.values(
    Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'),
  )[0];
  return stateMachineDefinition(machine.Properties)!.States as Record<string, Json>;
}

describe.each(EXPECTED)('distribution %s', (distribution, type, hyperparameters, trainDistribution) => {
  const count = distribution === TrainingDistribution.NONE ? 1 : 2;
  const states = rendered(distribution, type, count);
  const train = states.Train.Parameters;

  test('adds exactly the launcher hyperparameters the SageMaker SDK sets', () => {
    const launcher = Object.fromEntries(
      Object.entries(train.HyperParameters as Record<string, string>).filter(([k]) =>
        LAUNCHER_KEYS.includes(k),
      ),
    );
    expect(launcher).toEqual(hyperparameters);
    expect(train.ResourceConfig).toMatchObject({ InstanceType: type, InstanceCount: count });
  });

  test('shards only the train channel; code and validation are a full copy on every instance', () => {
    const byChannel = Object.fromEntries(
      (train.InputDataConfig as Json[]).map((c) => [
        c.ChannelName,
        c.DataSource.S3DataSource.S3DataDistributionType,
      ]),
    );
    expect(byChannel).toEqual({
      train: trainDistribution,
      validation: 'FullyReplicated',
      code: 'FullyReplicated',
    });
  });

  test('with sharded input, the preprocess script writes a train file per instance', () => {
    const args = states.Preprocess.Parameters.AppSpecification.ContainerArguments as string[];
    const at = args.indexOf('--train-shards');
    if (trainDistribution === 'ShardedByS3Key')
      expect(args.slice(at, at + 2)).toEqual(['--train-shards', String(count)]);
    else expect(at).toBe(-1);
    // Evaluate reads the test split whole: no shards there.
    expect(states.Evaluate.Parameters.AppSpecification.ContainerArguments).not.toContain('--train-shards');
  });
});

describe('invalid distributions are refused in one error', () => {
  test('more than one instance without a distribution', () => {
    const { stack, props } = pipelineFixture();
    expect(() => new TrainingPipeline(stack, 'Pipeline', { ...props, trainingInstanceCount: 2 })).toThrow(
      /trainingInstanceCount is 2, but distribution is NONE/,
    );
  });

  test.each([TrainingDistribution.TORCH_DISTRIBUTED, TrainingDistribution.PYTORCH_DDP])(
    '%s on a CPU instance type',
    (distribution) => {
      const { stack, props } = pipelineFixture();
      expect(
        () =>
          new TrainingPipeline(stack, 'Pipeline', {
            ...props,
            distribution,
            trainingInstanceType: MlInstanceType.of('ml.m5.xlarge'),
          }),
      ).toThrow(new RegExp(`distribution: ${distribution} runs on GPU .*not ml\\.m5\\.xlarge`));
    },
  );
});
