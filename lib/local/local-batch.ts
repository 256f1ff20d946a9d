import { DescribeStateMachineCommand } from '@aws-sdk/client-sfn';
import { isDeepStrictEqual } from 'node:util';
import type { JsonObject } from '../../cfn/json-values';
import { ModelStack } from '../platform/stacks/model-stack';
import { type AuthorizedExecution, runAuthorizedExecution } from './authorized-execution';
import { emulatorBackend } from './emulator-backend';
import { runRecorded } from './emulator-records';
import { SILENT_STEPS, type StepRunner } from './emulator-up';
import { executionArnOf, ExecutionHistory } from './execution-history';
import type { LocalDeployment } from './local-deployment';
import { executionName } from './local-train';
import { modelPython } from './model-python';
import { formatStateEnded, type StateEnded } from '../ops/training-runs';

/** What a local batch transform run did. */
export interface LocalBatchResult {
  readonly model: string;
  readonly executionArn: string;
  readonly batchId: string;
  readonly status: AuthorizedExecution['status'];
  readonly error?: string;
  readonly cause?: string;
  readonly states: readonly StateEnded[];
  /** `s3://<curated>/<model>/batches/<id>/predictions/`, when the transform completed. */
  readonly predictions?: string;
  readonly checkedCalls: AuthorizedExecution['checked'];
}

/** The deployed batch transform state machine of `model` (a batch-served model the local pins serve). */
export function localBatchStateMachine(deployment: LocalDeployment, model: string) {
  return deployment.tryResource(ModelStack.pathOf(deployment.model(model).name, 'Batch/StateMachine'));
}

/**
 * Runs the batch transform of `model` as deployed in the emulator on `batchId` (a batch id, or
 * `latest`), as `mlenv local train` runs a training pipeline: the definition read back from the
 * emulator (it must equal the deployed assembly's), every call checked against the deployed
 * policies, the transform job answered by the local run of the model's own inference.py
 * (lib/tools/integrations/transform-job), the execution recorded in the emulator.
 */
export async function localBatch(
  deployment: LocalDeployment,
  options: { readonly model: string; readonly batchId: string; readonly steps?: StepRunner },
): Promise<LocalBatchResult> {
  const steps = options.steps ?? SILENT_STEPS;
  const model = deployment.model(options.model).name;
  const stateMachine = localBatchStateMachine(deployment, model);
  if (!stateMachine) {
    throw new Error(
      `the local environment has no batch transform of ${model}: serve it first with npx mlenv local serve --model ${model}`,
    );
  }
  const stateMachineArn = deployment.ref(stateMachine);
  const definition = await steps.step('read the deployed batch state machine', async () => {
    const described = await deployment.clients.sfn.send(new DescribeStateMachineCommand({ stateMachineArn }));
    const deployed = JSON.parse(described.definition ?? '{}') as JsonObject;
    if (!isDeepStrictEqual(deployed, deployment.authz.inventory.deployed.definition(stateMachine))) {
      throw new Error(
        `the definition of ${stateMachineArn} in the emulator is not the one of the deployed assembly: redeploy with \`mlenv local up\``,
      );
    }
    return deployed;
  });
  const python = await steps.step(`prepare ${model}'s Python`, async () => {
    const prepared = await modelPython(deployment.model(model));
    steps.detail(prepared.note);
    return prepared;
  });
  const input = { batchId: options.batchId, reason: 'manual' };
  const name = executionName('batch');
  const executionArn = executionArnOf(stateMachineArn, name);
  const history = new ExecutionHistory(executionArn, stateMachineArn, input);
  const states: StateEnded[] = [];
  const { backend, record } = emulatorBackend(deployment, { python: python.python, history });
  const execution = await steps.step(`execution ${name}`, () =>
    runRecorded(
      deployment.port,
      history,
      () =>
        runAuthorizedExecution({
          stateMachine,
          definition,
          authz: deployment.authz,
          backend,
          input: input as unknown as JsonObject,
          executionName: name,
          onEvent: (event) => {
            history.stateEvent(event);
            if (event.kind === 'started') return;
            const end: StateEnded = {
              state: event.state,
              status: event.kind,
              seconds: (event.durationMs ?? 0) / 1000,
            };
            states.push(end);
            steps.detail(formatStateEnded(end, event.error));
          },
        }),
      (error) => record.notRecorded.push(`the execution ${executionArn}: ${error.message}`),
    ),
  );
  for (const problem of record.notRecorded) steps.detail(`not recorded in the emulator: ${problem}`);
  deployment.checked.push(...execution.checked);
  const output = execution.output as { batchId?: string; predictions?: string } | undefined;
  return {
    model,
    executionArn,
    batchId: output?.batchId ?? options.batchId,
    status: execution.status,
    error: execution.error,
    cause: execution.cause,
    states,
    predictions: output?.predictions,
    checkedCalls: execution.checked,
  };
}
