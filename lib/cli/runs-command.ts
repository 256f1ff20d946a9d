import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { Command } from 'commander';
import { platformConfig } from '../../config';
import { localStateDir } from '../local/emulator';
import { mlflowServerStatus } from '../local/mlflow-server';
import { trackingClientFor } from '../ops/tracking/environment-tracking';
import { listRuns, type ModelRuns } from '../ops/tracking/list-runs';
import { positiveInteger } from './arguments';
import { type AwsOptions, clientConfigFor, findEnvironment, withAwsOptions } from './aws-context';
import { formatModelRuns } from './runs-output';

interface RunsOptions extends AwsOptions {
  readonly model?: string;
  readonly max: number;
}

/** `mlenv runs <env> [--model <m>]`: the training runs recorded in the environment's MLflow. */
export function runsCommand(): Command {
  return withAwsOptions(new Command('runs'))
    .description(
      "the training runs recorded in an environment's MLflow, newest first: status, metrics, dataset version, the model package each produced (or `not registered`); an environment whose tracking.server is 'none' records no runs and says so",
    )
    .argument('<env>', 'a configured environment')
    .option('--model <name>', 'a model of the configuration (default: every model)')
    .option('--max <n>', 'the newest runs to show per model', positiveInteger, 20)
    .addHelpText('after', '\nExample:\n  $ npx mlenv runs staging --model churn --max 5 --profile ml-staging')
    .action(async (envName: string, options: RunsOptions) => {
      const config = platformConfig();
      const env = findEnvironment(config, envName);
      const known = config.models.map((m) => m.name);
      if (options.model !== undefined && !known.includes(options.model)) {
        throw new Error(
          `no model named '${options.model}' in the configuration (models: ${known.join(', ')})`,
        );
      }
      const client = await trackingClientFor(config.project, env, {
        region: options.region,
        credentials: async () => new SageMakerClient(await clientConfigFor(env, options)).config.credentials,
        localServerUrl: async () => (await mlflowServerStatus(localStateDir()))?.url,
      });
      const results: ModelRuns[] = [];
      for (const model of options.model ? [options.model] : known) {
        results.push(await listRuns(client, model, options.max));
      }
      if (options.json) console.log(JSON.stringify(results, null, 2));
      else console.log(formatModelRuns(env.name, results));
    });
}
