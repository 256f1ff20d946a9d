/** Where a knob may show up in a synthesized template. */
export interface KnobEffect {
  /** The knob: a field of an environment's settings, dotted for nested ones (`training.instanceType`). */
  readonly knob: string;
  /** Why it may differ between environments (shown by the parity report). */
  readonly reason: string;
  /** CloudFormation resource types it may change. @default - any type */
  readonly resourceTypes?: readonly string[];
  /** Stacks (ids within the stage) it may change. @default - any stack */
  readonly stacks?: readonly string[];
  /** A difference in kind, not just size (the report marks it as a declared divergence). */
  readonly divergence?: boolean;
  /**
   * Property paths it may change, as the parity check flattens them (`Properties.X[0].Y`; a state
   * machine's definition is parsed into `Properties.Definition.States.<state>...`; `(exists)` for
   * whether the resource exists at all).
   */
  readonly paths: readonly RegExp[];
}

const STATE_MACHINE = 'AWS::StepFunctions::StateMachine';
const ENDPOINT_CONFIG = 'AWS::SageMaker::EndpointConfig';
const EXISTS = /^\(exists\)$/;

/** The path of a property of the endpoint config's single production variant. */
function variant(property: string): RegExp {
  return new RegExp(`^Properties\\.ProductionVariants\\[0\\]\\.${property.replace(/\./g, '\\.')}$`);
}

/** The path of a parameter of a state in a parsed state machine definition. */
function param(states: string, parameter: string): RegExp {
  const escaped = parameter.replace(/[.[\]]/g, '\\$&');
  return new RegExp(`^Properties\\.Definition\\.States\\.${states}\\.Parameters\\.${escaped}$`);
}

/** The path of a state's own timeout, or of the whole state machine's when `states` is omitted. */
function timeout(states?: string): RegExp {
  return states
    ? new RegExp(`^Properties\\.Definition\\.States\\.${states}\\.TimeoutSeconds$`)
    : /^Properties\.Definition\.TimeoutSeconds$/;
}

/**
 * The knobs that may make environments differ, and where. The parity check fails on any
 * difference between environments that none of these explains. When several knobs cover one
 * property, it is explained if it follows their values together.
 */
