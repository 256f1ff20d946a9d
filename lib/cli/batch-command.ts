import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { Command } from 'commander';
import { platformConfig } from '../../config';
import { connectCurrentDeployment } from '../local/current-deployment';
import { localBatch, localBatchStateMachine } from '../local/local-batch';
import { LOCAL_ENVIRONMENT, SILENT_STEPS } from '../local/emulator-up';
import { executionName } from '../local/local-train';
import { batchModelProblem, predictionsPrefix, pushBatch, readBatchInput } from '../ops/batch-runs';
import { formatStateEnded, waitForExecution } from '../ops/training-runs';
import { type AwsOptions, withAwsOptions } from './aws-context';
import { connectEnvironment, modelIn } from './connect-environment';
import { consoleSteps } from './steps';

interface BatchRunOptions extends AwsOptions {
  readonly model: string;
  readonly input: string;
}

/** `mlenv batch run <env> --model <m> --input <dir | prefix>`: scores a batch with a batch-served model. */
export function batchCommand(): Command {
  const batch = new Command('batch')
    .description('score batches of inputs with models served in batch')
    .addHelpText('after', '\nExample:\n  $ npx mlenv batch run dev --model diabetes --input <dir>');
  batch.addCommand(
    withAwsOptions(new Command('run'))
      .description(
        "score a batch with a batch-served model's batch transform, wait for it, and print where its predictions are",
      )
      .argument('<env>', 'a configured environment')
      .requiredOption('--model <name>', 'a model served in batch (serving: { mode: batch })')
      .requiredOption(
        '--input <dir|prefix>',
        'a local folder of CSV files (rows of features, no header), uploaded as a new batch; or a batch already in the raw bucket: s3://<raw>/<model>/batches/<batch id>/input/ or its batch id',
      )
      .addHelpText('after', '\nExample:\n  $ npx mlenv batch run dev --model diabetes --input <dir>')
      .action(async (envName: string, options: BatchRunOptions) => {
        const config = platformConfig();
        const configured = config.models.find((m) => m.name === options.model);
        if (!configured) {
          throw new Error(
            `no model named '${options.model}' in the configuration (models: ${config.models.map((m) => m.name).join(', ')})`,
          );
        }
        if (envName === LOCAL_ENVIRONMENT) {
          const steps = options.json ? SILENT_STEPS : consoleSteps();
          const deployment = await connectCurrentDeployment({
            command: `batch run ${envName}`,
            steps,
            offerRedeploy: false,
            say: () => undefined,
          });
          const problem = batchModelProblem(envName, {
            name: options.model,
            mode: configured.serving.mode,
            batchArn: localBatchStateMachine(deployment, options.model) && 'deployed',
          });
          if (problem)
            throw new Error(
              problem.replace(
                /pin a package .* and deploy/,
                `serve it with npx mlenv local serve --model ${options.model}`,
              ),
            );
          const buckets = { raw: deployment.bucket('raw'), curated: deployment.bucket('curated') };
          const input = readBatchInput(options.input, options.model, buckets);
          const batchId =
            input.kind === 'local'
              ? await steps.step('upload the batch to the raw bucket', () =>
                  pushBatch(deployment.clients.s3, buckets.raw, options.model, input.files),
                )
              : input.batchId;
          const result = await localBatch(deployment, { model: options.model, batchId, steps });
          print(options.json, {
            executionArn: result.executionArn,
            batchId,
            status: result.status,
            error: result.error,
            cause: result.cause,
            predictions: result.predictions ?? predictionsPrefix(buckets, options.model, batchId),
          });
          return;
        }
        const { directory, s3, sfn } = await connectEnvironment(envName, options);
        const model = modelIn(directory, options.model);
        const problem = batchModelProblem(envName, {
          name: options.model,
          mode: configured.serving.mode,
          batchArn: model.batchArn,
        });
        if (problem) throw new Error(problem);
        const buckets = { raw: directory.buckets.raw, curated: directory.buckets.curated };
        const input = readBatchInput(options.input, options.model, buckets);
        const batchId =
          input.kind === 'local'
            ? await pushBatch(s3, buckets.raw, options.model, input.files)
            : input.batchId;
        const started = await sfn.send(
          new StartExecutionCommand({
            stateMachineArn: model.batchArn!,
            name: executionName('batch'),
            input: JSON.stringify({ batchId, reason: 'manual' }),
          }),
        );
        const executionArn = started.executionArn!;
        if (!options.json) console.log(`started ${executionArn} on batch ${batchId}`);
        const end = await waitForExecution(sfn, executionArn, (s) => {
          if (!options.json) console.log(`  ${formatStateEnded(s)}`);
        });
        print(options.json, {
          executionArn,
          batchId,
          status: end.status,
          error: end.error,
          cause: end.cause,
          predictions: predictionsPrefix(buckets, options.model, batchId),
        });
      }),
  );
  return batch;
}

function print(
  json: boolean | undefined,
  result: {
    executionArn: string;
    batchId: string;
    status: string;
    error?: string;
    cause?: string;
    predictions: string;
  },
): void {
  if (json) console.log(JSON.stringify(result, null, 2));
  else if (result.status === 'SUCCEEDED')
    console.log(`SUCCEEDED: predictions of batch ${result.batchId} in ${result.predictions}`);
  else console.log(`${result.status}${result.error ? `: ${result.error}: ${result.cause ?? ''}` : ''}`);
  if (result.status !== 'SUCCEEDED') process.exitCode = 1;
}
