import type { EnvironmentConfig } from './load';

/** Where in a template a knob effect is asked for a value. */
export interface KnobSite {
  /** Construct path within the stage (`ChurnModel/ChurnEndpoint/Config`). */
  readonly constructPath: string;
  /** Property path as the parity check flattens it. */
  readonly path: string;
  /** The model whose constructs these are (`churn` for `ChurnModel/ChurnEndpoint/...`), if any. */
  readonly model?: string;
}

/** Where a knob shows up in a synthesized template, and what it makes the value there. */
export interface KnobEffect {
  /** The knobs it reads: fields of an environment's settings, dotted for nested ones (`training.instanceType`). */
  readonly knobs: readonly string[];
  /** Why it may differ between environments (shown by the parity report). */
  readonly reason: string;
  /** A difference in kind, not just size (the report marks it as a declared divergence). */
  readonly divergence?: boolean;
  /** Construct paths within the stage it configures (`Storage/Data/RawBucket`). */
  readonly constructs: readonly RegExp[];
  /**
   * Property paths it may change, as the parity check flattens them (`Properties.X[0].Y`; a state
   * machine's definition is parsed into `Properties.Definition.States.<state>...`; `(exists)` for
   * whether the resource exists at all).
   */
  readonly paths: readonly RegExp[];
  /**
   * The template value it gives an environment (`true`/`false` for `(exists)`; `undefined` for no
   * such property). A difference is explained only if every environment's value is this one.
   */
  readonly value?: (env: EnvironmentConfig, site: KnobSite) => unknown;
  /**
   * Where no value function is practical (whole policy statements): what environments must share
   * to have equal values. A difference is explained if environments with equal keys have equal values.
   * @default - the knobs' values
   */
  readonly sameWhen?: (env: EnvironmentConfig, site: KnobSite) => unknown;
}

const EXISTS = /^\(exists\)$/;
/** A construct of one model: `ChurnModel/ChurnEndpoint`, `ChurnModel/ChurnPipeline`, `Training/ChurnPipelineLogs`. */
const MODEL = '[A-Z][A-Za-z0-9]*';
/** Every resource: for tags that the stage applies to everything it has. */
const EVERYWHERE = /^/;

const at = (path: string) => new RegExp(`^${path}$`);
const escape = (s: string) => s.replace(/[.[\]$]/g, '\\$&');
/** The path of a property (`Properties.RetentionInDays`). */
const prop = (path: string) => at(`Properties\\.${escape(path)}`);

const STATE_MACHINE = at(`${MODEL}Model/${MODEL}Pipeline/StateMachine`);
const JOB_STATES = ['Preprocess', 'Train', 'Evaluate', 'Baseline'] as const;
const PROCESSING_STATES = '(Preprocess|Evaluate|Baseline)';
/** The path of a parameter of a state in a parsed state machine definition. */
const param = (states: string, parameter: string) =>
  at(`Properties\\.Definition\\.States\\.${states}\\.Parameters\\.${escape(parameter)}`);
/** The time a SageMaker task may take beyond its job's own limit (to get instances). */
const PROVISIONING_SECONDS = 3600;
const jobSeconds = (env: EnvironmentConfig, state: string) =>
  60 *
  (state === 'Train' && env.training.spot.enabled
    ? env.training.spot.maxWaitMinutes
    : env.training.maxRuntimeMinutes);

const ENDPOINT_CONFIG = at(`${MODEL}Model/${MODEL}Endpoint/Config`);
const variant = (property: string) => prop(`ProductionVariants[0].${property}`);
const instances = (env: EnvironmentConfig) => env.serving.kind === 'instance';
const pinned = (env: EnvironmentConfig, site: KnobSite) =>
  site.model !== undefined && site.model in env.deployments;
const captures = (env: EnvironmentConfig) => instances(env) && env.serving.dataCapturePercent > 0;
const retentionPolicy = (env: EnvironmentConfig) => (env.removalPolicy === 'destroy' ? 'Delete' : 'Retain');
const UTILIZATION = {
  CPUUtilization: 'cpuPercent',
  MemoryUtilization: 'memoryPercent',
  DiskUtilization: 'diskPercent',
} as const;
const lastPart = (constructPath: string) => constructPath.slice(constructPath.lastIndexOf('/') + 1);

