import {
  Arn,
  ArnFormat,
  Aspects,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  type Stage,
} from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as pipelines from 'aws-cdk-lib/pipelines';
import type { Construct } from 'constructs';
import type { DeliveryConfig } from '../../../config';
import { allowLogGroupEncryption, NotifyTopicRuleTarget, servicePrincipalFor } from '../../../constructs';
import { acknowledgeControl } from '../compliance/acknowledge';
import { AcknowledgeDeliveryFindings } from '../compliance/delivery-acknowledgements';
import type { DeployTarget } from './deploy-targets';
import { pipelineCliVersions } from './cli-versions';
import { ConditionConnectionUse } from './condition-connection-use';
import { ConditionServiceTrust } from './condition-service-trust';
import { postDeploymentCommands } from './post-deployment';
import { ScopeBuildControl } from './scope-build-control';

/** The CodeBuild image and runtimes every step runs on (the README's prerequisites). */
const BUILD_ENVIRONMENT: codebuild.BuildEnvironment = {
  buildImage: codebuild.LinuxBuildImage.STANDARD_7_0,
  computeType: codebuild.ComputeType.MEDIUM,
};
const RUNTIMES = codebuild.BuildSpec.fromObject({
  phases: { install: { 'runtime-versions': { nodejs: 20, python: '3.12', java: 'corretto17' } } },
});

/** The README's test command and the synth, run on every commit before anything is deployed. */
export const SYNTH_COMMANDS = ['npm test', 'npx cdk synth --quiet'];

export interface DeliveryStackProps extends StackProps {
  readonly project: string;
  readonly delivery: DeliveryConfig;
  /** The environments in delivery order, each with the stage that deploys it. */
  readonly targets: ReadonlyArray<{ readonly target: DeployTarget; readonly stage: Stage }>;
}

/**
 * The delivery pipeline, in the tooling account (CDK Pipelines): on each commit to the branch,
 * tests and synth, then every environment in order (a person approves first where configured),
 * each followed by the parity check on the assembly it deployed and a smoke test of every model it
 * serves. It updates itself first (self-mutation). Failures and waiting approvals are notified.
 */
export class DeliveryStack extends Stack {
  public readonly pipeline: pipelines.CodePipeline;
  public readonly notifications: sns.Topic;
  public readonly artifactKey: kms.Key;

