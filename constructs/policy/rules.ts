import { readFileSync } from 'node:fs';
import { asList, asObject, isIntrinsic, type JsonObject } from '../../cfn/json-values';
import { taskStates } from '../../cfn/state-machine-tasks';
import { stateMachineDefinition } from '../../cfn/undeployed-definitions';
import { DYNAMIC, valueAt } from '../../cfn/value-at';
import type { TemplateResource } from './private/template-resources';

/** The ids of the rules of `MlPolicyPack`. */
export type MlPolicyRuleId =
  | 'MLENV-ENDPOINT-INSTANCES'
  | 'MLENV-ENDPOINT-CAPTURE'
  | 'MLENV-ENDPOINT-ROLLBACK'
  | 'MLENV-ENDPOINT-VPC'
  | 'MLENV-ASYNC-OUTPUT-KMS'
  | 'MLENV-JOB-LIMITS'
  | 'MLENV-JOB-ENCRYPTION'
  | 'MLENV-JOB-ISOLATION'
  | 'MLENV-JOB-KNOWN-KIND'
  | 'MLENV-REGISTRY-ACCESS'
  | 'MLENV-BUCKET-VERSIONING'
  | 'MLENV-IAM-NO-STAR-ACTIONS';

/** A rule of `MlPolicyPack`, as its report and documentation describe it. */
export interface MlPolicyRule {
  readonly id: MlPolicyRuleId;
  /** The rule applies only with `production: true`. */
  readonly productionOnly: boolean;
  /** What the rule requires. */
  readonly description: string;
  /** How to comply, in CloudFormation and construct terms. */
  readonly fix: string;
  /** Why the rule exists: what breaking it would cost. docs/reference/guardrails.md prints it. */
  readonly reason: string;
}