/**
 * The knobs that may make environments differ, where, and to what. The parity check fails on any
 * difference between environments that none of these explains. An effect with a value function
 * explains a difference only if every environment has the value it gives; the others (declared
 * where whole statements or bodies differ) only if environments that share their key agree.
 */
export const KNOB_EFFECTS: readonly KnobEffect[] = [
  {
    knobs: ['removalPolicy'],
    reason: 'disposable environments may delete their data with the stack',
    constructs: [
      at('Storage/Data/[A-Za-z]+Bucket'),
      at('Storage/(Data/Key|OperationsKey)'),
      at(`Registry/Registry/${MODEL}Group`),
      at(`Training/${MODEL}(PipelineLogs|DbtBuildLogs|RunRecordLogs|EtlOutputLogs|EtlErrorLogs)`),
      at(`Training/SageMaker(Training|Processing)JobLogs`),
      at('Network/Network/FlowLogs'),
      at('Training/Tracking/Server'),
    ],
    paths: [/^DeletionPolicy$/, /^UpdateReplacePolicy$/],
    value: retentionPolicy,
  },
  {
    knobs: ['noncurrentVersionDays'],
    reason: 'how long old object versions are kept is a cost knob',
    constructs: [at('Storage/Data/[A-Za-z]+Bucket')],
    paths: [prop('LifecycleConfiguration.Rules[0].NoncurrentVersionExpiration.NoncurrentDays')],
    value: (env) => env.noncurrentVersionDays,
  },
  {
    knobs: ['serving.captureRetentionDays'],
    reason: 'how long captured requests and responses are kept is a privacy and cost knob',
    constructs: [at('Storage/Data/MonitoringBucket')],
    // The data-capture rules follow the bucket's version and storage-class rules, one per model.
    paths: [/^Properties\.LifecycleConfiguration\.Rules\[([2-9]|\d\d+)\]\.ExpirationInDays$/],
    value: (env) => env.serving.captureRetentionDays,
  },
  {
    knobs: ['logRetentionDays'],
    reason: 'how long logs are kept is a cost and compliance knob',
    constructs: [at('Storage/Data/AccessLogsBucket')],
    paths: [prop('LifecycleConfiguration.Rules[0].ExpirationInDays')],
    value: (env) => env.logRetentionDays,
  },
  {
    knobs: ['logRetentionDays'],
    reason: 'how long logs are kept is a cost and compliance knob',
    constructs: [
      at(`Training/${MODEL}(PipelineLogs|DbtBuildLogs|RunRecordLogs|EtlOutputLogs|EtlErrorLogs)`),
      at(`Training/SageMaker(Training|Processing)JobLogs`),
      at('Network/Network/FlowLogs'),
    ],
    paths: [prop('RetentionInDays')],
    value: (env) => env.logRetentionDays,
  },
  {
    knobs: ['costCentre'],
    reason: 'billing tag, which the stage puts on every resource',
    constructs: [EVERYWHERE],
    paths: [/^Properties\.(Tags|ResourceTags)(\[mlenv:cost-centre\]|\.mlenv:cost-centre)$/],
    value: (env) => env.costCentre,
  },
  {
    knobs: ['alertEmails'],
    reason: 'who is told differs per environment',
    constructs: [at('Operations/Alerts/[^/]+@[^/]+')],
    paths: [EXISTS, prop('Endpoint')],
    value: (env, site) => {
      const email = lastPart(site.constructPath);
      if (site.path === '(exists)') return env.alertEmails.includes(email);
      return env.alertEmails.includes(email) ? email : undefined;
    },
  },
  {
    knobs: ['monitoring.monthlyBudgetUsd'],
    reason: 'cost budget of the environment',
    constructs: [at('Operations/Budget/Budget')],
    paths: [prop('Budget.BudgetLimit.Amount')],
    value: (env) => env.monitoring.monthlyBudgetUsd,
  },

  // Training pipelines: one state machine per model.
  {
    knobs: ['training.instanceType'],
    reason: 'training instance size',
    constructs: [STATE_MACHINE],
    paths: [param('Train', 'ResourceConfig.InstanceType')],
    value: (env) => env.training.instanceType,
  },
  {
    knobs: ['training.instanceCount'],
    reason: 'training instance count',
    constructs: [STATE_MACHINE],
    paths: [param('Train', 'ResourceConfig.InstanceCount')],
    value: (env) => env.training.instanceCount,
  },
  {
    knobs: ['training.processingInstanceType'],
    reason: 'preprocessing and evaluation instance size',
    constructs: [STATE_MACHINE],
    paths: [
      param(PROCESSING_STATES, 'ProcessingResources.ClusterConfig.InstanceType'),
      param('RegisterModel', 'InferenceSpecification.SupportedTransformInstanceTypes[0]'),
    ],
    value: (env) => env.training.processingInstanceType,
  },
  // Experiment tracking: one MLflow server per environment, where the knob has one.
  {
    knobs: ['tracking.server'],
    reason: 'a managed MLflow server bills every hour it exists: an environment may go without one',
    divergence: true,
    constructs: [at('Training/Tracking/(Role|Role/DefaultPolicy|Server)')],
    paths: [EXISTS],
    value: (env) => env.tracking.server === 'managed',
  },
  {
    knobs: ['tracking.server'],
    reason: "each model's run recorder records in the environment's MLflow server, where it has one",
    divergence: true,
    constructs: [
      at(`${MODEL}Model/${MODEL}RunRecorder/Project`),
      at(`${MODEL}Model/${MODEL}RunRecorder/Role/DefaultPolicy`),
    ],
    paths: [
      prop('Environment.EnvironmentVariables[0].Value'),
      /^Properties\.PolicyDocument\.Statement\[\d+\]\./,
    ],
    sameWhen: (env) => env.tracking.server,
  },
  {
    knobs: ['tracking.size'],
    reason: 'MLflow server size (users it serves), a cost knob',
    constructs: [at('Training/Tracking/Server')],
    paths: [prop('TrackingServerSize')],
    value: (env) => env.tracking.size,
  },
  {
    knobs: ['tracking.maintenanceWindow'],
    reason: "when SageMaker may patch the environment's MLflow server",
    constructs: [at('Training/Tracking/Server')],
    paths: [prop('WeeklyMaintenanceWindowStart')],
    value: (env) => env.tracking.maintenanceWindow,
  },
  // Data pipelines: one Spark job per model that has one.
  {
    knobs: ['data.workerType'],
    reason: 'Spark worker size of the data pipeline',
    constructs: [at(`${MODEL}Model/${MODEL}Etl/Job`)],
    paths: [prop('WorkerType')],
    value: (env) => env.data.workerType,
  },
  {
    knobs: ['data.numberOfWorkers'],
    reason: 'Spark worker count of the data pipeline',
    constructs: [at(`${MODEL}Model/${MODEL}Etl/Job`)],
    paths: [prop('NumberOfWorkers')],
    value: (env) => env.data.numberOfWorkers,
  },
  {
    knobs: ['training.volumeSizeGb'],
    reason: 'job storage size',
    constructs: [STATE_MACHINE],
    paths: [
      param('Train', 'ResourceConfig.VolumeSizeInGB'),
      param(PROCESSING_STATES, 'ProcessingResources.ClusterConfig.VolumeSizeInGB'),
    ],
    value: (env) => env.training.volumeSizeGb,
  },
  {
    knobs: ['training.maxRuntimeMinutes'],
    reason: 'job time limits',
    constructs: [STATE_MACHINE],
    paths: [param(`(${JOB_STATES.join('|')})`, 'StoppingCondition.MaxRuntimeInSeconds')],
    value: (env) => 60 * env.training.maxRuntimeMinutes,
  },
  {
    knobs: ['training.maxRuntimeMinutes', 'training.spot'],
    reason: "a job's task may take its job's limit (or spot wait) and an hour to get instances",
    constructs: [STATE_MACHINE],
    paths: [at(`Properties\\.Definition\\.States\\.(${JOB_STATES.join('|')})\\.TimeoutSeconds`)],
    value: (env, site) => jobSeconds(env, site.path.split('.')[3]) + PROVISIONING_SECONDS,
  },
  {
    knobs: ['training.maxRuntimeMinutes', 'training.spot'],
    reason: 'a pipeline may take all its tasks and an hour more',
    constructs: [STATE_MACHINE],
    paths: [prop('Definition.TimeoutSeconds')],
    value: (env) =>
      JOB_STATES.reduce(
        (sum, state) => sum + jobSeconds(env, state) + PROVISIONING_SECONDS,
        PROVISIONING_SECONDS,
      ),
  },
  {
    knobs: ['training.spot'],
    reason: 'managed spot training is a cost switch',
    constructs: [STATE_MACHINE],
    paths: [param('Train', 'EnableManagedSpotTraining')],
    value: (env) => env.training.spot.enabled,
  },
  {
    knobs: ['training.spot'],
    reason: 'spot training waits for capacity up to its limit',
    constructs: [STATE_MACHINE],
    paths: [param('Train', 'StoppingCondition.MaxWaitTimeInSeconds')],
    value: (env) => (env.training.spot.enabled ? 60 * env.training.spot.maxWaitMinutes : undefined),
  },
  {
    knobs: ['training.spot'],
    reason: 'spot training checkpoints, to resume after an interruption',
    constructs: [STATE_MACHINE],
    paths: [/^Properties\.Definition\.States\.Train\.Parameters\.CheckpointConfig\./],
    sameWhen: (env) => env.training.spot.enabled,
  },
  {
    knobs: ['training.approvalStatus'],
    reason: 'models are approved by a person outside local and dev',
    constructs: [STATE_MACHINE],
    paths: [param('RegisterModel', 'ModelApprovalStatus')],
    value: (env) => env.training.approvalStatus,
  },
  {
    knobs: ['training.schedule'],
    reason: 'scheduled retraining is a cost switch',
    constructs: [at(`${MODEL}Model/${MODEL}Pipeline/Schedule`)],
    paths: [prop('ScheduleExpression'), prop('State')],
    value: (env, site) =>
      site.path === 'Properties.State'
        ? env.training.schedule.enabled
          ? 'ENABLED'
          : 'DISABLED'
        : env.training.schedule.expression,
  },

  // The network: a VPC, and jobs, models and their roles placed in it.
  {
    knobs: ['network'],
    reason:
      "without a VPC, jobs and endpoints run in SageMaker's network (still isolated), saving the endpoints' hourly cost",
    divergence: true,
    constructs: [/^Network\//],
    paths: [EXISTS],
    value: (env) => env.network === 'vpc',
  },
  {
    knobs: ['network'],
    reason: 'jobs and models are placed in the VPC, and their roles may manage network interfaces',
    divergence: true,
    constructs: [
      STATE_MACHINE,
      at(`${MODEL}Model/${MODEL}Endpoint/Model`),
      at(`${MODEL}Model/${MODEL}DataQuality/JobDefinition`),
    ],
    paths: [
      /^Properties\.Definition\.States\.(Preprocess|Evaluate|Baseline)\.Parameters\.NetworkConfig\.VpcConfig\./,
      /^Properties\.Definition\.States\.Train\.Parameters\.VpcConfig\./,
      /^Properties\.VpcConfig\./,
      /^Properties\.NetworkConfig\.VpcConfig\./,
    ],
    sameWhen: (env) => env.network,
  },
  {
    knobs: ['network'],
    reason: 'the job roles may manage network interfaces in the VPC',
    divergence: true,
    constructs: [
      at(`${MODEL}Model/${MODEL}Pipeline/JobRole/Role/DefaultPolicy`),
      at(`${MODEL}Model/${MODEL}DataQuality/Role/DefaultPolicy`),
    ],
    paths: [/^Properties\.PolicyDocument\.Statement\[\d+\]\./],
    sameWhen: (env) => env.network,
  },

  {
    knobs: ['network', 'tracking.server'],
    reason:
      "the run recorders reach the environment's MLflow server through the VPC's SageMaker experiments endpoint, where there is a server",
    divergence: true,
    constructs: [at('Network/Network/Vpc/SageMakerExperiments')],
    paths: [EXISTS],
    value: (env) => env.network === 'vpc' && env.tracking.server === 'managed',
  },
  {
    knobs: ['network'],
    reason:
      "Python builds run in the VPC and install their hashed locks through the environment's CodeArtifact repository (no internet); without a VPC, in CodeBuild's network from PyPI (the same locks, hashed)",
    divergence: true,
    constructs: [at(`${MODEL}Model/${MODEL}(Features|RunRecorder)/Project`)],
    paths: [prop('Source.BuildSpec'), /^Properties\.VpcConfig\./, /^DependsOn(\[\d+\])?$/],
    sameWhen: (env) => env.network,
  },
  {
    knobs: ['network'],
    reason: "a build in the VPC has a policy of its own to manage its network interfaces (aws-cdk-lib's)",
    divergence: true,
    constructs: [at(`${MODEL}Model/${MODEL}(Features|RunRecorder)/Project/PolicyDocument`)],
    paths: [EXISTS],
    value: (env) => env.network === 'vpc',
  },
  {
    knobs: ['network'],
    reason:
      "a build role in the VPC may place the build's network interface there and read the environment's package repository",
    divergence: true,
    constructs: [at(`${MODEL}Model/${MODEL}(Features|RunRecorder)/Role/DefaultPolicy`)],
    paths: [/^Properties\.PolicyDocument\.Statement\[\d+\]\./],
    sameWhen: (env) => env.network,
  },

  // Promotion: the later environments' accounts read the registry and model artifacts.
  {
    knobs: ['promotionReaders'],
    reason:
      'the environments after it in the promotion order may read the registry and model artifacts; the last one shares nothing',
    constructs: [
      at(`Registry/Registry/${MODEL}Group`),
      at('Storage/Data/Key'),
      at('Storage/Data/ModelsBucket/Policy'),
    ],
    paths: [
      /^Properties\.ModelPackageGroupPolicy(\.|$)/,
      /^Properties\.(PolicyDocument|KeyPolicy)\.Statement\[\d+\]\./,
    ],
  },

  // Promotion into an environment: the role `mlenv promote` assumes, and where its sources keep models.
  {
    knobs: ['promotionSources'],
    reason:
      'an environment after the first of the promotion order is promoted into: a role that reads the environments before it, and their names for the CLI',
    divergence: true,
    constructs: [at('Registry/Promotion/.+'), at('Registry/PromotionSources')],
    paths: [/^/],
  },

  // Serving: an endpoint per pinned model, on instances or serverless.
  {
    knobs: ['deployments', 'serving.kind'],
    reason:
      'each environment serves the models its deployments/<env>.json pins; only instance variants have utilization alarms and autoscaling',
    divergence: true,
    constructs: [at(`${MODEL}Model/${MODEL}(Endpoint|Alarms)/.+`)],
    paths: [EXISTS],
    value: (env, site) =>
      pinned(env, site) &&
      (/\/(Scaling|[A-Za-z]+Utilization)(\/|$)/.test(site.constructPath) ? instances(env) : true),
  },
  {
    knobs: ['deployments', 'serving.kind', 'serving.dataCapturePercent', 'monitoring.retrainOnDrift'],
    reason:
      'drift is monitored where data is captured (instance variants); it starts retraining where the knob says',
    divergence: true,
    constructs: [at(`${MODEL}Model/${MODEL}DataQuality/.+`)],
    paths: [EXISTS],
    value: (env, site) =>
      pinned(env, site) &&
      captures(env) &&
      (/\/RetrainRole(\/|$)/.test(site.constructPath) ? env.monitoring.retrainOnDrift : true),
  },
  {
    knobs: ['monitoring.retrainOnDrift'],
    reason: 'drift starts retraining by itself only where the knob is on',
    constructs: [at(`${MODEL}Model/${MODEL}DataQuality/Violations`)],
    paths: [/^Properties\.Targets\[\d+\]\./],
    sameWhen: (env) => env.monitoring.retrainOnDrift,
  },
  {
    knobs: ['deployments'],
    reason: 'each environment serves the model package its deployments/<env>.json pins',
    constructs: [at(`${MODEL}Model/${MODEL}Endpoint/Model`)],
    paths: [prop('Containers[0].ModelPackageName')],
    value: (env, site) => (site.model ? env.deployments[site.model]?.modelPackageArn : undefined),
  },
  {
    knobs: ['deployments'],
    reason: "the serving code checks the pinned package's artifact files against their SHA-256",
    constructs: [at(`${MODEL}Model/${MODEL}Endpoint/Model`)],
    paths: [prop('Containers[0].Environment.MLENV_MODEL_FILES_SHA256')],
    value: (env, site) => (site.model ? env.deployments[site.model]?.artifactFilesSha256 : undefined),
  },
  {
    knobs: ['deployments'],
    reason: 'the served models, for the CLI',
    constructs: [at('Serving/ServedModels')],
    paths: [prop('Value')],
    value: (env) => JSON.stringify(Object.keys(env.deployments).sort()),
  },
  {
    knobs: ['deployments'],
    reason: 'the served package, for the CLI',
    constructs: [at(`${MODEL}Model/${MODEL}Endpoint/PinForCli`)],
    paths: [prop('Value')],
    value: (env, site) => (site.model ? JSON.stringify(env.deployments[site.model]) : undefined),
  },
  {
    knobs: ['deployments', 'serving.kind'],
    reason: 'the dashboard shows the endpoints the environment serves, instance variants with utilization',
    divergence: true,
    constructs: [at('Dashboard/Dashboard/Dashboard')],
    paths: [prop('DashboardBody')],
    sameWhen: (env) => [Object.keys(env.deployments).sort(), env.serving.kind],
  },
  {
    knobs: ['serving.kind', 'serving.instanceType'],
    reason: "endpoint instance size (staging must use prod's)",
    divergence: true,
    constructs: [ENDPOINT_CONFIG],
    paths: [variant('InstanceType')],
    value: (env) => (instances(env) ? env.serving.instanceType : undefined),
  },
  {
    knobs: ['serving.kind', 'serving.initialInstanceCount'],
    reason: 'endpoint instance count',
    divergence: true,
    constructs: [ENDPOINT_CONFIG],
    paths: [variant('InitialInstanceCount')],
    value: (env) => (instances(env) ? env.serving.initialInstanceCount : undefined),
  },
  {
    knobs: ['serving.kind', 'serving.serverless'],
    reason: 'serverless memory and concurrency',
    divergence: true,
    constructs: [ENDPOINT_CONFIG],
    paths: [variant('ServerlessConfig.MemorySizeInMB'), variant('ServerlessConfig.MaxConcurrency')],
    value: (env, site) => {
      if (instances(env)) return undefined;
      const { memorySizeMb, maxConcurrency } = env.serving.serverless;
      return site.path.endsWith('MemorySizeInMB') ? memorySizeMb : maxConcurrency;
    },
  },
  {
    knobs: ['serving.kind', 'serving.dataCapturePercent'],
    reason: 'share of traffic captured for monitoring (serverless captures none)',
    divergence: true,
    constructs: [ENDPOINT_CONFIG],
    paths: [prop('DataCaptureConfig.InitialSamplingPercentage')],
    value: (env) => (instances(env) ? env.serving.dataCapturePercent : undefined),
  },
  {
    knobs: ['serving.kind'],
    reason: 'instance variants capture data, encrypted with the storage key (serverless can do neither)',
    divergence: true,
    constructs: [ENDPOINT_CONFIG],
    paths: [/^Properties\.DataCaptureConfig\./, prop('KmsKeyId')],
    sameWhen: (env) => env.serving.kind,
  },
  {
    knobs: ['serving.kind', 'serving.dataCapturePercent', 'network'],
    reason:
      'the endpoint role writes captured data where data is captured, and manages network interfaces in a VPC',
    divergence: true,
    constructs: [at(`${MODEL}Model/${MODEL}Endpoint/Role/DefaultPolicy`)],
    paths: [/^Properties\.PolicyDocument\.Statement\[\d+\]\./],
    sameWhen: (env) => [captures(env), env.network],
  },
  {
    knobs: ['serving.kind', 'serving.rollout'],
    reason: 'canary size and watch time of blue/green rollouts (instance variants only)',
    divergence: true,
    constructs: [at(`${MODEL}Model/${MODEL}Endpoint/Endpoint`)],
    paths: [/^Properties\.DeploymentConfig\.BlueGreenUpdatePolicy\./],
    value: (env, site) => {
      if (!instances(env)) return undefined;
      const wait = 60 * env.serving.rollout.waitMinutes;
      const policy: Record<string, unknown> = {
        'TrafficRoutingConfiguration.Type': 'CANARY',
        'TrafficRoutingConfiguration.CanarySize.Type': 'CAPACITY_PERCENT',
        'TrafficRoutingConfiguration.CanarySize.Value': env.serving.rollout.canaryPercent,
        'TrafficRoutingConfiguration.WaitIntervalInSeconds': wait,
        TerminationWaitInSeconds: 300,
        MaximumExecutionTimeoutInSeconds: wait + 3600,
      };
      return policy[site.path.replace(/^Properties\.DeploymentConfig\.BlueGreenUpdatePolicy\./, '')];
    },
  },
  {
    knobs: ['serving.kind'],
    reason: 'instance variants roll back automatically on the alarms (serverless has no blue/green rollout)',
    divergence: true,
    constructs: [at(`${MODEL}Model/${MODEL}Endpoint/Endpoint`)],
    paths: [/^Properties\.DeploymentConfig\.AutoRollbackConfiguration\./],
    sameWhen: (env) => env.serving.kind,
  },
  {
    knobs: ['serving.kind', 'serving.autoscaling'],
    reason: 'endpoint capacity bounds and target (instance variants only)',
    constructs: [
      at(`${MODEL}Model/${MODEL}Endpoint/Scaling`),
      at(`${MODEL}Model/${MODEL}Endpoint/Scaling/InvocationsPerInstance`),
    ],
    paths: [
      prop('MinCapacity'),
      prop('MaxCapacity'),
      prop('TargetTrackingScalingPolicyConfiguration.TargetValue'),
    ],
    value: (env, site) => {
      const { minInstances, maxInstances, targetInvocationsPerInstance } = env.serving.autoscaling;
      if (site.path.endsWith('MinCapacity')) return minInstances;
      if (site.path.endsWith('MaxCapacity')) return maxInstances;
      return targetInvocationsPerInstance;
    },
  },
  {
    knobs: ['serving.latencyAlarmMs'],
    reason: 'latency alarm threshold (ModelLatency is in microseconds)',
    constructs: [at(`${MODEL}Model/${MODEL}Endpoint/LatencyAlarm`)],
    paths: [prop('Threshold'), prop('AlarmDescription')],
    value: (env, site) =>
      site.path === 'Properties.Threshold'
        ? env.serving.latencyAlarmMs * 1000
        : `${site.model}: p99 model latency above ${env.serving.latencyAlarmMs} ms`,
  },
  {
    knobs: ['monitoring.endpoint5xxPerMinute'],
    reason: 'endpoint error alarm threshold',
    constructs: [at(`${MODEL}Model/${MODEL}Endpoint/ErrorAlarm`)],
    paths: [prop('Threshold')],
    value: (env) => env.monitoring.endpoint5xxPerMinute,
  },
  {
    knobs: ['monitoring.endpoint4xxRatePercent'],
    reason: 'endpoint client error rate alarm threshold',
    constructs: [at(`${MODEL}Model/${MODEL}Alarms/ClientErrorRate`)],
    paths: [prop('Threshold')],
    value: (env) => env.monitoring.endpoint4xxRatePercent,
  },
  {
    knobs: ['monitoring.cpuPercent', 'monitoring.memoryPercent', 'monitoring.diskPercent'],
    reason: 'instance utilization alarm thresholds',
    constructs: [at(`${MODEL}Model/${MODEL}Alarms/(CPU|Memory|Disk)Utilization`)],
    paths: [prop('Threshold'), prop('AlarmDescription')],
    value: (env, site) => {
      const metric = lastPart(site.constructPath) as keyof typeof UTILIZATION;
      const threshold = env.monitoring[UTILIZATION[metric]];
      if (site.path === 'Properties.Threshold') return threshold;
      const endpoint = site.constructPath.replace(/Alarms\/[A-Za-z]+$/, 'Endpoint');
      return `${metric} of ${env.stageId}/${endpoint} instances above ${threshold} %`;
    },
  },
  {
    knobs: ['serving.kind'],
    reason: 'instance variants also have utilization alarms',
    divergence: true,
    constructs: [at(`${MODEL}Model/${MODEL}Alarms/Composite`)],
    paths: [prop('AlarmRule')],
    sameWhen: (env) => env.serving.kind,
  },
];
