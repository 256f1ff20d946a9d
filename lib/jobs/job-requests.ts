/**
 * The parts of SageMaker's CreateProcessingJob / CreateTrainingJob requests and Describe responses
 * that local jobs read and write, as the training pipeline's state machine sends them (the
 * resolved `Parameters` of its `createProcessingJob.sync` / `createTrainingJob.sync` tasks).
 */
import type { MetricData, MetricDefinition } from './metrics';

export interface ProcessingInput {
  readonly InputName: string;
  readonly S3Input?: {
    readonly S3Uri: string;
    readonly LocalPath: string;
    readonly S3DataType?: string;
    readonly S3InputMode?: string;
  };
}

export interface ProcessingOutput {
  readonly OutputName: string;
  readonly S3Output?: { readonly S3Uri: string; readonly LocalPath: string; readonly S3UploadMode?: string };
}

export interface CreateProcessingJobRequest {
  readonly ProcessingJobName: string;
  readonly RoleArn: string;
  readonly AppSpecification: {
    readonly ImageUri: string;
    readonly ContainerEntrypoint?: readonly string[];
    readonly ContainerArguments?: readonly string[];
  };
  readonly Environment?: Readonly<Record<string, string>>;
  readonly ProcessingInputs?: readonly ProcessingInput[];
  readonly ProcessingOutputConfig?: {
    readonly KmsKeyId?: string;
    readonly Outputs: readonly ProcessingOutput[];
  };
  readonly ProcessingResources: {
    readonly ClusterConfig: {
      readonly InstanceCount: number;
      readonly InstanceType: string;
      readonly VolumeSizeInGB?: number;
      readonly VolumeKmsKeyId?: string;
    };
  };
  readonly StoppingCondition?: { readonly MaxRuntimeInSeconds: number };
  readonly [other: string]: unknown;
}

export type ProcessingJobStatus = 'Completed' | 'Failed' | 'Stopped';

/** What DescribeProcessingJob would answer once the job has ended. */
export interface ProcessingJobDescription extends CreateProcessingJobRequest {
  readonly ProcessingJobArn: string;
  readonly ProcessingJobStatus: ProcessingJobStatus;
  readonly FailureReason?: string;
  readonly ExitMessage?: string;
  readonly CreationTime: Date;
  readonly ProcessingStartTime: Date;
  readonly ProcessingEndTime: Date;
  readonly LastModifiedTime: Date;
}

export interface Channel {
  readonly ChannelName: string;
  readonly DataSource: {
    readonly S3DataSource: {
      readonly S3Uri: string;
      readonly S3DataType?: string;
      readonly S3DataDistributionType?: string;
    };
  };
  readonly ContentType?: string;
  readonly InputMode?: string;
}

export interface CreateTrainingJobRequest {
  readonly TrainingJobName: string;
  readonly RoleArn: string;
  readonly AlgorithmSpecification: {
    readonly TrainingImage: string;
    readonly TrainingInputMode?: string;
    readonly MetricDefinitions?: readonly MetricDefinition[];
  };
  readonly HyperParameters?: Readonly<Record<string, string>>;
  readonly InputDataConfig?: readonly Channel[];
  readonly OutputDataConfig: { readonly S3OutputPath: string; readonly KmsKeyId?: string };
  readonly ResourceConfig: { readonly InstanceType: string; readonly InstanceCount: number };
  readonly StoppingCondition?: {
    readonly MaxRuntimeInSeconds?: number;
    readonly MaxWaitTimeInSeconds?: number;
  };
  readonly CheckpointConfig?: { readonly S3Uri: string; readonly LocalPath?: string };
  readonly Environment?: Readonly<Record<string, string>>;
  readonly [other: string]: unknown;
}

export type TrainingJobStatus = 'Completed' | 'Failed' | 'Stopped';

/** What DescribeTrainingJob would answer once the job has ended. */
export interface TrainingJobDescription extends CreateTrainingJobRequest {
  readonly TrainingJobArn: string;
  readonly TrainingJobStatus: TrainingJobStatus;
  readonly SecondaryStatus: 'Completed' | 'Failed' | 'MaxRuntimeExceeded' | 'Stopped';
  readonly FailureReason?: string;
  /** Present when the job completed. */
  readonly ModelArtifacts?: { readonly S3ModelArtifacts: string };
  readonly FinalMetricDataList: readonly MetricData[];
  readonly CreationTime: Date;
  readonly TrainingStartTime: Date;
  readonly TrainingEndTime: Date;
  readonly LastModifiedTime: Date;
  readonly TrainingTimeInSeconds: number;
  readonly BillableTimeInSeconds: number;
}