export const KNOB_EFFECTS: readonly KnobEffect[] = [
  {
    knob: 'removalPolicy',
    reason: 'disposable environments may delete their data with the stack',
    paths: [/^DeletionPolicy$/, /^UpdateReplacePolicy$/],
  },
  {
    knob: 'noncurrentVersionDays',
    reason: 'how long old object versions are kept is a cost knob',
    resourceTypes: ['AWS::S3::Bucket'],
    paths: [
      /^Properties\.LifecycleConfiguration\.Rules\[\d+\]\.NoncurrentVersionExpiration\.NoncurrentDays$/,
    ],
  },
  {
    knob: 'logRetentionDays',
    reason: 'how long logs are kept is a cost and compliance knob',
    resourceTypes: ['AWS::S3::Bucket', 'AWS::Logs::LogGroup'],
    paths: [
      /^Properties\.LifecycleConfiguration\.Rules\[\d+\]\.ExpirationInDays$/,
      /^Properties\.RetentionInDays$/,
    ],
  },
  {
    knob: 'costCentre',
    reason: 'billing tag',
    paths: [/^Properties\.(Tags|ResourceTags)(\[mlenv:cost-centre\]|\.mlenv:cost-centre)$/],
  },
  {
    knob: 'alertEmails',
    reason: 'who is told differs per environment',
    resourceTypes: ['AWS::SNS::Subscription'],
    paths: [/^\(exists\)$/, /^Properties\.Endpoint$/],
  },
  {
    knob: 'training.instanceType',
    reason: 'training instance size',
    resourceTypes: [STATE_MACHINE],
    paths: [param('Train', 'ResourceConfig.InstanceType')],
  },
  {
    knob: 'training.instanceCount',
    reason: 'training instance count',
    resourceTypes: [STATE_MACHINE],
    paths: [param('Train', 'ResourceConfig.InstanceCount')],
  },
  {
    knob: 'training.processingInstanceType',
    reason: 'preprocessing and evaluation instance size',
    resourceTypes: [STATE_MACHINE],
    paths: [
      param('(Preprocess|Evaluate|Baseline)', 'ProcessingResources.ClusterConfig.InstanceType'),
      param('RegisterModel', 'InferenceSpecification.SupportedTransformInstanceTypes[0]'),
    ],
  },
  {
    knob: 'training.volumeSizeGb',
    reason: 'job storage size',
    resourceTypes: [STATE_MACHINE],
    paths: [
      param('Train', 'ResourceConfig.VolumeSizeInGB'),
      param('(Preprocess|Evaluate|Baseline)', 'ProcessingResources.ClusterConfig.VolumeSizeInGB'),
    ],
  },
  {
    knob: 'training.maxRuntimeMinutes',
    reason: 'job time limits',
    resourceTypes: [STATE_MACHINE],
    paths: [
      param('(Preprocess|Train|Evaluate|Baseline)', 'StoppingCondition.MaxRuntimeInSeconds'),
      timeout('(Preprocess|Train|Evaluate|Baseline)'),
      timeout(),
    ],
  },
  {
    knob: 'training.spot',
    reason: 'managed spot training is a cost switch',
    resourceTypes: [STATE_MACHINE],
    paths: [
      param('Train', 'EnableManagedSpotTraining'),
      param('Train', 'StoppingCondition.MaxWaitTimeInSeconds'),
      /^Properties\.Definition\.States\.Train\.Parameters\.CheckpointConfig\./,
      timeout('Train'),
      timeout(),
    ],
  },
  {
    knob: 'training.approvalStatus',
    reason: 'models are approved by a person outside local and dev',
    resourceTypes: [STATE_MACHINE],
    paths: [param('RegisterModel', 'ModelApprovalStatus')],
  },
  {
    knob: 'training.schedule',
    reason: 'scheduled retraining is a cost switch',
    resourceTypes: ['AWS::Events::Rule'],
    paths: [/^Properties\.ScheduleExpression$/, /^Properties\.State$/],
  },
  {
    knob: 'deployments',
    reason: 'each environment serves the model packages its deployments/<env>.json pins',
    stacks: ['Serving'],
    paths: [EXISTS, /^Properties\.Containers\[0\]\.ModelPackageName$/, /^Properties\.Value$/],
  },
  {
    knob: 'serving.kind',
    reason: 'serverless has no instances, data capture, blue/green rollout or autoscaling',
    divergence: true,
    stacks: ['Serving'],
    paths: [
      EXISTS,
      variant('InstanceType'),
      variant('InitialInstanceCount'),
      /^Properties\.ProductionVariants\[0\]\.ServerlessConfig\./,
      /^Properties\.KmsKeyId$/,
      /^Properties\.DataCaptureConfig\./,
      /^Properties\.DeploymentConfig\./,
      /^Properties\.PolicyDocument\.Statement\[\d+\]\./,
    ],
  },
  {
    knob: 'serving.instanceType',
    reason: "endpoint instance size (staging must use prod's)",
    resourceTypes: [ENDPOINT_CONFIG],
    paths: [variant('InstanceType')],
  },
  {
    knob: 'serving.initialInstanceCount',
    reason: 'endpoint instance count',
    resourceTypes: [ENDPOINT_CONFIG],
    paths: [variant('InitialInstanceCount')],
  },
  {
    knob: 'serving.autoscaling',
    reason: 'endpoint capacity bounds and target',
    resourceTypes: [
      'AWS::ApplicationAutoScaling::ScalableTarget',
      'AWS::ApplicationAutoScaling::ScalingPolicy',
    ],
    paths: [
      /^Properties\.(MinCapacity|MaxCapacity)$/,
      /^Properties\.TargetTrackingScalingPolicyConfiguration\.TargetValue$/,
    ],
  },
  {
    knob: 'serving.serverless',
    reason: 'serverless memory and concurrency',
    resourceTypes: [ENDPOINT_CONFIG],
    paths: [/^Properties\.ProductionVariants\[0\]\.ServerlessConfig\./],
  },
  {
    knob: 'serving.dataCapturePercent',
    reason: 'share of traffic captured for monitoring (and the role that writes it)',
    stacks: ['Serving'],
    paths: [/^Properties\.DataCaptureConfig\./, /^Properties\.PolicyDocument\.Statement\[\d+\]\./],
  },
  {
    knob: 'serving.rollout',
    reason: 'canary size and watch time of blue/green rollouts',
    resourceTypes: ['AWS::SageMaker::Endpoint'],
    paths: [/^Properties\.DeploymentConfig\.BlueGreenUpdatePolicy\./],
  },
  {
    knob: 'serving.latencyAlarmMs',
    reason: 'latency alarm threshold',
    resourceTypes: ['AWS::CloudWatch::Alarm'],
    paths: [/^Properties\.(Threshold|AlarmDescription)$/],
  },
  {
    knob: 'network',
    reason:
      "without a VPC, jobs and endpoints run in SageMaker's network (still isolated), saving the endpoints' hourly cost",
    divergence: true,
    stacks: ['Network'],
    paths: [EXISTS],
  },
  {
    knob: 'network',
    reason: 'jobs and models are placed in the VPC, and their roles may manage network interfaces',
    divergence: true,
    stacks: ['Training', 'Serving'],
    paths: [
      /^Properties\.Definition\.States\.(Preprocess|Evaluate|Baseline)\.Parameters\.NetworkConfig\.VpcConfig\./,
      /^Properties\.Definition\.States\.Train\.Parameters\.VpcConfig\./,
      /^Properties\.VpcConfig\./,
      /^Properties\.PolicyDocument\.Statement\[\d+\]\./,
    ],
  },
  {
    knob: 'promotionReaders',
    reason:
      'the next environment in the promotion order may read the registry and model artifacts; the last one shares nothing',
    stacks: ['Storage', 'Registry'],
    resourceTypes: ['AWS::SageMaker::ModelPackageGroup', 'AWS::S3::BucketPolicy', 'AWS::KMS::Key'],
    paths: [
      /^Properties\.ModelPackageGroupPolicy(\.|$)/,
      /^Properties\.(PolicyDocument|KeyPolicy)\.Statement\[\d+\]\./,
    ],
  },
  {
    knob: 'monitoring',
    reason: 'alarm thresholds',
    resourceTypes: ['AWS::CloudWatch::Alarm'],
    paths: [/^Properties\.(Threshold|AlarmDescription)$/],
  },
  {
    knob: 'monitoring.retrainOnDrift',
    reason: 'drift starts retraining by itself (with a role for the rule) only where the knob is on',
    stacks: ['Serving'],
    resourceTypes: ['AWS::IAM::Role', 'AWS::IAM::Policy', 'AWS::Events::Rule'],
    paths: [EXISTS, /^Properties\.Targets\[\d+\]\./],
  },
  {
    knob: 'monitoring.monthlyBudgetUsd',
    reason: 'cost budget of the environment',
    resourceTypes: ['AWS::Budgets::Budget'],
    paths: [/^Properties\.Budget\.BudgetLimit\.Amount$/],
  },
  {
    knob: 'deployments',
    reason: 'the dashboard shows the endpoints the environment serves',
    resourceTypes: ['AWS::CloudWatch::Dashboard'],
    paths: [/^Properties\.DashboardBody$/],
  },
  {
    knob: 'serving.kind',
    reason: 'instance variants also have utilization alarms',
    divergence: true,
    resourceTypes: ['AWS::CloudWatch::CompositeAlarm'],
    paths: [/^Properties\.AlarmRule$/],
  },
  {
    knob: 'serving.kind',
    reason: 'instance variants also show utilization',
    divergence: true,
    resourceTypes: ['AWS::CloudWatch::Dashboard'],
    paths: [/^Properties\.DashboardBody$/],
  },
];
