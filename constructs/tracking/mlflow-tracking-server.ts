import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { servicePrincipalFor } from '../common/service-principals';
import type { IMlDataStore } from '../storage/ml-data-store';

/** SageMaker managed MLflow sizes (Small: up to 25 users, Medium 50, Large 100). */
export const MLFLOW_SERVER_SIZES = ['Small', 'Medium', 'Large'] as const;
export type MlflowServerSize = (typeof MLFLOW_SERVER_SIZES)[number];

/** CloudFormation's pattern of a tracking server name (1-256; letters, digits, single `-` between). */
const SERVER_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/;
/** A weekly maintenance window's start, UTC: `Tue:03:30`. */
export const MAINTENANCE_WINDOW = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun):([01]\d|2[0-3]):[0-5]\d$/;
/** An artifact prefix in the models bucket. */
const PREFIX = /^[a-z0-9][a-z0-9_.-]*(\/[a-z0-9][a-z0-9_.-]*)*\/$/;

/**
 * A tracking server's ARN, `arn:<partition>:sagemaker:<region>:<account>:mlflow-tracking-server/<name>`
 * (groups: partition, region, account, name): also the tracking URI of the `sagemaker-mlflow` plugin.
 */
export const TRACKING_SERVER_ARN =
  /^arn:([\w-]+):sagemaker:([\w-]+):(\d{12}):mlflow-tracking-server\/([a-zA-Z0-9-]+)$/;

/** The ARN of the tracking server `name` of an account and region, as AWS formats it. */
export function trackingServerArn(
  where: { readonly partition: string; readonly region: string; readonly account: string },
  name: string,
): string {
  return `arn:${where.partition}:sagemaker:${where.region}:${where.account}:mlflow-tracking-server/${name}`;
}

/** What a pipeline step that records runs logs (the MLflow API, as SageMaker authorizes it). */
const LOG_RUN_ACTIONS = [
  'sagemaker-mlflow:GetExperiment',
  'sagemaker-mlflow:GetExperimentByName',
  'sagemaker-mlflow:CreateExperiment',
  'sagemaker-mlflow:CreateRun',
  'sagemaker-mlflow:UpdateRun',
  'sagemaker-mlflow:GetRun',
  'sagemaker-mlflow:LogBatch',
  'sagemaker-mlflow:SetTag',
];
/** What a reader of runs (a CLI listing them) calls. */
const READ_RUN_ACTIONS = [
  'sagemaker-mlflow:GetExperiment',
  'sagemaker-mlflow:GetExperimentByName',
  'sagemaker-mlflow:SearchExperiments',
  'sagemaker-mlflow:GetRun',
  'sagemaker-mlflow:SearchRuns',
  'sagemaker-mlflow:GetMetricHistory',
];

