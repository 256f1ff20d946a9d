import { asObject, type JsonObject } from '../../../cfn/json-values';
import { taskStates, type TaskState } from '../../../cfn/state-machine-tasks';
import type { DeployedResource } from '../calls/deployed-assembly';
import type { PolicyInventory } from '../calls/policy-inventory';
import { type DerivedCalls, origin, type RunTimeCall } from '../calls/run-time-call';
import type { Caller } from '../calls/s3-object-calls';
import { GLUE_JOB_RUN } from '../integrations/glue-job-run';
import { type CatalogTable, findGlueJob, glueJobRunTable } from '../integrations/glue-job-run/calls';
import { taskIntegration } from '../integrations/kinds';
import type { SampleExecution } from './sample-execution';

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
      const found = taskIntegration(task.resource);
      if (!('integration' in found) || found.integration !== GLUE_JOB_RUN) return [];
      if (typeof parameters.JobName !== 'string') return [];
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
 * sends them), as its integration's kind (lib/tools/integrations) derives them. Used for every state of
 * every machine by the test, and for each task a local execution runs.
 */
export function taskCalls(
  inventory: PolicyInventory,
  stateMachine: DeployedResource,
  task: Pick<TaskState, 'name' | 'resource'>,
  parameters: JsonObject,
  context: TaskContext = {},
): DerivedCalls {
  const { stage, path } = stateMachine;
  const found = taskIntegration(task.resource);
  if ('problem' in found) return { calls: [], problems: [found.problem] };
  const detail = `state ${task.name}`;
  return found.integration.calls(
    {
      inventory,
      stateMachine,
      stage,
      caller: {
        stage: stage.id,
        principal: String(stateMachine.properties.RoleArn),
        ...origin(path, detail),
      },
      path,
      detail,
      api: found.api,
      sync: found.pattern === 'sync' || found.pattern === 'sync:2',
      catalogTables: context.catalogTables,
    },
    parameters,
  );
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
