import type { JsonObject } from '../../../cfn/json-values';
import { accessLogCalls } from './access-log-calls';
import { alarmCalls } from './alarm-calls';
import type { AuthorizationModel } from './authorization-model';
import { budgetCalls } from './budget-calls';
import { exportedVariables, findCodeBuildProject } from '../integrations/codebuild-build/calls';
import type { DeployedResource } from '../calls/deployed-assembly';
import { deliveryPipelineCalls } from './delivery-pipeline-calls';
import { endpointModelCalls } from './endpoint-model-calls';
import { eventRuleCalls } from './event-rule-calls';
import { encryptedLogGroupCalls, flowLogCalls } from './log-delivery-calls';
import { modelRegistrations, type Registration } from './model-registrations';
import { dataQualityJobCalls, modelQualityJobCalls } from './monitoring-job-calls';
import type { DerivedCalls, RunTimeCall } from '../calls/run-time-call';
import { runSampleExecution } from './sample-execution';
import { silentS3EventRules } from './silent-event-rules';
import { stateMachineCalls, type StateMachineRun } from './state-machine-calls';
import { trackingServerCalls } from './tracking-server-calls';

export interface EnumerationOptions {
  /** The name of each sample execution (job names derive from it). @default 'authorization-check' */
  readonly executionName?: string;
  /** The input of a state machine's sample execution. */
  readonly executionInput: (stateMachine: DeployedResource) => JsonObject;
  /** The body of an S3 object a sample execution reads (see `SampleExecutionOptions.objectBody`). */
  readonly objectBody?: (s3Uri: string, stateMachine: DeployedResource) => string;
}

/** Every request the assembly's environments make at run time, and what could not be derived. */
export interface RunTimeCallEnumeration {
  readonly calls: readonly RunTimeCall[];
  /** Each state machine's sample execution. */
  readonly runs: readonly StateMachineRun[];
  /** The model packages the sample executions register. */
  readonly registrations: readonly Registration[];
  /** What could not be turned into calls (a resource or integration without a model, a failed sample run). */
  readonly problems: readonly string[];
  /** Rules that match events their source never sends. */
  readonly silentRules: readonly string[];
}

/**
 * Every run-time request, derived from the templates: state machines (their role, logging,
 * tracing, each Task state, each SageMaker job's own requests), endpoint models, data-quality
 * monitoring jobs, EventBridge rule targets, alarm and budget notifications, encrypted log groups,
 * VPC flow logs, MLflow tracking servers' artifacts and S3 server access logging. A resource added later is enumerated by its type.
 */
export async function enumerateRunTimeCalls(
  model: AuthorizationModel,
  options: EnumerationOptions,
): Promise<RunTimeCallEnumeration> {
  const { inventory } = model;
  const { deployed } = inventory;
  const problems: string[] = [];
  const runs: StateMachineRun[] = [];
  for (const stateMachine of deployed.ofType('AWS::StepFunctions::StateMachine')) {
    const arn = deployed.ref(stateMachine);
    const definition = deployed.definition(stateMachine);
    const sample = await runSampleExecution(definition, arn, {
      input: options.executionInput(stateMachine),
      executionName: options.executionName,
      objectBody: options.objectBody && ((uri) => options.objectBody!(uri, stateMachine)),
      exportedVariables: (name) => {
        const project = findCodeBuildProject(inventory, stateMachine.stage, name);
        return project ? exportedVariables(project) : [];
      },
    });
    if (sample.status !== 'SUCCEEDED') {
      problems.push(
        `${stateMachine.stage.id}/${stateMachine.path}: the sample execution failed (${sample.failure})`,
      );
    }
    runs.push({ stateMachine, arn, definition, sample });
  }
  const registrations = modelRegistrations(runs);
  const derived: DerivedCalls[] = [
    ...runs.map((run) => stateMachineCalls(inventory, run)),
    ...deployed
      .ofType('AWS::SageMaker::Model')
      .map((m) => endpointModelCalls(deployed, inventory, m, registrations)),
    ...deployed
      .ofType('AWS::SageMaker::DataQualityJobDefinition')
      .map((d) => dataQualityJobCalls(deployed, inventory, d)),
    ...deployed
      .ofType('AWS::SageMaker::ModelQualityJobDefinition')
      .map((d) => modelQualityJobCalls(deployed, inventory, d)),
    ...deployed.ofType('AWS::Events::Rule').map((r) => eventRuleCalls(deployed, inventory, r)),
    ...deployed
      .ofType('AWS::CodePipeline::Pipeline')
      .map((p) => deliveryPipelineCalls(deployed, inventory, p)),
    ...['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm'].flatMap((type) =>
      deployed.ofType(type).map((a) => alarmCalls(deployed, inventory, a)),
    ),
  ];
  const calls: RunTimeCall[] = [
    ...derived.flatMap((d) => d.calls),
    ...deployed.ofType('AWS::Budgets::Budget').flatMap((b) => budgetCalls(deployed, inventory, b)),
    ...deployed.ofType('AWS::Logs::LogGroup').flatMap((g) => encryptedLogGroupCalls(deployed, inventory, g)),
    ...deployed.ofType('AWS::EC2::FlowLog').flatMap((f) => flowLogCalls(deployed, f)),
    ...deployed
      .ofType('AWS::SageMaker::MlflowTrackingServer')
      .flatMap((server) => trackingServerCalls(inventory, server)),
    ...[...inventory.buckets.values()].flatMap(accessLogCalls),
  ];
  // Other monitoring job kinds have their own shapes: say so rather than skip them.
  for (const type of [
    'AWS::SageMaker::ModelBiasJobDefinition',
    'AWS::SageMaker::ModelExplainabilityJobDefinition',
  ]) {
    for (const r of deployed.ofType(type)) problems.push(`${r.stage.id}/${r.path}: no model of ${type}`);
  }
  return {
    calls: dedupe(calls),
    runs,
    registrations,
    problems: [...problems, ...derived.flatMap((d) => d.problems)],
    silentRules: silentS3EventRules(deployed, inventory),
  };
}

/** The same request from the same origin, once. */
function dedupe(calls: readonly RunTimeCall[]): RunTimeCall[] {
  const seen = new Map<string, RunTimeCall>();
  for (const call of calls) {
    const key = JSON.stringify([
      call.stage,
      call.origin,
      call.principal,
      call.action,
      call.resource,
      call.context,
    ]);
    if (!seen.has(key)) seen.set(key, call);
  }
  return [...seen.values()];
}