export interface MlflowTrackingServerProps {
  /** The server's name, part of its ARN (1-256 letters, digits and `-`). */
  readonly trackingServerName: string;
  /** Its artifacts go to the data store's models bucket, under `artifactPrefix`, with its key. */
  readonly dataStore: IMlDataStore;
  /**
   * Where in the models bucket the server keeps run artifacts.
   * @default 'mlflow/'
   */
  readonly artifactPrefix?: string;
  /** @default 'Small' */
  readonly size?: MlflowServerSize;
  /**
   * When SageMaker may patch the server each week (UTC), e.g. `Sun:03:00`.
   * @default - SageMaker's choice
   */
  readonly weeklyMaintenanceWindowStart?: string;
  /**
   * The MLflow version (a managed server cannot be upgraded in place: changing it replaces the
   * server, and its runs with it).
   * @default - SageMaker's default version when the server is created
   */
  readonly mlflowVersion?: string;
  /**
   * Whether the server is kept when the stack is deleted or it is replaced (its runs are data).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** An MLflow tracking server: what a step that records runs, or a reader of them, needs. */
export interface IMlflowTrackingServer {
  readonly trackingServerName: string;
  /** The server's ARN: also the tracking URI of the `sagemaker-mlflow` plugin. */
  readonly trackingServerArn: string;
  /** `s3://` location of its artifacts. */
  readonly artifactStoreUri: string;
  /** Lets `grantee` create experiments and runs and log parameters, metrics and tags. */
  grantLogRuns(grantee: iam.IGrantable): iam.Grant;
  /** Lets `grantee` read and search experiments and runs. */
  grantReadRuns(grantee: iam.IGrantable): iam.Grant;
}

/**
 * A SageMaker managed MLflow tracking server of experiments and runs, its artifacts in the data
 * store's models bucket under their own prefix (encrypted with the data key), with a role that may
 * use that prefix and nothing else. Automatic registration of MLflow models in the SageMaker model
 * registry is off: the platform's pipelines register packages.
 *
 * @example
 * const tracking = new MlflowTrackingServer(this, 'Tracking', {
 *   trackingServerName: 'acme-dev',
 *   dataStore,
 *   weeklyMaintenanceWindowStart: 'Sun:03:00',
 * });
 * tracking.grantLogRuns(recorderRole);
 */
export class MlflowTrackingServer extends Construct implements IMlflowTrackingServer {
  public readonly trackingServerName: string;
  public readonly trackingServerArn: string;
  public readonly artifactStoreUri: string;
  /** The role the server uses for its artifacts. */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: MlflowTrackingServerProps) {
    super(scope, id);
    const prefix = props.artifactPrefix ?? 'mlflow/';
    const problems = [
      ...(SERVER_NAME.test(props.trackingServerName)
        ? []
        : [
            `trackingServerName '${props.trackingServerName}' must be 1-256 letters, digits and single '-' between them`,
          ]),
      ...(PREFIX.test(prefix)
        ? []
        : [`artifactPrefix '${prefix}' must be a key prefix ending with '/', without '*'`]),
      ...(props.weeklyMaintenanceWindowStart === undefined ||
      MAINTENANCE_WINDOW.test(props.weeklyMaintenanceWindowStart)
        ? []
        : [
            `weeklyMaintenanceWindowStart '${props.weeklyMaintenanceWindowStart}' must be Day:HH:MM (UTC), e.g. Sun:03:00`,
          ]),
      ...(props.size === undefined || MLFLOW_SERVER_SIZES.includes(props.size)
        ? []
        : [`size '${props.size}' must be one of ${MLFLOW_SERVER_SIZES.join(', ')}`]),
    ];
    if (problems.length > 0) throw new Error(`MlflowTrackingServer: ${problems.join('; ')}`);

    const stack = Stack.of(this);
    this.trackingServerName = props.trackingServerName;
    this.trackingServerArn = stack.formatArn({
      service: 'sagemaker',
      resource: 'mlflow-tracking-server',
      resourceName: props.trackingServerName,
    });
    this.artifactStoreUri = `s3://${props.dataStore.modelsBucket.bucketName}/${prefix}`;

    this.role = new iam.Role(this, 'Role', {
      description: `The MLflow tracking server ${props.trackingServerName}: its artifacts`,
      // Conditioned on the source account only, as SageMaker's other service roles here: AWS does
      // not document that a tracking server's AssumeRole carries aws:SourceArn, and a condition on
      // a key the request lacks would stop the server from being created. Within the account,
      // iam:PassRole on this role is what lets a server use it.
      assumedBy: servicePrincipalFor(this, 'sagemaker.amazonaws.com'),
    });
    props.dataStore.grantReadModels(this.role, `${prefix}*`);
    props.dataStore.grantWriteModels(this.role, `${prefix}*`);

    const server = new sagemaker.CfnMlflowTrackingServer(this, 'Server', {
      trackingServerName: props.trackingServerName,
      artifactStoreUri: this.artifactStoreUri,
      roleArn: this.role.roleArn,
      trackingServerSize: props.size ?? 'Small',
      automaticModelRegistration: false,
      weeklyMaintenanceWindowStart: props.weeklyMaintenanceWindowStart,
      mlflowVersion: props.mlflowVersion,
    });
    server.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);
    // The server checks its role when it is created.
    server.node.addDependency(this.role);
  }

  public grantLogRuns(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: LOG_RUN_ACTIONS,
      resourceArns: [this.trackingServerArn],
    });
  }

  public grantReadRuns(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: READ_RUN_ACTIONS,
      resourceArns: [this.trackingServerArn],
    });
  }
}
