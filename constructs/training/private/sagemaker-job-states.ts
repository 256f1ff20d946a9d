import { type Duration, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { type MlNetworkPlacement, vpcConfigOf } from '../../network/ml-network';
import type { MlInstanceType } from '../ml-instance-type';
import type { SourceCodeConfig } from '../source-code';
import {
  distributionHyperparameters,
  TrainingDistribution,
  trainChannelDistributionType,
} from '../training-distribution';

/** Where SageMaker processing containers see their code. */
const PROCESSING_CODE_DIR = '/opt/ml/processing/input/code';

/** What every job of a pipeline shares. */
export interface JobDefaults {
  readonly roleArn: string;
  readonly imageUri: string;
  /** Encrypts job volumes and outputs. */
  readonly kmsKeyArn: string;
  readonly volumeSizeGb: number;
  readonly maxRuntimeSeconds: number;
  readonly code: SourceCodeConfig;
  /** Where the jobs run in a VPC. @default - SageMaker's own network */
  readonly network?: MlNetworkPlacement;
}

/** An S3 location given by a JSONPath intrinsic (`States.Format(...)`) or a JSONPath. */
export type DynamicS3Uri = { readonly path: string };

export interface ProcessingJobStateProps {
  /** JSONPath intrinsic that gives the job name. */
  readonly jobName: string;
  /**
   * The script of the source archive to run, with its arguments.
   * @default - run the image's own entrypoint, without the source archive
   */
  readonly script?: { readonly name: string; readonly arguments: string[] };
  /** @default - the pipeline's image */
  readonly imageUri?: string;
  /** @default - none */
  readonly environment?: Record<string, string>;
  readonly instanceType: MlInstanceType;
  readonly inputs: Array<{ name: string; s3Uri: DynamicS3Uri; localPath: string }>;
  readonly outputs: Array<{ name: string; s3Uri: DynamicS3Uri; localPath: string }>;
  /** Where the job's name and ARN go in the state. */
  readonly resultPath: string;
  /** Task timeout: the job's runtime plus time to get instances. */
  readonly timeout: Duration;
}

/**
 * A `createProcessingJob.sync` task that unpacks the source archive and runs one of its scripts
 * (as the SageMaker SDK's FrameworkProcessor does), in network isolation, with KMS-encrypted
 * volume and outputs. Retry, timeout and catch are the caller's.
 */
export function processingJobState(
  scope: Construct,
  id: string,
  job: JobDefaults,
  props: ProcessingJobStateProps,
): sfn.CustomState {
  const s3Input = (name: string, s3Uri: string | DynamicS3Uri, localPath: string) => ({
    InputName: name,
    S3Input: {
      ...uri('S3Uri', s3Uri),
      LocalPath: localPath,
      S3DataType: 'S3Prefix',
      S3InputMode: 'File',
      S3DataDistributionType: 'FullyReplicated',
    },
  });
  // Arguments follow the entrypoint: `sh -c SCRIPT script.py args...` sets $0 to the script.
  const run = `set -e; cd ${PROCESSING_CODE_DIR}; tar -xzf '${job.code.archiveName}'; exec python3 "$0" "$@"`;
  const script = props.script;
  return new sfn.CustomState(scope, id, {
    stateJson: {
      Type: 'Task',
      Resource: `arn:${Stack.of(scope).partition}:states:::sagemaker:createProcessingJob.sync`,
      Parameters: {
        'ProcessingJobName.$': props.jobName,
        RoleArn: job.roleArn,
        AppSpecification: {
          ImageUri: props.imageUri ?? job.imageUri,
          ...(script
            ? {
                ContainerEntrypoint: ['/bin/sh', '-c', run, script.name],
                ContainerArguments: script.arguments,
              }
            : {}),
        },
        ...(props.environment ? { Environment: props.environment } : {}),
        ProcessingInputs: [
          ...(script ? [s3Input('code', job.code.s3Uri, PROCESSING_CODE_DIR)] : []),
          ...props.inputs.map((i) => s3Input(i.name, i.s3Uri, i.localPath)),
        ],
        ProcessingOutputConfig: {
          KmsKeyId: job.kmsKeyArn,
          Outputs: props.outputs.map((o) => ({
            OutputName: o.name,
            S3Output: { ...uri('S3Uri', o.s3Uri), LocalPath: o.localPath, S3UploadMode: 'EndOfJob' },
          })),
        },
        ProcessingResources: {
          ClusterConfig: {
            InstanceCount: 1,
            InstanceType: props.instanceType.toString(),
            VolumeSizeInGB: job.volumeSizeGb,
            VolumeKmsKeyId: job.kmsKeyArn,
          },
        },
        StoppingCondition: { MaxRuntimeInSeconds: job.maxRuntimeSeconds },
        NetworkConfig: {
          EnableNetworkIsolation: true,
          EnableInterContainerTrafficEncryption: true,
          ...(job.network ? { VpcConfig: vpcConfig(job.network) } : {}),
        },
      },
      ResultSelector: { 'jobName.$': '$.ProcessingJobName', 'jobArn.$': '$.ProcessingJobArn' },
      ResultPath: props.resultPath,
      TimeoutSeconds: props.timeout.toSeconds(),
    },
  });
}

export interface TrainingJobStateProps {
  readonly jobName: string;
  readonly script: string;
  readonly hyperparameters: Record<string, string>;
  readonly metricDefinitions: Array<{ name: string; regex: string }>;
  readonly instanceType: MlInstanceType;
  readonly instanceCount: number;
  /** How the script uses the instances. @default TrainingDistribution.NONE */
  readonly distribution?: TrainingDistribution;
  readonly channels: Array<{ name: string; s3Uri: DynamicS3Uri }>;
  readonly outputPath: DynamicS3Uri;
  /** Managed spot training, when set. */
  readonly spot?: { maxWaitSeconds: number; checkpointS3Uri?: DynamicS3Uri };
  /** Where the job's name, ARN and model artifact go in the state. */
  readonly resultPath: string;
  /** Task timeout: the job's runtime (or spot wait) plus time to get instances. */
  readonly timeout: Duration;
}

/**
 * A `createTrainingJob.sync` task in script mode. With network isolation the container cannot
 * download the code itself, so the source archive is a `code` channel and
 * `sagemaker_submit_directory` points at its local copy (as the SageMaker SDK does).
 */
export function trainingJobState(
  scope: Construct,
  id: string,
  job: JobDefaults,
  props: TrainingJobStateProps,
): sfn.CustomState {
  return new sfn.CustomState(scope, id, {
    stateJson: {
      Type: 'Task',
      Resource: `arn:${Stack.of(scope).partition}:states:::sagemaker:createTrainingJob.sync`,
      Parameters: { 'TrainingJobName.$': props.jobName, ...trainingJobRequest(Stack.of(scope), job, props) },
      ResultSelector: {
        'jobName.$': '$.TrainingJobName',
        'jobArn.$': '$.TrainingJobArn',
        'modelArtifacts.$': '$.ModelArtifacts.S3ModelArtifacts',
      },
      ResultPath: props.resultPath,
      TimeoutSeconds: props.timeout.toSeconds(),
    },
  });
}

/**
 * The request of a training job, without its name: what `Train` sends, and what a tuning job's
 * trials are defined by (its `TrainingJobDefinition`), so that the two cannot drift apart.
 */
export function trainingJobRequest(
  stack: Stack,
  job: JobDefaults,
  props: Omit<TrainingJobStateProps, 'jobName' | 'resultPath' | 'timeout'>,
): Record<string, unknown> {
  const distribution = props.distribution ?? TrainingDistribution.NONE;
  const instanceType = props.instanceType.toString();
  // Every instance needs the code and the whole validation set; only `train` may be sharded.
  const channel = (name: string, s3Uri: string | DynamicS3Uri, contentType?: string) => ({
    ChannelName: name,
    DataSource: {
      S3DataSource: {
        ...uri('S3Uri', s3Uri),
        S3DataType: 'S3Prefix',
        S3DataDistributionType:
          name === 'train' ? trainChannelDistributionType(distribution) : 'FullyReplicated',
      },
    },
    ...(contentType ? { ContentType: contentType } : {}),
  });
  return {
    RoleArn: job.roleArn,
    AlgorithmSpecification: {
      TrainingImage: job.imageUri,
      TrainingInputMode: 'File',
      MetricDefinitions: props.metricDefinitions.map((m) => ({ Name: m.name, Regex: m.regex })),
    },
    HyperParameters: {
      ...props.hyperparameters,
      ...distributionHyperparameters(distribution, instanceType),
      sagemaker_program: props.script,
      sagemaker_submit_directory: `/opt/ml/input/data/code/${job.code.archiveName}`,
      sagemaker_container_log_level: '20',
      sagemaker_region: stack.region,
    },
    InputDataConfig: [
      ...props.channels.map((c) => channel(c.name, c.s3Uri, 'text/csv')),
      channel('code', job.code.s3Uri),
    ],
    OutputDataConfig: { ...uri('S3OutputPath', props.outputPath), KmsKeyId: job.kmsKeyArn },
    ResourceConfig: {
      InstanceType: instanceType,
      InstanceCount: props.instanceCount,
      VolumeSizeInGB: job.volumeSizeGb,
      VolumeKmsKeyId: job.kmsKeyArn,
    },
    StoppingCondition: {
      MaxRuntimeInSeconds: job.maxRuntimeSeconds,
      ...(props.spot ? { MaxWaitTimeInSeconds: props.spot.maxWaitSeconds } : {}),
    },
    EnableManagedSpotTraining: props.spot !== undefined,
    ...(props.spot?.checkpointS3Uri ? { CheckpointConfig: uri('S3Uri', props.spot.checkpointS3Uri) } : {}),
    EnableNetworkIsolation: true,
    EnableInterContainerTrafficEncryption: true,
    ...(job.network ? { VpcConfig: vpcConfig(job.network) } : {}),
  };
}

/** A job's VPC placement, as SageMaker's APIs take it. */
function vpcConfig(network: MlNetworkPlacement) {
  const { securityGroupIds, subnets } = vpcConfigOf(network);
  return { SecurityGroupIds: securityGroupIds, Subnets: subnets };
}

/** `{ Key: value }` for a fixed URI, `{ 'Key.$': path }` for one computed at run time. */
function uri(key: string, value: string | DynamicS3Uri): Record<string, string> {
  return typeof value === 'string' ? { [key]: value } : { [`${key}.$`]: value.path };
}
