import { trialRequest } from '../../lib/tools/integrations/tuning-job/trial-definitions';
import { trialName } from '../../lib/tools/integrations/tuning-job/tuning-description';

type Json = Record<string, any>;

/**
 * The training job a pipeline's rendered `states` run for run `runId`: Train's request, or, for a
 * pipeline that tunes, its first trial's (the Tune state's TrainingJobDefinition, named as SageMaker
 * names a trial), with the `States.Format(..., $.run.id)` values filled in.
 */
export function renderedTrainingRequest(states: Json, runId: string): Json {
  const template = states.Tune ? states.Tune.Parameters.TrainingJobDefinition : states.Train.Parameters;
  const text = JSON.stringify(template).replace(
    /"(\w+)\.\$":"States\.Format\('([^']*)', \$\.run\.id\)"/g,
    (_m, key: string, format: string) => `"${key}":"${format.replace('{}', runId)}"`,
  );
  const resolved = JSON.parse(text) as Json;
  return states.Tune ? trialRequest(resolved, trialName(`trial-${runId.slice(0, 8)}`, 1)) : resolved;
}
