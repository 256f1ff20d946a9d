import { instanceProcessor } from './instance-processor';

/**
 * How a model's training script uses more than one instance of its training job. In script mode
 * a second instance shares the work only if `train.py` does it; SageMaker starts the same script
 * on every instance and, for the PyTorch launchers, starts it through `torchrun` or `mpirun`.
 */
export enum TrainingDistribution {
  /** One instance; the script trains alone. */
  NONE = 'none',
  /**
   * PyTorch's `torchrun` launcher (GPU instances): the script calls
   * `torch.distributed.init_process_group`. Sets `sagemaker_torch_distributed_enabled`.
   */
  TORCH_DISTRIBUTED = 'torch_distributed',
  /**
   * PyTorch DistributedDataParallel launched by `mpirun` (PyTorch 1.12 and later, GPU instances):
   * the script calls `torch.distributed.init_process_group`. Sets `sagemaker_pytorch_ddp_enabled`.
   */
  PYTORCH_DDP = 'pytorchddp',
  /**
   * XGBoost's rabit tracker: the script calls
   * `sagemaker_xgboost_container.distributed.rabit_run` when `SM_HOSTS` has more than one host.
   * The `train` channel is `ShardedByS3Key`: each instance gets about 1/n of its files.
   */
  XGBOOST_RABIT = 'xgboost_rabit',
  /** A custom image that distributes training itself; nothing is added to the request. */
  CUSTOM = 'custom',
}

/** Every distribution, `none` first (the configuration's choices). */
export const TRAINING_DISTRIBUTIONS: readonly TrainingDistribution[] = Object.values(TrainingDistribution);

/**
 * PyTorch versions `torch_distributed` supports on GPU instances: the SageMaker Python SDK's
 * `TORCH_DISTRIBUTED_GPU_SUPPORTED_FRAMEWORK_VERSIONS` (aws/sagemaker-python-sdk
 * `sagemaker-core/src/sagemaker/core/fw_utils.py`, commit de66a7537fcc), which
 * `validate_torch_distributed_distribution` checks; on other instances it raises "Currently
 * torch_distributed is supported only for GPU and Trainium instances" (Trainium: no table image).
 */
export const TORCH_DISTRIBUTED_GPU_VERSIONS: readonly string[] = [
  '1.13.1',
  '2.0.0',
  '2.0.1',
  '2.1.0',
  '2.1.2',
  '2.2.0',
  '2.3.0',
  '2.3.1',
  '2.4.1',
  '2.5.1',
  '2.6.0',
  '2.7.1',
  '2.8.0',
];

/**
 * The first PyTorch version with `pytorchddp`: "This PyTorch DDP support is available in the
 * SageMaker PyTorch Deep Learning Containers v1.12 and later" (aws/sagemaker-python-sdk
 * `doc/frameworks/pytorch/using_pytorch.rst`). The SDK checks no instance type for it; GPU only
 * here, as its documentation's examples.
 */
export const PYTORCH_DDP_MIN_VERSION = '1.12';

/**
 * The hyperparameters the SageMaker Python SDK's PyTorch estimator adds for a distribution
 * (aws/sagemaker-python-sdk `src/sagemaker/pytorch/estimator.py`,
 * `_pytorch_distribution_configuration`: `sagemaker_pytorch_ddp_enabled` or
 * `sagemaker_torch_distributed_enabled`, and `sagemaker_instance_type`), JSON-encoded as its
 * `EstimatorBase._json_encode_hyperparameters` does (`json.dumps`: `true`, `"ml.g5.12xlarge"`
 * with its quotes).
 */
export function distributionHyperparameters(
  distribution: TrainingDistribution,
  instanceType: string,
): Record<string, string> {
  const launcher = {
    [TrainingDistribution.TORCH_DISTRIBUTED]: 'sagemaker_torch_distributed_enabled',
    [TrainingDistribution.PYTORCH_DDP]: 'sagemaker_pytorch_ddp_enabled',
  }[distribution as string];
  if (!launcher) return {};
  return { [launcher]: JSON.stringify(true), sagemaker_instance_type: JSON.stringify(instanceType) };
}

/**
 * How the `train` channel's objects are given to the instances: one shard each for XGBoost's
 * rabit (`ShardedByS3Key`), a full copy each otherwise (`FullyReplicated`).
 */
export function trainChannelDistributionType(
  distribution: TrainingDistribution,
): 'ShardedByS3Key' | 'FullyReplicated' {
  return distribution === TrainingDistribution.XGBOOST_RABIT ? 'ShardedByS3Key' : 'FullyReplicated';
}

/**
 * How many files the preprocess step writes to the train split: at least one per instance with
 * sharded input ("Don't choose more ML compute instances for training than available S3 objects.
 * If you do, some nodes won't get any data", S3DataSource.S3DataDistributionType), one otherwise.
 */
export function trainShards(distribution: TrainingDistribution, instanceCount: number): number {
  return trainChannelDistributionType(distribution) === 'ShardedByS3Key' ? instanceCount : 1;
}

/** Why `distribution` cannot run on `instanceType`, or undefined when it can. */
export function distributionInstanceProblem(
  distribution: TrainingDistribution,
  instanceType: string,
): string | undefined {
  const gpuOnly = [TrainingDistribution.TORCH_DISTRIBUTED, TrainingDistribution.PYTORCH_DDP];
  if (!gpuOnly.includes(distribution) || instanceProcessor(instanceType) === 'gpu') return undefined;
  return distribution === TrainingDistribution.TORCH_DISTRIBUTED
    ? `${distribution} runs on GPU (or Trainium) instances only (sagemaker-python-sdk fw_utils), not ${instanceType}`
    : `${distribution} runs on GPU instances only, not ${instanceType}`;
}

/** Why PyTorch `version` (a full one, `2.3.0`) cannot run `distribution`, or undefined when it can. */
export function distributionVersionProblem(
  distribution: TrainingDistribution,
  version: string,
): string | undefined {
  if (
    distribution === TrainingDistribution.TORCH_DISTRIBUTED &&
    !TORCH_DISTRIBUTED_GPU_VERSIONS.includes(version)
  ) {
    return `${version} is not a PyTorch version torch_distributed supports on GPU (${TORCH_DISTRIBUTED_GPU_VERSIONS.join(', ')})`;
  }
  if (
    distribution === TrainingDistribution.PYTORCH_DDP &&
    compareVersions(version, PYTORCH_DDP_MIN_VERSION) < 0
  ) {
    return `${version} is older than PyTorch ${PYTORCH_DDP_MIN_VERSION}, the first with pytorchddp`;
  }
  return undefined;
}

function compareVersions(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
