import { asList, asObject, type JsonObject } from '../../cfn/json-values';
import { taskStates, type TaskState } from '../../constructs/common/state-machine-tasks';
import { parseArn, s3Arn } from '../calls/arns';
import {
  codeBuildBuildCalls,
  codeBuildProjectArn,
  findCodeBuildProject,
} from '../integrations/codebuild-build/calls';
import type { DeployedResource, DeployedStage } from '../calls/deployed-assembly';
import {
  type CatalogTable,
  findGlueJob,
  glueJobArn,
  glueJobRunCalls,
  glueJobRunTable,
} from '../integrations/glue-job-run/calls';
import type { PolicyInventory } from '../calls/policy-inventory';
import { type DerivedCalls, origin, type RunTimeCall } from '../calls/run-time-call';
import type { SampleExecution } from './sample-execution';
import { jobArn, jobCalls, processingJob, trainingJob } from '../integrations/sagemaker-job/job-calls';
import { type Caller, s3ReadCalls } from '../calls/s3-object-calls';
import { volumeKeyGrant } from '../calls/sagemaker-runtime-calls';

/** A state machine of the assembly, its definition resolved, and what a sample execution did. */
export interface StateMachineRun {
  readonly stateMachine: DeployedResource;
  readonly arn: string;
  readonly definition: JsonObject;
  readonly sample: SampleExecution;
}

/** What a task's calls depend on beyond its own parameters: what the machine's other tasks make. */
export interface TaskContext {
  /** Tables the machine's Glue job runs register over their output (`--glue-table`). */
  readonly catalogTables?: readonly CatalogTable[];
}

/**
 * Every request a state machine makes: Step Functions assuming its role; execution logging and
 * tracing; each Task state's integration (its parameters from the sample execution, or as written
 * for states it did not reach) and, for SageMaker jobs, Glue job runs and CodeBuild builds, their
 * own requests through their roles (a build reading the tables the machine's Glue jobs register).
 */
export function stateMachineCalls(inventory: PolicyInventory, run: StateMachineRun): DerivedCalls {
  const { stage, path } = run.stateMachine;
  const calls = executionCalls(run.stateMachine, run.arn);
  const problems: string[] = [];
  const tasks = taskStates(run.definition).map((task) => {
    const recorded = run.sample.taskParameters.get(task.name.split(' > ').at(-1)!);
    return { task, recorded, parameters: recorded ?? asWritten(task) };
  });
  // The catalog tables the machine's Glue jobs register: what its dbt builds read.
  const context: TaskContext = {
    catalogTables: tasks.flatMap(({ task, parameters }) => {
      if (!/:states:::glue:startJobRun/.test(task.resource) || typeof parameters.JobName !== 'string')
        return [];
      const job = findGlueJob(inventory, run.stateMachine.stage, parameters.JobName);
      const table = job && glueJobRunTable(job, asObject(parameters.Arguments) ?? {});
      return table ? [table] : [];
    }),
  };
  for (const { task, recorded, parameters } of tasks) {
    const derived = taskCalls(inventory, run.stateMachine, task, parameters, context);
    calls.push(...derived.calls);
    problems.push(
      ...derived.problems.map(
        (p) =>
          `${stage.id}/${path} state ${task.name}${recorded ? '' : ' (not reached by the sample run)'}: ${p}`,
      ),
    );
  }
  return { calls, problems };
}

/**
 * The calls one Task state of `stateMachine` makes with `parameters` (resolved, as the state
 * sends them): its service integration through the state machine's role (with a `.sync` task's
 * polling, stopping and managed EventBridge rule, as each integration's Step Functions page
 * documents) and, for a SageMaker job, a Glue job run or a CodeBuild build, its own requests
 * through its role. Used for every state of every machine by the test, and for each task a local
 * execution runs.
 */