  constructor(scope: Construct, id: string, props: DeliveryStackProps) {
    super(scope, id, props);
    const { project, delivery } = props;

    this.artifactKey = new kms.Key(this, 'ArtifactKey', {
      description: 'Encrypts the delivery pipeline artifacts, build logs and notifications',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    allowLogGroupEncryption(this.artifactKey);
    const logBucket = new s3.Bucket(this, 'ArtifactAccessLogs', {
      ...SECURE_BUCKET,
      encryption: s3.BucketEncryption.S3_MANAGED, // server access logging delivers only to SSE-S3 buckets
      lifecycleRules: [{ expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) }],
    });
    const artifactBucket = new s3.Bucket(this, 'Artifacts', {
      ...SECURE_BUCKET,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.artifactKey,
      bucketKeyEnabled: true,
      serverAccessLogsBucket: logBucket,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
    });
    const logGroup = new logs.LogGroup(this, 'BuildLogs', {
      retention: delivery.logRetentionDays as logs.RetentionDays,
      encryptionKey: this.artifactKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.notifications = new sns.Topic(this, 'Notifications', {
      masterKey: this.artifactKey,
      enforceSSL: true,
    });
    for (const email of delivery.notificationEmails) {
      this.notifications.addSubscription(new subscriptions.EmailSubscription(email));
    }

    const source = pipelines.CodePipelineSource.connection(
      delivery.source.repository,
      delivery.source.branch,
      {
        connectionArn: delivery.source.connectionArn,
        // A git clone, not a zip: the synth records the commit as the models' code version.
        codeBuildCloneOutput: true,
      },
    );
    const synth = new pipelines.CodeBuildStep('Synth', {
      input: source,
      commands: SYNTH_COMMANDS,
      primaryOutputDirectory: 'cdk.out',
    });
    const cli = pipelineCliVersions();
    this.pipeline = new pipelines.CodePipeline(this, 'Pipeline', {
      pipelineName: `${project}-delivery`,
      pipelineType: codepipeline.PipelineType.V2,
      synth,
      crossAccountKeys: true,
      enableKeyRotation: true,
      artifactBucket,
      selfMutation: true,
      // The CLIs its generated steps install: exact versions, not `aws-cdk@2` and `cdk-assets@latest`.
      cliVersion: cli.cdk,
      cdkAssetsCliVersion: cli.cdkAssets,
      codeBuildDefaults: {
        buildEnvironment: BUILD_ENVIRONMENT,
        partialBuildSpec: RUNTIMES,
        logging: { cloudWatch: { logGroup } },
        timeout: Duration.hours(1),
      },
    });

    const checks: pipelines.CodeBuildStep[] = [];
    for (const { target, stage } of props.targets) {
      const checksRole = new iam.Role(this, `${target.stageId}ChecksRole`, {
        roleName: Arn.split(target.pipelineChecksRoleArn, ArnFormat.SLASH_RESOURCE_NAME).resourceName,
        assumedBy: servicePrincipalFor(this, 'codebuild.amazonaws.com', [
          this.formatArn({ service: 'codebuild', resource: 'project', resourceName: '*' }),
        ]),
        description: `Runs the post-deployment checks of ${target.environment}`,
      });
      checksRole.addToPolicy(
        new iam.PolicyStatement({
          sid: 'AssumeTheEnvironmentsCheckRole',
          actions: ['sts:AssumeRole'],
          resources: [target.checkRoleArn],
        }),
      );
      const check = new pipelines.CodeBuildStep(`Check${target.stageId}`, {
        input: source,
        additionalInputs: { 'cdk.out': synth },
        role: checksRole,
        commands: postDeploymentCommands(target),
      });
      checks.push(check);
      const delivered = props.targets.slice(
        0,
        props.targets.findIndex((t) => t.target === target),
      );
      this.pipeline.addStage(stage, {
        pre: target.manualApproval
          ? [
              new pipelines.ManualApprovalStep(`Approve${target.stageId}`, {
                comment: approvalComment(target.environment, delivered),
                // The approval's own message carries the link to approve; e-mailed to notificationEmails.
                notificationTopic: this.notifications,
              }),
            ]
          : [],
        post: [check],
      });
    }
    this.pipeline.buildPipeline();
    grantUseConnection(delivery.source.connectionArn, [
      // The source action's role, which CodePipeline creates when it binds the action.
      ...this.pipeline.pipeline.node
        .findChild('Source')
        .node.findAll()
        .filter((c): c is iam.Role => c instanceof iam.Role),
      synth.project.role,
      ...checks.map((step) => step.project.role),
    ]);
    Aspects.of(this).add(new AcknowledgeDeliveryFindings({ bucket: artifactBucket, key: this.artifactKey }));
    Aspects.of(this).add(new ConditionServiceTrust());
    Aspects.of(this).add(new ScopeBuildControl());
    Aspects.of(this).add(new ConditionConnectionUse(delivery.source.repository));
    const rebuilt = 'rebuilt by running the pipeline again from git; the tooling account works in one region';
    acknowledgeControl(artifactBucket, 'S3BucketReplicationEnabled', `Pipeline artifacts are ${rebuilt}`);
    acknowledgeControl(logBucket, 'S3BucketReplicationEnabled', `Access logs of artifacts ${rebuilt}`);
    acknowledgeControl(
      logBucket,
      'S3DefaultEncryptionKMS',
      'S3 server access logging can only deliver to buckets encrypted with SSE-S3, not SSE-KMS ' +
        '(https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html)',
    );
    this.pipeline.pipeline.notifyOn('Failures', new NotifyTopicRuleTarget(this.notifications), {
      // Approvals notify through their own action (above), with the link to approve.
      events: [codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_FAILED],
    });
  }
}

/** What the person approving a deploy is asked. */
function approvalComment(
  environment: string,
  before: ReadonlyArray<{ readonly target: DeployTarget }>,
): string {
  const checked = before.map((b) => b.target.environment);
  return checked.length > 0
    ? `Deploy this commit to ${environment}? It is deployed and checked in ${checked.join(', ')}.`
    : `Deploy this commit to ${environment}? It passed the tests and synth.`;
}

const SECURE_BUCKET = {
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
  versioned: true,
  removalPolicy: RemovalPolicy.RETAIN,
} satisfies s3.BucketProps;

/**
 * Lets `roles` use the connection under the service prefix of its ARN. CDK Pipelines grants
 * `codestar-connections:UseConnection` whatever the ARN, and AWS documents that the prefix must
 * match the resource's: connections made since 2024 are `codeconnections` ARNs.
 */
function grantUseConnection(connectionArn: string, roles: ReadonlyArray<iam.IRole | undefined>): void {
  const service = connectionArn.split(':')[2];
  if (service === 'codestar-connections') return;
  for (const role of roles) {
    role?.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: [`${service}:UseConnection`], resources: [connectionArn] }),
    );
  }
}