/** The rules of `MlPolicyPack`, in the order it reports them. */
export const ML_POLICY_RULES: readonly MlPolicyRule[] = [
  {
    id: 'MLENV-ENDPOINT-INSTANCES',
    productionOnly: true,
    description: 'Endpoint config production variants must run on at least 2 instances, not serverless',
    fix:
      'Give each ProductionVariant of the AWS::SageMaker::EndpointConfig InitialInstanceCount >= 2 and no ' +
      'ServerlessConfig (ModelEndpoint: variant: EndpointVariant.instances({ initialInstanceCount: 2, ... }))',
    reason:
      "One instance is a single point of failure: SageMaker spreads an endpoint's instances over Availability Zones only when there are several, and replaces a failed one while the others serve. A serverless variant starts cold after idle periods and captures no data",
  },
  {
    id: 'MLENV-ENDPOINT-CAPTURE',
    productionOnly: true,
    description: 'Endpoint configs must capture data (EnableCapture true, InitialSamplingPercentage > 0)',
    fix:
      'Set DataCaptureConfig on the AWS::SageMaker::EndpointConfig with EnableCapture: true and ' +
      'InitialSamplingPercentage > 0 (ModelEndpoint: dataCapturePercent > 0 on an instance variant)',
    reason:
      "Model Monitor's drift checks read the captured requests and responses: without capture, drift goes unnoticed, and there is no record of what the model answered",
  },
  {
    id: 'MLENV-ENDPOINT-ROLLBACK',
    productionOnly: true,
    description: 'Endpoints must deploy blue/green and roll back automatically on alarms',
    fix:
      'Set DeploymentConfig.BlueGreenUpdatePolicy and DeploymentConfig.AutoRollbackConfiguration.Alarms on ' +
      'the AWS::SageMaker::Endpoint (ModelEndpoint on an instance variant does both; rollout tunes them)',
    reason:
      'A new model version that misbehaves in production must not take all traffic, nor wait for a person: blue/green shifts traffic step by step and returns it to the old fleet when an alarm fires',
  },
  {
    id: 'MLENV-ENDPOINT-VPC',
    productionOnly: true,
    description: 'SageMaker models must run in a VPC (subnets, security groups) with network isolation',
    fix:
      'Set VpcConfig (Subnets, SecurityGroupIds) and EnableNetworkIsolation: true on the ' +
      'AWS::SageMaker::Model (ModelEndpoint: network: { vpc, subnets, securityGroups })',
    reason:
      "The serving container runs the model's own code and its dependencies, and sees every request: inside private subnets and with network isolation it can neither send the requests out nor fetch code at run time",
  },
  {
    id: 'MLENV-ASYNC-OUTPUT-KMS',
    productionOnly: false,
    description:
      'Asynchronous endpoint configs must encrypt their answers with a KMS key and name a failure path and both notification topics',
    fix:
      'Set AsyncInferenceConfig.OutputConfig.KmsKeyId, S3FailurePath and NotificationConfig.SuccessTopic and ' +
      'ErrorTopic on the AWS::SageMaker::EndpointConfig (ModelEndpoint with EndpointVariant.asynchronous does all four)',
    reason:
      "An asynchronous endpoint writes every answer to S3: without the environment's key they are encrypted with S3's own key, outside the key policy that governs the rest of the model's data; without a failure path and topics a failed request is noticed by nobody",
  },
  {
    id: 'MLENV-JOB-LIMITS',
    productionOnly: false,
    description:
      'SageMaker training, processing, tuning, transform and monitoring jobs must have a time limit',
    fix:
      'Set StoppingCondition.MaxRuntimeInSeconds in the createTrainingJob/createProcessingJob task ' +
      'parameters, TrainingJobDefinition.StoppingCondition.MaxRuntimeInSeconds (each of ' +
      'TrainingJobDefinitions) in the createHyperParameterTuningJob task parameters, and on monitoring ' +
      "job definitions (TrainingPipeline: maxRuntime); a createTransformJob task's TimeoutSeconds (BatchTransform: maxRuntime)",
    reason:
      'A job that hangs or loops keeps its instances, and bills them, until it is stopped: a time limit bounds the cost of every run',
  },
  {
    id: 'MLENV-JOB-ENCRYPTION',
    productionOnly: false,
    description:
      'SageMaker training, processing, tuning, transform and monitoring jobs must encrypt volumes and outputs with KMS',
    fix:
      'Set the volume KMS key (training: ResourceConfig.VolumeKmsKeyId; processing: ' +
      'ProcessingResources.ClusterConfig.VolumeKmsKeyId; tuning: TrainingJobDefinition.ResourceConfig.VolumeKmsKeyId; ' +
      'monitoring: JobResources.ClusterConfig.VolumeKmsKeyId; transform: TransformResources.VolumeKmsKeyId) and the ' +
      'output KMS key (OutputDataConfig.KmsKeyId, TransformOutput.KmsKeyId, ' +
      'ProcessingOutputConfig.KmsKeyId, TrainingJobDefinition.OutputDataConfig.KmsKeyId, or the monitoring ' +
      "job's output config KmsKeyId); a tuning job's TrainingJobDefinitions each need both",
    reason:
      "Training data, features and model artifacts are the environment's most sensitive data: with the environment's KMS key, access to the volumes and outputs is governed and logged by its key policy, which the NIST 800-53 and HIPAA packs also require",
  },
  {
    id: 'MLENV-JOB-ISOLATION',
    productionOnly: false,
    description:
      'SageMaker training, processing, tuning, transform and monitoring jobs must run with network isolation',
    fix:
      'Set EnableNetworkIsolation: true (training jobs), TrainingJobDefinition.EnableNetworkIsolation: true ' +
      '(tuning jobs, each of TrainingJobDefinitions) or NetworkConfig.EnableNetworkIsolation: true ' +
      '(processing jobs and monitoring job definitions); a transform job runs its model (ModelName: the ' +
      'AWS::SageMaker::Model of the same template, with EnableNetworkIsolation: true; BatchTransform does both)',
    reason:
      "Jobs run the model's code and third-party packages on the training data: network isolation keeps them from sending data out or fetching code while they run",
  },
  {
    id: 'MLENV-JOB-KNOWN-KIND',
    productionOnly: false,
    description:
      'State machines may start only the SageMaker work the policy pack checks (training, processing, tuning and transform jobs); other SageMaker calls only read, stop, tag or register models',
    fix:
      'Start the work as a training, processing, hyperparameter tuning or transform job, or teach the ML policy pack ' +
      "the job's settings (constructs/policy/rules.ts JOB_SETTINGS and sageMakerJobs) before using it",
    reason:
      'The time limit, encryption and isolation rules read each kind of job where its request keeps them: work of another kind (an AutoML job, a SageMaker Pipelines execution, a monitoring schedule, a cluster) would pass them unchecked',
  },
  {
    id: 'MLENV-REGISTRY-ACCESS',
    productionOnly: false,
    description: "Model package groups may grant access only to trusted accounts and the group's own account",
    fix:
      'Allow only principals of trusted accounts in the ModelPackageGroupPolicy (arn:aws:iam::<account>:root, ' +
      'or roles and users of those accounts), or add the account to MlPolicyPack trustedAccounts ' +
      '(ModelRegistry: readerAccounts)',
    reason:
      "A model package group's policy opens its model packages, and the artifacts they name, to other accounts: only the accounts models are promoted to may read them",
  },
  {
    id: 'MLENV-BUCKET-VERSIONING',
    productionOnly: false,
    description: 'S3 buckets must be versioned',
    fix: "Set VersioningConfiguration.Status: Enabled on the AWS::S3::Bucket (s3.Bucket: versioned: true; MlDataStore's buckets are)",
    reason:
      "A dataset version or a model artifact that was overwritten or deleted, by mistake or on purpose, can be restored, and a model's training data stays reproducible",
  },
  {
    id: 'MLENV-IAM-NO-STAR-ACTIONS',
    productionOnly: false,
    description: "IAM policies must not allow all actions ('*') or all actions of a service ('<service>:*')",
    fix:
      'List the actions the principal needs in each Allow statement instead of * or <service>:* ' +
      '(e.g. grant methods such as bucket.grantRead(role), or iam.PolicyStatement({ actions: [...] }))',
    reason:
      "Least privilege: '*' or '<service>:*' grants every action, the destructive ones and those the service adds later included, so one compromised role can do anything there",
  },
];

