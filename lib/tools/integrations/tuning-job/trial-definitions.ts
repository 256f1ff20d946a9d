import { asList, asObject, type JsonObject } from '../../../../cfn/json-values';

/**
 * The suffix of a sample trial's name. SageMaker names a tuning job's training jobs
 * `<tuning job name>-NNN-<8 hex>` (observed: `xgboost-190407-1532-005-0e830ada`); only the prefix
 * is documented (CreateHyperParameterTuningJob: "This name is the prefix for the names of all
 * training jobs that this tuning job launches").
 */
export const SAMPLE_TRIAL_SUFFIX = '0123abcd';

/** The name of trial `index` (1-based) of tuning job `tuningJobName`, in SageMaker's observed form. */
export function trialJobName(tuningJobName: string, index: number): string {
  return `${tuningJobName}-${String(index).padStart(3, '0')}-${SAMPLE_TRIAL_SUFFIX}`;
}

/**
 * The training job definitions of a CreateHyperParameterTuningJob request: its
 * `TrainingJobDefinition`, or each of its `TrainingJobDefinitions` (1 to 10), as objects (a
 * definition that is not an object, or set at run time, is left out: see `unreadableDefinitions`).
 */
export function trainingJobDefinitions(parameters: JsonObject): JsonObject[] {
  const listed =
    parameters.TrainingJobDefinitions !== undefined
      ? asList(parameters.TrainingJobDefinitions)
      : asList(parameters.TrainingJobDefinition);
  return listed.flatMap((definition) => {
    const object = asObject(definition);
    return object ? [object] : [];
  });
}

/** Why the request's definitions cannot all be read, or undefined when they can. */
export function unreadableDefinitions(parameters: JsonObject): string | undefined {
  const given = parameters.TrainingJobDefinitions ?? parameters.TrainingJobDefinition;
  if (given === undefined) return 'no TrainingJobDefinition';
  if (asList(given).length !== trainingJobDefinitions(parameters).length) {
    return 'a TrainingJobDefinition that is not an object';
  }
  return undefined;
}

/**
 * The CreateTrainingJob request SageMaker makes for a trial of `definition`: the definition's
 * settings, named as the trial (the tuned values join the static hyperparameters, which the calls
 * do not depend on).
 */
export function trialRequest(definition: JsonObject, trialName: string): JsonObject {
  const { StaticHyperParameters: hyperParameters, DefinitionName: _name, ...settings } = definition;
  return {
    ...settings,
    TrainingJobName: trialName,
    ...(hyperParameters !== undefined ? { HyperParameters: hyperParameters } : {}),
  };
}