export function taskCalls(
  inventory: PolicyInventory,
  stateMachine: DeployedResource,
  task: Pick<TaskState, 'name' | 'resource'>,
  parameters: JsonObject,
  context: TaskContext = {},
): DerivedCalls {
  const { stage, path } = stateMachine;
  const caller: Caller = {
    stage: stage.id,
    principal: String(stateMachine.properties.RoleArn),
    ...origin(path, `state ${task.name}`),
  };
  const integration = /^arn:[^:]+:states:::(.+?)(\.sync(:2)?|\.waitForTaskToken)?$/.exec(task.resource);
  if (!integration) return { calls: [], problems: [`no model of Task resource ${task.resource}`] };
  const [, api, pattern] = integration;
  const missing = (...fields: string[]) => fields.filter((f) => typeof parameters[f] !== 'string');
  const sync = pattern?.startsWith('.sync') ?? false;
  switch (api) {
    case 'sagemaker:createProcessingJob':
    case 'sagemaker:createTrainingJob': {
      const training = api === 'sagemaker:createTrainingJob';
      const nameField = training ? 'TrainingJobName' : 'ProcessingJobName';
      const absent = missing(nameField, 'RoleArn');
      if (absent.length > 0) return { calls: [], problems: [`no ${absent.join(', ')} to derive calls from`] };
      const job = training
        ? trainingJob(parameters, stage, inventory)
        : processingJob(parameters, stage, inventory);
      const kind = training ? 'Training' : 'Processing';
      const calls: RunTimeCall[] = [
        ...(sync ? ['Create', 'Describe', 'Stop'] : ['Create']).map((verb) => ({
          ...caller,
          action: `sagemaker:${verb}${kind}Job`,
          resource: jobArn(stage, training ? 'training-job' : 'processing-job', job.name),
        })),
        ...(parameters.Tags ? [{ ...caller, action: 'sagemaker:AddTags', resource: job.arn }] : []),
        {
          ...caller,
          action: 'iam:PassRole',
          resource: job.roleArn,
          context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' },
        },
        ...(job.volumeKeyArn ? [volumeKeyGrant(caller, stage, job.volumeKeyArn)] : []),
        ...(sync ? managedRuleCalls(caller, stage, `StepFunctionsGetEventsForSageMaker${kind}JobsRule`) : []),
        ...jobCalls(inventory, stage, job, path, `state ${task.name}`),
      ];
      return { calls, problems: [] };
    }
    case 'glue:startJobRun': {
      if (typeof parameters.JobName !== 'string')
        return { calls: [], problems: ['no JobName to derive calls from'] };
      const job = findGlueJob(inventory, stage, parameters.JobName);
      const calls: RunTimeCall[] = [
        ...(sync ? ['StartJobRun', 'GetJobRun', 'GetJobRuns', 'BatchStopJobRun'] : ['StartJobRun']).map(
          (verb) => ({
            ...caller,
            action: `glue:${verb}`,
            resource: glueJobArn(stage, String(parameters.JobName)),
          }),
        ),
      ];
      if (!job) return { calls, problems: [`Glue job ${parameters.JobName} is not in the assembly`] };
      const run = glueJobRunCalls(
        inventory,
        job,
        asObject(parameters.Arguments) ?? {},
        path,
        `state ${task.name}`,
      );
      return { calls: [...calls, ...run.calls], problems: run.problems };
    }
    case 'codebuild:startBuild': {
      if (typeof parameters.ProjectName !== 'string') {
        return { calls: [], problems: ['no ProjectName to derive calls from'] };
      }
      const projectArn = codeBuildProjectArn(stage, parameters.ProjectName);
      const calls: RunTimeCall[] = [
        ...(sync ? ['StartBuild', 'BatchGetBuilds', 'StopBuild'] : ['StartBuild']).map((verb) => ({
          ...caller,
          action: `codebuild:${verb}`,
          resource: projectArn,
        })),
        ...(sync ? managedRuleCalls(caller, stage, 'StepFunctionsGetEventForCodeBuildStartBuildRule') : []),
      ];
      const project = findCodeBuildProject(inventory, stage, parameters.ProjectName);
      if (!project) {
        return { calls, problems: [`CodeBuild project ${parameters.ProjectName} is not in the assembly`] };
      }
      const build = codeBuildBuildCalls(
        inventory,
        project,
        asList(parameters.EnvironmentVariablesOverride),
        path,
        `state ${task.name}`,
        context.catalogTables,
      );
      return { calls: [...calls, ...build.calls], problems: build.problems };
    }
    case 'states:startExecution': {
      const machineArn = parameters.StateMachineArn;
      if (typeof machineArn !== 'string') return { calls: [], problems: ['no StateMachineArn'] };
      const machine = parseArn(machineArn);
      const machineName = machine?.resource.replace(/^stateMachine:/, '');
      if (!machine || !machineName || machineName.includes(':')) {
        return { calls: [], problems: [`${machineArn} is not a state machine ARN`] };
      }
      // The child execution: named by the task, or by Step Functions (a UUID).
      const executionName =
        typeof parameters.Name === 'string' ? parameters.Name : '01234567-89ab-4def-8123-456789abcdef';
      const executionArn = `arn:${machine.partition}:states:${machine.region}:${machine.account}:execution:${machineName}:${executionName}`;
      return {
        calls: [
          { ...caller, action: 'states:StartExecution', resource: machineArn },
          ...(sync
            ? [
                { ...caller, action: 'states:DescribeExecution', resource: executionArn },
                { ...caller, action: 'states:StopExecution', resource: executionArn },
                ...managedRuleCalls(caller, stage, 'StepFunctionsGetEventsForStepFunctionsExecutionRule'),
              ]
            : []),
        ],
        problems: [],
      };
    }
    case 'aws-sdk:s3:getObject': {
      const absent = missing('Bucket', 'Key');
      if (absent.length > 0) return { calls: [], problems: [`no ${absent.join(', ')} to derive calls from`] };
      const bucket = String(parameters.Bucket);
      return {
        calls: [
          ...s3ReadCalls(inventory, caller, `s3://${bucket}/${String(parameters.Key)}`),
          // S3 answers a missing key with NoSuchKey (which a definition may catch: a dataset's
          // missing latest.json) only to a caller that may list the bucket; to others, AccessDenied.
          {
            ...caller,
            action: 's3:ListBucket',
            resource: s3Arn(inventory.buckets.get(bucket)?.stage.partition ?? 'aws', bucket),
          },
        ],
        problems: [],
      };
    }
    // HEAD of an object: s3:GetObject, without the key (nothing is decrypted).
    case 'aws-sdk:s3:headObject': {
      const absent = missing('Bucket', 'Key');
      if (absent.length > 0) return { calls: [], problems: [`no ${absent.join(', ')} to derive calls from`] };
      const bucket = String(parameters.Bucket);
      const partition = inventory.buckets.get(bucket)?.stage.partition ?? 'aws';
      return {
        calls: [
          { ...caller, action: 's3:GetObject', resource: s3Arn(partition, bucket, String(parameters.Key)) },
        ],
        problems: [],
      };
    }
    case 'aws-sdk:sagemaker:createModelPackage': {
      const group = parameters.ModelPackageGroupName;
      if (typeof group !== 'string') return { calls: [], problems: ['no ModelPackageGroupName'] };
      // A group may be named by ARN; its packages are `model-package/<group>/<version>`.
      const groupName = group.startsWith('arn:') ? parseArn(group)!.resource.split('/')[1] : group;
      return {
        calls: [
          {
            ...caller,
            action: 'sagemaker:CreateModelPackage',
            resource: jobArn(stage, 'model-package', `${groupName}/1`),
            ...(typeof parameters.ModelApprovalStatus === 'string'
              ? { context: { 'sagemaker:ModelApprovalStatus': parameters.ModelApprovalStatus } }
              : {}),
          },
        ],
        problems: [],
      };
    }
    // Listing a group's packages is authorized on its packages (`model-package/<group>/*`: the
    // service authorization reference gives ListModelPackages the model-package resource type).
    case 'aws-sdk:sagemaker:listModelPackages': {
      const group = parameters.ModelPackageGroupName;
      if (typeof group !== 'string') return { calls: [], problems: ['no ModelPackageGroupName'] };
      const groupName = group.startsWith('arn:') ? parseArn(group)!.resource.split('/')[1] : group;
      return {
        calls: [
          {
            ...caller,
            action: 'sagemaker:ListModelPackages',
            resource: jobArn(stage, 'model-package', `${groupName}/*`),
          },
        ],
        problems: [],
      };
    }
    case 'aws-sdk:sagemaker:describeModelPackage': {
      const name = parameters.ModelPackageName;
      if (typeof name !== 'string')
        return { calls: [], problems: ['no ModelPackageName to derive calls from'] };
      // A versioned package is named by its ARN (`model-package/<group>/<version>`).
      if (!parseArn(name)) return { calls: [], problems: [`${name} is not a model package ARN`] };
      return {
        calls: [{ ...caller, action: 'sagemaker:DescribeModelPackage', resource: name }],
        problems: [],
      };
    }
    case 'sns:publish': {
      if (typeof parameters.TopicArn !== 'string') return { calls: [], problems: ['no TopicArn'] };
      const topic = inventory.topics.get(parameters.TopicArn);
      const calls: RunTimeCall[] = [{ ...caller, action: 'sns:Publish', resource: parameters.TopicArn }];
      if (topic?.kmsKeyArn) {
        for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
          calls.push({
            ...caller,
            action,
            resource: topic.kmsKeyArn,
            context: {
              'kms:ViaService': `sns.${stage.region}.amazonaws.com`,
              'kms:CallerAccount': stage.account,
              // SNS names the topic as encryption context of its data keys.
              'kms:EncryptionContext:aws:sns:topicArn': parameters.TopicArn,
            },
          });
        }
      }
      return { calls, problems: [] };
    }
    default:
      return {
        calls: [],
        problems: [`no model of the ${api} integration: add one to state-machine-calls.ts`],
      };
  }
}