/** One way a resource breaks a rule. */
export interface Finding {
  readonly problem: string;
  /** Where in the resource, e.g. `Properties/VersioningConfiguration/Status`. */
  readonly location: string;
}

/** What the rules know besides the resource. */
export interface RuleOptions {
  readonly trustedAccounts: readonly string[];
}

type Check = (resource: TemplateResource, options: RuleOptions) => Finding[];

/** How each rule checks a resource: what it finds wrong, nothing when the rule does not apply. */
export const RULE_CHECKS: { readonly [id in MlPolicyRuleId]: Check } = {
  'MLENV-ENDPOINT-INSTANCES': (r) =>
    ofType(r, 'AWS::SageMaker::EndpointConfig').flatMap((props) =>
      asList(props.ProductionVariants).flatMap((value, i) => {
        const variant = asObject(value) ?? {};
        const name = `variant '${String(variant.VariantName ?? i)}'`;
        const at = `Properties/ProductionVariants/${i}`;
        if (variant.ServerlessConfig !== undefined) {
          return [{ problem: `${name} is serverless`, location: `${at}/ServerlessConfig` }];
        }
        return unless(
          asNumber(variant.InitialInstanceCount) >= 2,
          `${name} has InitialInstanceCount ${show(variant.InitialInstanceCount)}, fewer than 2`,
          `${at}/InitialInstanceCount`,
        );
      }),
    ),

  'MLENV-ASYNC-OUTPUT-KMS': (r) =>
    ofType(r, 'AWS::SageMaker::EndpointConfig').flatMap((props) => {
      const config = asObject(props.AsyncInferenceConfig);
      if (!config) return [];
      const at = 'Properties/AsyncInferenceConfig/OutputConfig';
      const output = asObject(config.OutputConfig) ?? {};
      const notification = asObject(output.NotificationConfig) ?? {};
      return [
        ...unless(output.KmsKeyId !== undefined, 'no KmsKeyId for the answers', `${at}/KmsKeyId`),
        ...unless(output.S3FailurePath !== undefined, 'no S3FailurePath', `${at}/S3FailurePath`),
        ...unless(
          notification.SuccessTopic !== undefined && notification.ErrorTopic !== undefined,
          'no success and error topics',
          `${at}/NotificationConfig`,
        ),
      ];
    }),

  'MLENV-ENDPOINT-CAPTURE': (r) =>
    ofType(r, 'AWS::SageMaker::EndpointConfig').flatMap((props) => {
      const capture = asObject(props.DataCaptureConfig);
      const at = 'Properties/DataCaptureConfig';
      if (!capture) return [{ problem: 'no DataCaptureConfig', location: at }];
      return [
        ...unless(isTrue(capture.EnableCapture), 'EnableCapture is not true', `${at}/EnableCapture`),
        ...unless(
          asNumber(capture.InitialSamplingPercentage) > 0,
          `InitialSamplingPercentage is ${show(capture.InitialSamplingPercentage)}, not above 0`,
          `${at}/InitialSamplingPercentage`,
        ),
      ];
    }),

  'MLENV-ENDPOINT-ROLLBACK': (r) =>
    ofType(r, 'AWS::SageMaker::Endpoint').flatMap((props) => [
      ...requireSet(props, 'DeploymentConfig.BlueGreenUpdatePolicy', 'Properties'),
      ...requireList(props, 'DeploymentConfig.AutoRollbackConfiguration.Alarms', 'Properties'),
    ]),

  'MLENV-ENDPOINT-VPC': (r) =>
    ofType(r, 'AWS::SageMaker::Model').flatMap((props) => [
      ...requireList(props, 'VpcConfig.Subnets', 'Properties'),
      ...requireList(props, 'VpcConfig.SecurityGroupIds', 'Properties'),
      ...unless(
        isTrue(props.EnableNetworkIsolation),
        unknownValue(props.EnableNetworkIsolation)
          ? `EnableNetworkIsolation: ${unknownValue(props.EnableNetworkIsolation)}`
          : 'EnableNetworkIsolation is not true',
        'Properties/EnableNetworkIsolation',
      ),
    ]),

  'MLENV-JOB-LIMITS': (r) => jobFindings(r, (job) => missing(job, [JOB_SETTINGS[job.kind].limits])),

  'MLENV-JOB-ENCRYPTION': (r) => jobFindings(r, (job) => missing(job, JOB_SETTINGS[job.kind].encryption)),

  'MLENV-JOB-ISOLATION': (r) =>
    jobFindings(r, (job) => {
      const path = JOB_SETTINGS[job.kind].isolation;
      const value = job.read(path);
      if (isTrue(value)) return [];
      return [job.finding(unknownValue(value) ?? `${job.named(path)} is not true`, path)];
    }),

  'MLENV-JOB-KNOWN-KIND': (r) => {
    if (r.type !== 'AWS::StepFunctions::StateMachine') return [];
    const definition = stateMachineDefinition(r.properties);
    // An unreadable definition is a finding of the other job rules already.
    if (definition === undefined) return [];
    return taskStates(definition).flatMap((state) => {
      const action = sageMakerAction(state.resource);
      if (action === undefined || action in KNOWN_JOB_APIS || STARTS_NO_COMPUTE.test(action)) return [];
      return [
        {
          problem: `state '${state.name}' starts SageMaker work with ${action} (${state.resource}), which the ML policy pack does not check`,
          location: 'Properties/DefinitionString',
        },
      ];
    });
  },

  'MLENV-REGISTRY-ACCESS': (r, options) =>
    ofType(r, 'AWS::SageMaker::ModelPackageGroup').flatMap((props) => {
      const statements = asList(asObject(policyDocument(props.ModelPackageGroupPolicy))?.Statement);
      const ownAccount = groupAccount(statements) ?? r.stackAccount ?? OWN_ACCOUNT;
      const allowed = new Set([...options.trustedAccounts, ownAccount, OWN_ACCOUNT]);
      return statements.flatMap((value, i) => {
        const statement = asObject(value) ?? {};
        if (statement.Effect !== 'Allow') return [];
        const name = `statement ${String(statement.Sid ?? i)}`;
        const location = `Properties/ModelPackageGroupPolicy/Statement/${i}`;
        if (statement.NotPrincipal !== undefined) {
          return [{ problem: `${name} allows everyone but its NotPrincipal`, location }];
        }
        return principals(statement.Principal)
          .filter(
            ({ kind, value }) => kind !== 'AWS' || !allowed.has(principalAccount(value, ownAccount) ?? ''),
          )
          .map(({ kind, value }) => ({
            problem: `${name} allows ${describePrincipal(kind, value)}, not a trusted account`,
            location: `${location}/Principal`,
          }));
      });
    }),

  'MLENV-BUCKET-VERSIONING': (r) =>
    ofType(r, 'AWS::S3::Bucket').flatMap((props) => {
      const status = valueAt(props, 'VersioningConfiguration.Status');
      return unless(
        status === 'Enabled',
        `VersioningConfiguration.Status is ${show(status)}`,
        'Properties/VersioningConfiguration/Status',
      );
    }),

  'MLENV-IAM-NO-STAR-ACTIONS': (r) => {
    const documents =
      r.type === 'AWS::IAM::Policy' || r.type === 'AWS::IAM::ManagedPolicy'
        ? [{ document: r.properties.PolicyDocument, at: 'Properties/PolicyDocument' }]
        : r.type === 'AWS::IAM::Role'
          ? asList(r.properties.Policies).map((policy, i) => ({
              document: asObject(policy)?.PolicyDocument,
              at: `Properties/Policies/${i}/PolicyDocument`,
            }))
          : [];
    return documents.flatMap(({ document, at }) =>
      asList(asObject(policyDocument(document))?.Statement).flatMap((value, i) => {
        const statement = asObject(value) ?? {};
        if (statement.Effect !== 'Allow') return [];
        return ['Action', 'NotAction'].flatMap((key) =>
          asList(statement[key])
            .filter((action) => typeof action !== 'string' || /^(\*|[^:]+:\*)$/.test(action))
            .map((action) => ({
              problem:
                typeof action === 'string'
                  ? `statement ${String(statement.Sid ?? i)} allows ${key} '${action}'`
                  : `statement ${String(statement.Sid ?? i)} has a ${key} that synth cannot read (${show(action)})`,
              location: `${at}/Statement/${i}/${key}`,
            })),
        );
      }),
    );
  },
};

