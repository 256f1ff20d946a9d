import { asObject, type JsonObject } from '../../../cfn/json-values';
import { taskStates } from '../../../cfn/state-machine-tasks';
import type { DeployedStage } from '../calls/deployed-assembly';
import { REGISTER_MODEL_PACKAGE } from '../integrations/model-registry';
import { taskIntegration } from '../integrations/kinds';
import type { StateMachineRun } from './state-machine-calls';

/** A model package a pipeline's sample run registers, as its `CreateModelPackage` request says. */
export interface Registration {
  readonly stage: DeployedStage;
  readonly groupName: string;
  readonly request: JsonObject;
  /** The state machine and state that registers it. */
  readonly origin: string;
}

/** The packages the sample runs register, by stage and group. */
export function modelRegistrations(runs: readonly StateMachineRun[]): Registration[] {
  return runs.flatMap((run) =>
    taskStates(run.definition)
      .filter((task) => isRegistration(task.resource))
      .flatMap((task) => {
        const request = run.sample.taskParameters.get(task.name.split(' > ').at(-1)!);
        const group = asObject(request)?.ModelPackageGroupName;
        if (!request || typeof group !== 'string') return [];
        return [
          {
            stage: run.stateMachine.stage,
            groupName: group.split('/').at(-1)!,
            request,
            origin: `${run.stateMachine.path} state ${task.name}`,
          },
        ];
      }),
  );
}

/** Whether a Task's resource registers a model package (the model registry's `createModelPackage`). */
function isRegistration(resource: string): boolean {
  const found = taskIntegration(resource);
  return 'api' in found && found.api === REGISTER_MODEL_PACKAGE;
}

/** The S3 objects a registered package points at: model data, metrics, drift baselines. */
export function packageObjects(registration: Registration): string[] {
  const uris: string[] = [];
  const collect = (value: unknown, key = ''): void => {
    if (typeof value === 'string' && /^(S3Uri|ModelDataUrl)$/.test(key) && value.startsWith('s3://')) {
      uris.push(value);
    } else if (Array.isArray(value)) {
      value.forEach((item) => collect(item));
    } else if (asObject(value)) {
      Object.entries(asObject(value)!).forEach(([k, v]) => collect(v, k));
    }
  };
  collect(registration.request);
  return [...new Set(uris)];
}
