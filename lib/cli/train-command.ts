import { Command } from 'commander';
import { connectCurrentDeployment } from '../local/current-deployment';
import { LOCAL_ENVIRONMENT, SILENT_STEPS } from '../local/emulator-up';
import { executionName, localTrain } from '../local/local-train';
import { listDatasetVersions } from '../ops/datasets';
import { formatStateEnded, startTraining, trainingEntryPoint, waitForExecution } from '../ops/training-runs';
import { datasetVersionArgument } from './arguments';
import { type AwsOptions, withAwsOptions } from './aws-context';
import { connectEnvironment, modelIn } from './connect-environment';
import { consoleSteps } from './steps';
import { printTrainResult } from './train-output';

interface TrainOptions extends AwsOptions {
  readonly model: string;
  readonly datasetVersion?: string;
  readonly wait?: boolean;
}

/** `mlenv train <env> --model <m>`: starts the model's training pipeline on a dataset version. */
export function trainCommand(): Command {
  return withAwsOptions(new Command('train'))
    .description(
      "start a model's training on a version of its dataset (the newest by default), through its data pipeline where it has one",
    )
    .argument('<env>', 'a configured environment')
    .requiredOption('--model <name>', 'a model of the configuration')
    .option(
      '--dataset-version <version>',
      'a version from `mlenv data ls` (default: the newest)',
      datasetVersionArgument,
    )
    .option('--wait', 'follow the execution state by state; exit non-zero with the failing state’s error')
    .addHelpText(
      'after',
      '\nExample:\n  $ npx mlenv train dev --model churn --dataset-version 3f2a9c0d1e4b5a69 --wait',
    )
    .action(async (envName: string, options: TrainOptions) => {
      const { env, directory, s3, sfn } = await connectEnvironment(envName, options);
      const model = modelIn(directory, options.model);
      const versions = await listDatasetVersions(s3, directory.buckets.raw, options.model);
      const version = options.datasetVersion
        ? versions.find((v) => v.version === options.datasetVersion)
        : versions[0];
      if (!version) {
        throw new Error(
          options.datasetVersion
            ? `${options.model} has no dataset version ${options.datasetVersion} in ${envName} (versions: ${versions.map((v) => v.version).join(', ') || 'none'})`
            : `${options.model} has no dataset in ${envName}: push one with npx mlenv data push ${envName} <dir> --dataset ${options.model}`,
        );
      }
      const input = { datasetS3Uri: version.datasetS3Uri, datasetVersion: version.version, reason: 'manual' };

      if (env.name === LOCAL_ENVIRONMENT) {
        // The emulator's Step Functions cannot run SageMaker jobs: the local environment runs it.
        const steps = options.json ? SILENT_STEPS : consoleSteps();
        const deployment = await connectCurrentDeployment({
          command: `train ${envName}`,
          steps,
          offerRedeploy: false,
          say: () => undefined,
        });
        const result = await localTrain(deployment, { model: options.model, input, steps });
        printTrainResult(result, options.json);
        return;
      }

      // A model with a data pipeline trains on the features it builds: start that, as new data does.
      const entry = trainingEntryPoint(model);
      const executionArn = await startTraining(sfn, entry.stateMachineArn, executionName('manual'), input);
      const through = entry.throughDataPipeline ? ' through its data pipeline (ETL, dbt, then training)' : '';
      if (!options.wait) {
        if (options.json) console.log(JSON.stringify({ executionArn, ...input }, null, 2));
        else
          console.log(
            `started ${executionArn} on ${options.model} dataset version ${version.version}${through}`,
          );
        return;
      }
      if (!options.json) console.log(`started ${executionArn}`);
      const end = await waitForExecution(sfn, executionArn, (s) => {
        if (!options.json) {
          console.log(`  ${formatStateEnded(s)}`);
        }
      });
      if (options.json) console.log(JSON.stringify({ executionArn, ...input, ...end }, null, 2));
      else console.log(`${end.status}${end.error ? `: ${end.error}: ${end.cause ?? ''}` : ''}`);
      if (end.status !== 'SUCCEEDED') process.exitCode = 1;
    });
}