/** No finding when `ok`, else one. */
function unless(ok: boolean, problem: string, location: string): Finding[] {
  return ok ? [] : [{ problem, location }];
}

/** The properties of the resource when it has the type, as a list of one (or none). */
function ofType(resource: TemplateResource, type: string): JsonObject[] {
  return resource.type === type ? [resource.properties] : [];
}

/** True only for a literal true: a value set at run time or at deploy time is not known to be. */
function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

/**
 * Why a value cannot be checked at synth (the rules fail closed on it), or undefined for a value
 * that can: a state parameter set at run time, or a CloudFormation intrinsic that picks a value.
 */
function unknownValue(value: unknown): string | undefined {
  if (value === DYNAMIC)
    return 'it is set at run time (a JSONPath or JSONata value), so synth cannot check it';
  if (isIntrinsic(value)) return `it is computed at deploy time (${show(value)}), so synth cannot check it`;
  return undefined;
}

/** A finding unless `path` of `settings` is set to a value synth can see. */
function requireSet(settings: unknown, path: string, at: string): Finding[] {
  const value = valueAt(settings, path);
  const location = `${at}/${path.replace(/\./g, '/')}`;
  if (value === undefined) return [{ problem: `no ${path}`, location }];
  const unknown = value === DYNAMIC || isIntrinsic(value) ? unknownValue(value) : undefined;
  return unknown ? [{ problem: `${path}: ${unknown}`, location }] : [];
}

