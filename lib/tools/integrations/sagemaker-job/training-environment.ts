import { instanceProcessor } from '../../../../constructs';
import type { CreateTrainingJobRequest } from '../../../jobs/job-requests';

/** Where the training toolkit puts things inside the container. */
export const TRAINING_PATHS = {
  input: '/opt/ml/input',
  config: '/opt/ml/input/config',
  data: '/opt/ml/input/data',
  model: '/opt/ml/model',
  output: '/opt/ml/output',
  outputData: '/opt/ml/output/data',
  outputIntermediate: '/opt/ml/output/intermediate',
  code: '/opt/ml/code',
  checkpoints: '/opt/ml/checkpoints',
} as const;

/** The host SageMaker names the only instance of a job. */
const HOST = 'algo-1';

/**
 * The hyperparameters that are the toolkit's own, not the script's: `SAGEMAKER_HYPERPARAMETERS` of
 * aws/sagemaker-training-toolkit `src/sagemaker_training/params.py` (commit 33839372faf8), which
 * `environment.py` separates from the user's. Among them `_tuning_objective_metric`, which
 * SageMaker adds to every trial of a tuning job: a strict `argparse` would refuse it.
 */
const TOOLKIT_HYPERPARAMETERS: readonly string[] = [
  'sagemaker_program',
  'sagemaker_submit_directory',
  'sagemaker_enable_cloudwatch_metrics',
  'sagemaker_region',
  'sagemaker_container_log_level',
  'sagemaker_job_name',
  'default_user_module_name',
  '_tuning_objective_metric',
  'sagemaker_s3_output',
];
/** The toolkit's prefix: other `sagemaker_*` names are framework parameters (`SM_FRAMEWORK_PARAMS`). */
const TOOLKIT_PREFIX = 'sagemaker_';

/** Which launcher a distribution hyperparameter asks for, as the run's note names it. */
const LAUNCHERS: Readonly<Record<string, string>> = {
  sagemaker_torch_distributed_enabled: 'torch_distributed',
  sagemaker_pytorch_ddp_enabled: 'pytorchddp',
};

/**
 * How the SageMaker training toolkit (sagemaker-training, which the framework images run) sets up
 * a script-mode job: the files of `/opt/ml/input/config`, the `SM_*` variables, and the command
 * (`python3 <sagemaker_program> --<name> <value> ...`, hyperparameters sorted by name, the toolkit's
 * own `sagemaker_*` ones left out). Paths are the container's (`/opt/ml/...`).
 */
export interface TrainingContract {
  /** Files to write, by container path. */
  readonly files: Record<string, unknown>;
  readonly environment: Record<string, string>;
  /** The user script (`sagemaker_program`) and its arguments. */
  readonly program: string;
  readonly args: string[];
  /** The source archive to unpack into `/opt/ml/code` (`sagemaker_submit_directory`), if any. */
  readonly submitDirectory?: string;
  /**
   * What runs differently here than on SageMaker, one line each, for the job's log: a GPU type
   * runs on this machine's CPU, several instances run as one host.
   */
  readonly notes: string[];
}

