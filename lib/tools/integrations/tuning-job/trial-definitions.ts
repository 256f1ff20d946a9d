import { asList, asObject, type JsonObject } from '../../../../cfn/json-values';

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
 * The CreateTrainingJob request SageMaker makes for trial `trialName` of `definition`: the
 * definition's training settings (its `HyperParameterTuningResourceConfig` as the trial's
 * `ResourceConfig` when it has none), its static hyperparameters joined by the trial's `tuned`
 * values (which the calls do not depend on).
 */
export function trialRequest(
  definition: JsonObject,
  trialName: string,
  tuned: Readonly<Record<string, string>> = {},
): JsonObject {
  const {
    StaticHyperParameters: statics,
    DefinitionName: _name,
    TuningObjective: _objective,
    HyperParameterRanges: _ranges,
    HyperParameterTuningResourceConfig: tuningResources,
    ...training
  } = definition;
  const resources = asObject(tuningResources);
  return {
    ...training,
    ...(!training.ResourceConfig && resources
      ? {
          ResourceConfig: Object.fromEntries(
            ['InstanceType', 'InstanceCount', 'VolumeSizeInGB', 'VolumeKmsKeyId']
              .filter((key) => resources[key] !== undefined)
              .map((key) => [key, resources[key]]),
          ) as JsonObject,
        }
      : {}),
    TrainingJobName: trialName,
    HyperParameters: { ...((asObject(statics) ?? {}) as Record<string, string>), ...tuned },
  };
}