/** A number, or a string that is one; NaN otherwise (so every comparison fails). */
function asNumber(value: unknown): number {
  return typeof value === 'number' || (typeof value === 'string' && value.trim() !== '')
    ? Number(value)
    : NaN;
}

/** A finding unless `path` of `settings` is a literal non-empty list (one computed later may be empty). */
function requireList(settings: unknown, path: string, at: string): Finding[] {
  const value = valueAt(settings, path);
  const location = `${at}/${path.replace(/\./g, '/')}`;
  if (Array.isArray(value) && value.length > 0) return [];
  const problem = Array.isArray(value)
    ? `${path} is empty`
    : ((unknownValue(value) && `${path}: ${unknownValue(value)}`) ?? `no ${path}`);
  return [{ problem, location }];
}

function show(value: unknown): string {
  if (value === DYNAMIC) return 'set at run time';
  return value === undefined ? 'not set' : JSON.stringify(value);
}

/** A policy given as an object or as a JSON string. */
function policyDocument(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

// SageMaker jobs -------------------------------------------------------------------------------

type JobKind =
  | 'training'
  | 'processing'
  | 'tuning'
  | 'transform'
  | 'DataQuality'
  | 'ModelQuality'
  | 'ModelBias'
  | 'ModelExplainability';

/** A SageMaker job a resource asks for: a state machine's task, or a monitoring job definition. */
interface SageMakerJob {
  readonly kind: JobKind;
  /** The value of one of its settings (a dotted path), `DYNAMIC` when set at run time. */
  read(setting: string): unknown;
  /** A setting as the request names it (a tuning job's under `TrainingJobDefinition`). */
  named(setting: string): string;
  /** A finding about one of its settings (a dotted path). */
  finding(problem: string, setting: string): Finding;
}

/** Where each kind of job keeps what the encryption, isolation and time limit rules require. */
interface JobSettings {
  readonly encryption: string[];
  readonly isolation: string;
  readonly limits: string;
}

/** The setting of a transform job that is its Task state's `TimeoutSeconds`, not a request field. */
const TASK_TIMEOUT = 'TimeoutSeconds (of its Task state)';
/** The setting of a transform job that is its model's `EnableNetworkIsolation`. */
const TRANSFORM_MODEL_ISOLATION = 'ModelName (a model with EnableNetworkIsolation: true)';

const TRAINING_SETTINGS: JobSettings = {
  encryption: ['ResourceConfig.VolumeKmsKeyId', 'OutputDataConfig.KmsKeyId'],
  isolation: 'EnableNetworkIsolation',
  limits: 'StoppingCondition.MaxRuntimeInSeconds',
};

const JOB_SETTINGS: { readonly [kind in JobKind]: JobSettings } = {
  training: TRAINING_SETTINGS,
  processing: {
    encryption: ['ProcessingResources.ClusterConfig.VolumeKmsKeyId', 'ProcessingOutputConfig.KmsKeyId'],
    isolation: 'NetworkConfig.EnableNetworkIsolation',
    limits: 'StoppingCondition.MaxRuntimeInSeconds',
  },
  // Within each of its training job definitions (HyperParameterTrainingJobDefinition): its trials
  // are training jobs of those settings.
  tuning: TRAINING_SETTINGS,
  // CreateTransformJob has no stopping condition: its Task's TimeoutSeconds is its time limit (the
  // state machine stops a transform that times out), and it runs as, and isolated as, its model.
  transform: {
    encryption: ['TransformResources.VolumeKmsKeyId', 'TransformOutput.KmsKeyId'],
    isolation: TRANSFORM_MODEL_ISOLATION,
    limits: TASK_TIMEOUT,
  },
  DataQuality: monitoringJobSettings('DataQuality'),
  ModelQuality: monitoringJobSettings('ModelQuality'),
  ModelBias: monitoringJobSettings('ModelBias'),
  ModelExplainability: monitoringJobSettings('ModelExplainability'),
};

/** Monitoring job definitions keep their outputs in `<kind>JobOutputConfig`. */
function monitoringJobSettings(kind: string): JobSettings {
  return {
    encryption: ['JobResources.ClusterConfig.VolumeKmsKeyId', `${kind}JobOutputConfig.KmsKeyId`],
    isolation: 'NetworkConfig.EnableNetworkIsolation',
    limits: 'StoppingCondition.MaxRuntimeInSeconds',
  };
}

/**
 * The SageMaker integrations the job rules check, by the API a Task's resource names
 * (`arn:aws:states:::sagemaker:createTrainingJob.sync`, or its `aws-sdk:sagemaker:` form).
 */
const KNOWN_JOB_APIS: { readonly [api: string]: 'training' | 'processing' | 'tuning' | 'transform' } = {
  createTrainingJob: 'training',
  createProcessingJob: 'processing',
  createHyperParameterTuningJob: 'tuning',
  createTransformJob: 'transform',
};

/** The SageMaker job API a Task's resource starts (`createTransformJob`, `createAutoMLJobV2`), if any. */
function startedJob(resource: string): string | undefined {
  return /:sagemaker:(create[A-Za-z0-9]*Job(?:V\d+)?)(?:\.[A-Za-z0-9:]+)?$/.exec(resource)?.[1];
}

/** The SageMaker API a Task's resource calls (`createTransformJob`, `startPipelineExecution`), if any. */
function sageMakerAction(resource: string): string | undefined {
  return /:sagemaker:([A-Za-z0-9]+)(?:\.[A-Za-z0-9:]+)?$/.exec(resource)?.[1];
}

/**
 * SageMaker APIs that start no compute of their own: reads, stops, tags and the model registry.
 * Any other (an AutoML job, a pipeline execution, a monitoring schedule, a cluster)
 * may run instances the job rules cannot see, so MLENV-JOB-KNOWN-KIND fails closed on it.
 */
const STARTS_NO_COMPUTE =
  /^(describe|list|get|search|batchDescribe|batchGet|stop|addTags|deleteTags|createModelPackage|updateModelPackage)/;

/** Runs a check on each SageMaker job of the resource; a definition that cannot be read is a finding. */
function jobFindings(resource: TemplateResource, check: (job: SageMakerJob) => Finding[]): Finding[] {
  const jobs = sageMakerJobs(resource);
  if (jobs === undefined) {
    return [
      {
        problem:
          'its definition cannot be read (DefinitionString is neither a string nor a Fn::Join of JSON)',
        location: 'Properties/DefinitionString',
      },
    ];
  }
  return jobs.flatMap(check);
}

/** Findings for the settings a job lacks, or sets at run time (where synth cannot see them). */
function missing(job: SageMakerJob, settings: string[]): Finding[] {
  return settings.flatMap((setting) => {
    const value = job.read(setting);
    if (value === undefined) return [job.finding(`no ${job.named(setting)}`, setting)];
    // A reference (a key's ARN) is a value; a condition may pick none (AWS::NoValue).
    if (value === DYNAMIC || asObject(value)?.['Fn::If'] !== undefined) {
      return [job.finding(`${job.named(setting)}: ${unknownValue(value)}`, setting)];
    }
    return [];
  });
}

/** The jobs a resource asks for; undefined for a state machine whose definition cannot be read. */
function sageMakerJobs(resource: TemplateResource): SageMakerJob[] | undefined {
  const monitoring =
    /^AWS::SageMaker::(DataQuality|ModelQuality|ModelBias|ModelExplainability)JobDefinition$/.exec(
      resource.type,
    );
  if (monitoring) {
    return [
      {
        kind: monitoring[1] as JobKind,
        read: (setting) => valueAt(resource.properties, setting),
        named: (setting) => setting,
        finding: (problem, setting) => ({ problem, location: `Properties/${setting.replace(/\./g, '/')}` }),
      },
    ];
  }
  if (resource.type !== 'AWS::StepFunctions::StateMachine') return [];
  const definition = stateMachineDefinition(resource.properties);
  if (definition === undefined) return undefined;
  return taskStates(definition).flatMap((state): SageMakerJob[] => {
    const kind = KNOWN_JOB_APIS[startedJob(state.resource) ?? ''];
    if (kind === undefined) return [];
    const finding = (problem: string) => ({
      problem: `${kind} job of state '${state.name}': ${problem}`,
      location: 'Properties/DefinitionString',
    });
    if (kind === 'transform') {
      return [
        {
          kind,
          read: (setting: string) =>
            setting === TASK_TIMEOUT
              ? typeof state.timeoutSeconds === 'number'
                ? state.timeoutSeconds
                : state.timeoutSeconds === undefined
                  ? undefined
                  : DYNAMIC
              : setting === TRANSFORM_MODEL_ISOLATION
                ? transformModelIsolation(resource, state.name)
                : valueAt(state.parameters, setting),
          named: (setting: string) => setting,
          finding,
        },
      ];
    }
    if (kind !== 'tuning') {
      return [
        {
          kind,
          read: (setting: string) => valueAt(state.parameters, setting),
          named: (setting: string) => setting,
          finding,
        },
      ];
    }
    return trainingJobDefinitions(state.parameters).map((at) => ({
      kind,
      read: (setting: string) => valueAt(at.settings, at.prefix ? `${at.prefix}.${setting}` : setting),
      named: (setting: string) => `${at.name}.${setting}`,
      finding,
    }));
  });
}

/**
 * The `EnableNetworkIsolation` of the model a transform job of state `stateName` runs: the
 * `AWS::SageMaker::Model` of the same template whose `ModelName` (`Fn::GetAtt` or `Ref`) its
 * request names; `DYNAMIC` when the request names another (a literal name, a value set at run time).
 */
function transformModelIsolation(resource: TemplateResource, stateName: string): unknown {
  const parts = asList(asList(asObject(resource.properties.DefinitionString)?.['Fn::Join'])[1]);
  const state = JSON.stringify(stateName);
  let inState = false;
  for (let i = 0; i + 1 < parts.length; i++) {
    const part = parts[i];
    if (typeof part !== 'string') continue;
    if (part.includes(`${state}:`)) inState = true;
    if (!inState || !part.endsWith('"ModelName":"')) continue;
    const next = asObject(parts[i + 1]) ?? {};
    const getAtt = asList(next['Fn::GetAtt']);
    const id = getAtt[1] === 'ModelName' ? getAtt[0] : next.Ref;
    if (typeof id !== 'string') return DYNAMIC;
    const template = JSON.parse(readFileSync(resource.templatePath, 'utf8')) as { Resources?: JsonObject };
    const model = asObject(asObject(template.Resources)?.[id]);
    if (model?.Type !== 'AWS::SageMaker::Model') return DYNAMIC;
    return asObject(model.Properties)?.EnableNetworkIsolation ?? false;
  }
  return DYNAMIC;
}

/**
 * Where a tuning job's request keeps its training job definitions: its `TrainingJobDefinition`
 * (read through the request, so one set at run time reads as such, and one missing as missing),
 * or each of its `TrainingJobDefinitions`.
 */
function trainingJobDefinitions(
  parameters: unknown,
): Array<{ settings: unknown; prefix?: string; name: string }> {
  const listed = valueAt(parameters, 'TrainingJobDefinitions');
  if (listed === DYNAMIC) {
    return [{ settings: parameters, prefix: 'TrainingJobDefinitions', name: 'TrainingJobDefinitions' }];
  }
  if (Array.isArray(listed) && listed.length > 0) {
    // A request that also has the singular one has it checked too, whichever SageMaker would use.
    const singular = valueAt(parameters, 'TrainingJobDefinition');
    return [
      ...listed.map((settings, i) => ({ settings, name: `TrainingJobDefinitions[${i}]` })),
      ...(singular === undefined
        ? []
        : [{ settings: parameters, prefix: 'TrainingJobDefinition', name: 'TrainingJobDefinition' }]),
    ];
  }
  return [{ settings: parameters, prefix: 'TrainingJobDefinition', name: 'TrainingJobDefinition' }];
}

// Model package group policies -----------------------------------------------------------------

/** Stands for `AWS::AccountId`: the group's own account, whatever it is. */
const OWN_ACCOUNT = '${AWS::AccountId}';

/** The group's account, from a literal model package (group) ARN in its policy's resources. */
function groupAccount(statements: unknown[]): string | undefined {
  for (const statement of statements) {
    for (const arn of asList(asObject(statement)?.Resource)) {
      const match = typeof arn === 'string' && /^arn:[^:]+:sagemaker:[^:]*:(\d{12}):model-package/.exec(arn);
      if (match) return match[1];
    }
  }
  return undefined;
}

/** Each principal of a statement: `*` is kind `*`, `{ AWS: [a, b] }` two of kind `AWS`. */
function principals(principal: unknown): Array<{ kind: string; value: unknown }> {
  if (principal === '*') return [{ kind: '*', value: '*' }];
  return Object.entries(asObject(principal) ?? {}).flatMap(([kind, values]) =>
    asList(values).map((value) => ({ kind, value })),
  );
}

function describePrincipal(kind: string, value: unknown): string {
  if (value === '*') return 'everyone (*)';
  return kind === 'AWS' ? show(value) : `${kind} principal ${show(value)}`;
}

/** The account of an AWS principal: an account id, an account root, role or user ARN. */
function principalAccount(principal: unknown, ownAccount: string): string | undefined {
  // A resource of the same template (a role's Fn::GetAtt) lives in the group's account.
  if (asObject(principal)?.['Fn::GetAtt'] !== undefined) return ownAccount;
  const text = principalText(principal, ownAccount);
  if (text === undefined) return undefined;
  if (/^\d{12}$/.test(text) || text === ownAccount) return text;
  return /^arn:[^:]+:iam::([^:]+):(root|role\/.+|user\/.+)$/.exec(text)?.[1];
}

/** A principal as text, with the pseudo parameters CDK renders (`Fn::Join`, `Ref`, `Fn::Sub`). */
function principalText(principal: unknown, ownAccount: string): string | undefined {
  const pseudo = (name: unknown) =>
    name === 'AWS::AccountId' ? ownAccount : name === 'AWS::Partition' ? 'aws' : undefined;
  if (typeof principal === 'string') return principal;
  const object = asObject(principal) ?? {};
  if (object.Ref !== undefined) return pseudo(object.Ref);
  if (typeof object['Fn::Sub'] === 'string') {
    return object['Fn::Sub'].replace(/\$\{(AWS::[A-Za-z]+)\}/g, (m, name: string) => pseudo(name) ?? m);
  }
  const join = object['Fn::Join'];
  if (!Array.isArray(join) || !Array.isArray(join[1])) return undefined;
  const parts = join[1].map((part) => (typeof part === 'string' ? part : principalText(part, ownAccount)));
  return parts.every((part) => part !== undefined) ? parts.join(String(join[0])) : undefined;
}