/** A `.sync` task learns that its job ended from an EventBridge rule Step Functions manages (`rule`). */
function managedRuleCalls(caller: Caller, stage: DeployedStage, rule: string): RunTimeCall[] {
  return ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'].map((action) => ({
    ...caller,
    action,
    resource: `arn:${stage.partition}:events:${stage.region}:${stage.account}:rule/${rule}`,
  }));
}

/** A state's parameters as written, for a state the sample run did not reach: only fixed values. */
function asWritten(task: TaskState): JsonObject {
  const parameters = asObject(task.parameters) ?? {};
  return Object.fromEntries(Object.entries(parameters).filter(([key]) => !key.endsWith('.$')));
}

/**
 * What every execution of a state machine makes before and besides its tasks: Step Functions
 * assuming its role, execution logging and tracing.
 */
export function executionCalls(stateMachine: DeployedResource, arn: string): RunTimeCall[] {
  const { stage, properties, path } = stateMachine;
  const roleArn = String(properties.RoleArn);
  const as = (detail: string): Caller => ({ stage: stage.id, principal: roleArn, ...origin(path, detail) });
  const calls: RunTimeCall[] = [
    {
      ...as('role'),
      principal: 'states.amazonaws.com',
      action: 'sts:AssumeRole',
      resource: roleArn,
      context: { 'aws:SourceArn': arn, 'aws:SourceAccount': stage.account },
    },
  ];
  const logging = asObject(properties.LoggingConfiguration);
  if (logging && logging.Level !== 'OFF' && logging.Destinations) {
    // What Step Functions' documentation asks of the role for logging to CloudWatch Logs.
    for (const action of [
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
    ]) {
      calls.push({ ...as('logging'), action, resource: '*' });
    }
  }
  if (asObject(properties.TracingConfiguration)?.Enabled === true) {
    for (const action of [
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
    ]) {
      calls.push({ ...as('tracing'), action, resource: '*' });
    }
  }
  return calls;
}
