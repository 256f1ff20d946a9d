import { Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import type { MlEnvConfig } from '../../config';
import type { MlEnvironmentStage } from '../../lib/platform/stages/ml-environment-stage';

/** The retention periods CloudWatch Logs accepts, in days (its API reference). */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** A hand edit in one environment's stage that no knob makes: parity must fail on each. */
export interface Holdout {
  readonly name: string;
  /** The environment edited, chosen from the configuration. */
  environment(config: MlEnvConfig): string;
  apply(stage: MlEnvironmentStage): void;
}

const find = <T extends IConstruct>(stage: MlEnvironmentStage, is: (c: IConstruct) => c is T): T[] =>
  stage.node.findAll().filter(is);
/** An environment other than the reference: the one after it in the list, or the one before. */
const another = (config: MlEnvConfig) => config.environments.find((e) => e.name !== config.reference)!.name;
/** The environment alone with its `tracking.server` value (dev in the committed configuration). */
export const aloneWithTrackingServer = (config: MlEnvConfig) => {
  const alone = config.environments.filter(
    (e) => config.environments.filter((o) => o.tracking.server === e.tracking.server).length === 1,
  );
  if (alone.length === 0) throw new Error('no environment is alone with its tracking.server value');
  return alone[0].name;
};

export const HOLDOUTS: readonly Holdout[] = [
  {
    name: 'a prod-only ingress rule',
    environment: (config) => config.reference,
    apply: (stage) =>
      stage.network!.network.endpointSecurityGroup.addIngressRule(
        ec2.Peer.ipv4('10.99.0.0/16'),
        ec2.Port.tcp(443),
      ),
  },
  {
    name: 'a retention change in one environment',
    environment: another,
    apply: (stage) => {
      const [group] = find(stage, (c): c is logs.CfnLogGroup => c instanceof logs.CfnLogGroup);
      const longer = RETENTION_DAYS.find((d) => d > stage.environment.logRetentionDays)!;
      group.addPropertyOverride('RetentionInDays', longer);
    },
  },
  {
    name: 'an alarm threshold changed by hand',
    environment: another,
    apply: (stage) => {
      const [alarm] = find(stage, (c): c is cloudwatch.CfnAlarm => c instanceof cloudwatch.CfnAlarm);
      alarm.addPropertyOverride('Threshold', (alarm.threshold ?? 0) + 1);
    },
  },
  {
    name: 'an extra permission in one environment',
    environment: another,
    apply: (stage) =>
      stage.models[0].pipeline.jobRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['s3:DeleteObject'],
          resources: [stage.storage.dataStore.rawBucket.arnForObjects('holdout.csv')],
        }),
      ),
  },
  {
    name: "the edit in the environment alone with its tracking.server: s3:DeleteObject on every bucket in the run recorder's policy",
    environment: aloneWithTrackingServer,
    apply: (stage) => {
      const [role] = find(
        stage,
        (c): c is iam.Role => c instanceof iam.Role && c.node.path.endsWith('RunRecorder/Role'),
      );
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['s3:DeleteObject'], resources: ['arn:aws:s3:::*'] }),
      );
      // cdk-nag would stop the synth; the hand edit is acknowledged so that parity is what must catch it.
      Validations.of(role.node.findChild('DefaultPolicy').node.defaultChild!).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:s3:::*]',
        reason: 'parity holdout',
      });
    },
  },
];
