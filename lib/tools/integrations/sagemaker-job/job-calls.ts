import { asList, asObject, type JsonObject } from '../../../../cfn/json-values';
import { parseS3Uri } from '../../../ops/s3-uri';
import type { DeployedStage } from '../../calls/deployed-assembly';
import type { PolicyInventory } from '../../calls/policy-inventory';
import { origin, type RunTimeCall } from '../../calls/run-time-call';
import {
  assumedBySageMaker,
  containerLogCalls,
  imagePullCalls,
  metricCalls,
  volumeKeyGrant,
  vpcPlacementCalls,
} from '../../calls/sagemaker-runtime-calls';
import { objectUnder, s3ReadCalls, s3WriteCalls } from '../../calls/s3-object-calls';

/** What a SageMaker job does through its execution role, as its request describes it. */
export interface SageMakerJob {
  readonly kind: 'training' | 'processing';
  readonly name: string;
  readonly arn: string;
  readonly roleArn: string;
  /** S3 URIs it reads (see `objectUnder`), and the key prefix it lists to find them, if it does. */
  readonly reads: ReadonlyArray<{
    readonly channel: string;
    readonly uri: string;
    readonly listPrefix?: string;
  }>;
  /** S3 objects it writes, each with the KMS key it encrypts them with. */
  readonly writes: ReadonlyArray<{
    readonly channel: string;
    readonly uri: string;
    readonly kmsKeyArn?: string;
  }>;
  readonly volumeKeyArn?: string;
  readonly images: readonly string[];
  readonly inVpc: boolean;
  /** The CloudWatch namespace its metrics go to. */
  readonly metricsNamespace: string;
}

/** A processing job, from the request (`CreateProcessingJob` parameters). */
export function processingJob(
  parameters: JsonObject,
  stage: DeployedStage,
  inventory: PolicyInventory,
): SageMakerJob {
  const output = asObject(parameters.ProcessingOutputConfig);
  const outputKey = inventory.keyArn(output?.KmsKeyId, stage);
  const name = String(parameters.ProcessingJobName);
  return {
    kind: 'processing',
    name,
    arn: jobArn(stage, 'processing-job', name),
    roleArn: String(parameters.RoleArn),
    reads: asList(parameters.ProcessingInputs).flatMap((input) => {
      const s3 = asObject(asObject(input)?.S3Input);
      if (!s3) return [];
      return [
        {
          channel: `input ${String(asObject(input)?.InputName)}`,
          uri: String(s3.S3Uri),
          listPrefix: listedPrefix(s3.S3Uri, s3.S3DataType),
        },
      ];
    }),
    writes: asList(output?.Outputs).flatMap((item) => {
      const s3 = asObject(asObject(item)?.S3Output);
      if (!s3) return [];
      return [
        {
          channel: `output ${String(asObject(item)?.OutputName)}`,
          uri: String(s3.S3Uri),
          kmsKeyArn: outputKey,
        },
      ];
    }),
    volumeKeyArn: inventory.keyArn(
      asObject(asObject(parameters.ProcessingResources)?.ClusterConfig)?.VolumeKmsKeyId,
      stage,
    ),
    images: [String(asObject(parameters.AppSpecification)?.ImageUri)],
    inVpc: asObject(asObject(parameters.NetworkConfig)?.VpcConfig) !== undefined,
    metricsNamespace: '/aws/sagemaker/ProcessingJobs',
  };
}

/** A training job, from the request (`CreateTrainingJob` parameters). */
export function trainingJob(
  parameters: JsonObject,
  stage: DeployedStage,
  inventory: PolicyInventory,
): SageMakerJob {
  const name = String(parameters.TrainingJobName);
  const output = asObject(parameters.OutputDataConfig);
  const outputKey = inventory.keyArn(output?.KmsKeyId, stage);
  const checkpoints = asObject(parameters.CheckpointConfig)?.S3Uri;
  const outputPath = String(output?.S3OutputPath ?? '').replace(/\/?$/, '/');
  return {
    kind: 'training',
    name,
    arn: jobArn(stage, 'training-job', name),
    roleArn: String(parameters.RoleArn),
    reads: [
      ...asList(parameters.InputDataConfig).flatMap((channel) => {
        const s3 = asObject(asObject(asObject(channel)?.DataSource)?.S3DataSource);
        if (!s3) return [];
        return [
          {
            channel: `channel ${String(asObject(channel)?.ChannelName)}`,
            uri: String(s3.S3Uri),
            listPrefix: listedPrefix(s3.S3Uri, s3.S3DataType),
          },
        ];
      }),
      ...(checkpoints
        ? [
            {
              channel: 'checkpoints',
              uri: String(checkpoints),
              listPrefix: parseS3Uri(String(checkpoints)).key,
            },
          ]
        : []),
    ],
    writes: [
      // SageMaker's documented layout of a training job's output.
      { channel: 'model artifact', uri: `${outputPath}${name}/output/model.tar.gz`, kmsKeyArn: outputKey },
      ...(checkpoints
        ? [{ channel: 'checkpoints', uri: objectUnder(String(checkpoints)), kmsKeyArn: outputKey }]
        : []),
    ],
    volumeKeyArn: inventory.keyArn(asObject(parameters.ResourceConfig)?.VolumeKmsKeyId, stage),
    images: [String(asObject(parameters.AlgorithmSpecification)?.TrainingImage)],
    inVpc: asObject(parameters.VpcConfig) !== undefined,
    metricsNamespace: '/aws/sagemaker/TrainingJobs',
  };
}

/** The key prefix SageMaker lists for an `S3Prefix` channel (a manifest names its objects). */
function listedPrefix(uri: unknown, dataType: unknown): string | undefined {
  return dataType === 'ManifestFile' ? undefined : parseS3Uri(String(uri)).key;
}

/** The ARN SageMaker gives a job (names in lower case). */
export function jobArn(
  stage: Pick<DeployedStage, 'partition' | 'region' | 'account'>,
  kind: string,
  name: string,
): string {
  return `arn:${stage.partition}:sagemaker:${stage.region}:${stage.account}:${kind}/${name.toLowerCase()}`;
}

/** Every request a job makes through its execution role, and SageMaker's assuming that role. */
export function jobCalls(
  inventory: PolicyInventory,
  stage: DeployedStage,
  job: SageMakerJob,
  originPath: string,
  detail: string,
): RunTimeCall[] {
  const caller = (what: string) => ({
    stage: stage.id,
    principal: job.roleArn,
    ...origin(originPath, `${detail} job ${what}`),
  });
  const logGroup = job.kind === 'training' ? '/aws/sagemaker/TrainingJobs' : '/aws/sagemaker/ProcessingJobs';
  return [
    assumedBySageMaker(caller('role'), stage, job.arn),
    ...job.reads.flatMap((read) =>
      s3ReadCalls(inventory, caller(read.channel), objectUnder(read.uri), { listPrefix: read.listPrefix }),
    ),
    ...job.writes.flatMap((write) =>
      s3WriteCalls(inventory, caller(write.channel), objectUnder(write.uri), write.kmsKeyArn),
    ),
    ...(job.volumeKeyArn ? [volumeKeyGrant(caller('volume'), stage, job.volumeKeyArn)] : []),
    ...containerLogCalls(caller('logs'), stage, logGroup, `${job.name}/algo-1-1764460800`),
    ...metricCalls(caller('metrics'), job.metricsNamespace),
    ...job.images.flatMap((image) => imagePullCalls(caller('image'), stage, image)),
    ...(job.inVpc ? vpcPlacementCalls(caller('VPC placement')) : []),
  ];
}