export function trainingContract(request: CreateTrainingJobRequest, cpus: number): TrainingContract {
  const all = request.HyperParameters ?? {};
  const toolkit = (name: string) => name.startsWith(TOOLKIT_PREFIX) || TOOLKIT_HYPERPARAMETERS.includes(name);
  const user = Object.fromEntries(
    Object.entries(all)
      .filter(([name]) => !toolkit(name))
      .map(([name, value]) => [name, decode(value)]),
  );
  const frameworkParams = Object.fromEntries(
    Object.entries(all)
      .filter(([name]) => name.startsWith(TOOLKIT_PREFIX) && !TOOLKIT_HYPERPARAMETERS.includes(name))
      .map(([name, value]) => [name, decode(value)]),
  );
  const program = all.sagemaker_program;
  if (!program) throw new Error('The hyperparameter sagemaker_program (the script to run) is missing');
  const channels = (request.InputDataConfig ?? []).map((c) => c.ChannelName);
  const inputDataConfig = Object.fromEntries(
    (request.InputDataConfig ?? []).map((c) => [
      c.ChannelName,
      {
        ...(c.ContentType ? { ContentType: c.ContentType } : {}),
        TrainingInputMode: c.InputMode ?? request.AlgorithmSpecification.TrainingInputMode ?? 'File',
        S3DistributionType: c.DataSource.S3DataSource.S3DataDistributionType ?? 'FullyReplicated',
        RecordWrapperType: 'None',
      },
    ]),
  );
  const resourceConfig = {
    current_host: HOST,
    current_instance_type: request.ResourceConfig.InstanceType,
    current_group_name: 'homogeneousCluster',
    hosts: [HOST],
    instance_groups: [
      {
        instance_group_name: 'homogeneousCluster',
        instance_type: request.ResourceConfig.InstanceType,
        hosts: [HOST],
      },
    ],
    network_interface_name: 'eth0',
  };
  const args = Object.keys(user)
    .sort()
    .flatMap((name) => [`--${name}`, String(user[name])]);
  const channelDirs = Object.fromEntries(channels.map((name) => [name, `${TRAINING_PATHS.data}/${name}`]));
  const trainingEnv = {
    additional_framework_parameters: frameworkParams,
    channel_input_dirs: channelDirs,
    current_host: HOST,
    current_instance_type: request.ResourceConfig.InstanceType,
    framework_module: 'sagemaker_sklearn_container.training:main',
    hosts: [HOST],
    hyperparameters: user,
    input_config_dir: TRAINING_PATHS.config,
    input_data_config: inputDataConfig,
    input_dir: TRAINING_PATHS.input,
    is_master: true,
    job_name: request.TrainingJobName,
    log_level: Number(all.sagemaker_container_log_level ?? 20),
    master_hostname: HOST,
    model_dir: TRAINING_PATHS.model,
    module_dir: all.sagemaker_submit_directory ?? TRAINING_PATHS.code,
    module_name: program.replace(/\.py$/, ''),
    network_interface_name: 'eth0',
    num_cpus: cpus,
    num_gpus: 0,
    output_data_dir: TRAINING_PATHS.outputData,
    output_dir: TRAINING_PATHS.output,
    output_intermediate_dir: TRAINING_PATHS.outputIntermediate,
    resource_config: resourceConfig,
    user_entry_point: program,
  };
  const environment: Record<string, string> = {
    SM_HOSTS: JSON.stringify([HOST]),
    SM_NETWORK_INTERFACE_NAME: 'eth0',
    SM_HPS: JSON.stringify(user),
    SM_USER_ENTRY_POINT: program,
    SM_FRAMEWORK_PARAMS: JSON.stringify(frameworkParams),
    SM_RESOURCE_CONFIG: JSON.stringify(resourceConfig),
    SM_INPUT_DATA_CONFIG: JSON.stringify(inputDataConfig),
    SM_OUTPUT_DATA_DIR: TRAINING_PATHS.outputData,
    SM_CHANNELS: JSON.stringify(channels),
    SM_CURRENT_HOST: HOST,
    SM_CURRENT_INSTANCE_TYPE: request.ResourceConfig.InstanceType,
    SM_MODULE_NAME: trainingEnv.module_name,
    SM_LOG_LEVEL: String(trainingEnv.log_level),
    SM_FRAMEWORK_MODULE: trainingEnv.framework_module,
    SM_INPUT_DIR: TRAINING_PATHS.input,
    SM_INPUT_CONFIG_DIR: TRAINING_PATHS.config,
    SM_OUTPUT_DIR: TRAINING_PATHS.output,
    SM_NUM_CPUS: String(cpus),
    SM_NUM_GPUS: '0',
    SM_MODEL_DIR: TRAINING_PATHS.model,
    SM_MODULE_DIR: trainingEnv.module_dir,
    SM_TRAINING_ENV: JSON.stringify(trainingEnv),
    SM_USER_ARGS: JSON.stringify(args),
    SM_OUTPUT_INTERMEDIATE_DIR: TRAINING_PATHS.outputIntermediate,
    ...Object.fromEntries(channels.map((name) => [`SM_CHANNEL_${name.toUpperCase()}`, channelDirs[name]])),
    ...Object.fromEntries(
      Object.entries(user).map(([name, value]) => [`SM_HP_${name.toUpperCase()}`, envValue(value)]),
    ),
    ...request.Environment,
  };
  return {
    files: {
      [`${TRAINING_PATHS.config}/hyperparameters.json`]: all,
      [`${TRAINING_PATHS.config}/resourceconfig.json`]: resourceConfig,
      [`${TRAINING_PATHS.config}/inputdataconfig.json`]: inputDataConfig,
    },
    environment,
    program,
    args,
    ...(all.sagemaker_submit_directory ? { submitDirectory: all.sagemaker_submit_directory } : {}),
    notes: localNotes(request),
  };
}

/**
 * The lines that say how this machine stands in for the job's instances: one for a GPU type (the
 * script sees no GPU, `SM_NUM_GPUS=0`), one for several instances (one host, `algo-1`, runs the
 * script once, without a launcher, on every file of each channel).
 */
function localNotes(request: CreateTrainingJobRequest): string[] {
  const { InstanceType: type, InstanceCount: count } = request.ResourceConfig;
  const notes: string[] = [];
  if (instanceProcessor(type) === 'gpu') {
    notes.push(`${type} is a GPU instance type: this job runs on this machine's CPU (SM_NUM_GPUS=0)`);
  }
  if (count > 1) {
    const hyperparameters = request.HyperParameters ?? {};
    const launcher = Object.keys(LAUNCHERS).find((name) => decode(hyperparameters[name] ?? '') === true);
    const sharded = (request.InputDataConfig ?? []).some(
      (c) => c.DataSource.S3DataSource.S3DataDistributionType === 'ShardedByS3Key',
    );
    const how = launcher
      ? ` (${LAUNCHERS[launcher]}; here without its launcher)`
      : sharded
        ? ' (sharded input; here one host reads every shard)'
        : '';
    notes.push(
      `InstanceCount ${count}: this job trains on one host here (${HOST}); on AWS, ${count} hosts share the work if train.py does as its model declares${how}`,
    );
  }
  return notes;
}

/** The toolkit reads each hyperparameter as JSON when it can (`"100"` is the number 100). */
function decode(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function envValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
