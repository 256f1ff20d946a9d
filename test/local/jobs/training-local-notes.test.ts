import { Template } from 'aws-cdk-lib/assertions';
import { stateMachineDefinition } from '../../../cfn/undeployed-definitions';
import { MlInstanceType, TrainingDistribution, TrainingPipeline } from '../../../constructs';
import type { CreateTrainingJobRequest } from '../../../lib/jobs/job-requests';
import { trainingContract } from '../../../lib/tools/integrations/sagemaker-job/training-environment';
import { pipelineFixture } from '../../support/training-fixtures';

type Json = Record<string, any>;

/**
 * What a training job run locally tells its script and its log, for the requests SageMaker would
 * get: the Train request the construct renders, with run-time values filled in, and a tuning
 * trial's (SageMaker adds `_tuning_objective_metric` to every trial's hyperparameters, which the
 * training toolkit keeps out of the script's arguments: sagemaker-training `params.py`
 * SAGEMAKER_HYPERPARAMETERS).
 */
function trainRequest(
  type: string,
  count: number,
  distribution: TrainingDistribution,
): CreateTrainingJobRequest {
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
  const parameters = (stateMachineDefinition(machine.Properties)!.States as Json).Train.Parameters;
  const text = JSON.stringify(parameters).replace(
    /"(\w+)\.\$":"States\.Format\('([^']*)', \$\.run\.id\)"/g,
    (_m, key: string, format: string) => `"${key}":"${format.replace('{}', 'r'.repeat(32))}"`,
  );
  return JSON.parse(text) as CreateTrainingJobRequest;
}

const TUNING_OBJECTIVE = '_tuning_objective_metric';
/** A tuning trial of `request`: its hyperparameters with the one SageMaker adds. */
const asTrial = (request: CreateTrainingJobRequest): CreateTrainingJobRequest => ({
  ...request,
  HyperParameters: { ...request.HyperParameters, [TUNING_OBJECTIVE]: 'validation:auc' },
});

describe('a tuning trial run locally', () => {
  const request = asTrial(trainRequest('ml.m5.xlarge', 1, TrainingDistribution.NONE));
  const contract = trainingContract(request, 2);

  test('keeps _tuning_objective_metric in hyperparameters.json, as SageMaker writes it', () => {
    expect(contract.files['/opt/ml/input/config/hyperparameters.json']).toMatchObject({
      [TUNING_OBJECTIVE]: 'validation:auc',
    });
  });

  test("gives the script neither an argument nor a variable for it, as it does for the toolkit's sagemaker_* names", () => {
    expect(contract.args).not.toContain(`--${TUNING_OBJECTIVE}`);
    expect(contract.args.filter((a) => a.startsWith('--sagemaker_'))).toEqual([]);
    expect(Object.keys(JSON.parse(contract.environment.SM_HPS))).not.toContain(TUNING_OBJECTIVE);
    expect(Object.keys(contract.environment).filter((k) => /TUNING_OBJECTIVE/.test(k))).toEqual([]);
    // The script's own hyperparameters are all still there.
    const own = Object.keys(request.HyperParameters!).filter(
      (k) => !k.startsWith('sagemaker_') && k !== TUNING_OBJECTIVE,
    );
    expect(Object.keys(JSON.parse(contract.environment.SM_HPS)).sort()).toEqual(own.sort());
    expect(own.length).toBeGreaterThan(0);
  });

  test('a CPU type on one instance runs as on SageMaker: no note', () => {
    expect(contract.notes).toEqual([]);
  });
});

describe.each([
  [
    TrainingDistribution.TORCH_DISTRIBUTED,
    'ml.g5.12xlarge',
    2,
    ' (torch_distributed; here without its launcher)',
  ],
  [TrainingDistribution.PYTORCH_DDP, 'ml.p3.2xlarge', 3, ' (pytorchddp; here without its launcher)'],
  [
    TrainingDistribution.XGBOOST_RABIT,
    'ml.g4dn.xlarge',
    2,
    ' (sharded input; here one host reads every shard)',
  ],
  [TrainingDistribution.CUSTOM, 'ml.g5.xlarge', 1, undefined],
] as const)('%s on %s × %i', (distribution, type, count, how) => {
  const contract = trainingContract(asTrial(trainRequest(type, count, distribution)), 4);

  test("says in one line that the GPU type runs on this machine's CPU, and in one that the instances are one host", () => {
    expect(contract.notes).toEqual([
      `${type} is a GPU instance type: this job runs on this machine's CPU (SM_NUM_GPUS=0)`,
      ...(how === undefined
        ? []
        : [
            `InstanceCount ${count}: this job trains on one host here (algo-1); on AWS, ${count} hosts share the work if train.py does as its model declares${how}`,
          ]),
    ]);
  });

  test('is one host without GPUs, as the notes say', () => {
    expect(JSON.parse(contract.environment.SM_HOSTS)).toEqual(['algo-1']);
    expect(contract.environment.SM_NUM_GPUS).toBe('0');
    expect(contract.environment.SM_CURRENT_INSTANCE_TYPE).toBe(type);
  });

  test("passes the launcher's hyperparameters as framework parameters, not as the script's arguments", () => {
    const framework = JSON.parse(contract.environment.SM_FRAMEWORK_PARAMS);
    const expected =
      distribution === TrainingDistribution.TORCH_DISTRIBUTED
        ? { sagemaker_torch_distributed_enabled: true, sagemaker_instance_type: type }
        : distribution === TrainingDistribution.PYTORCH_DDP
          ? { sagemaker_pytorch_ddp_enabled: true, sagemaker_instance_type: type }
          : {};
    expect(framework).toEqual(expected);
    expect(contract.args.some((a) => a.startsWith('--sagemaker_') || a === `--${TUNING_OBJECTIVE}`)).toBe(
      false,
    );
  });
});
