import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { LOCAL_ENVIRONMENT } from '../local/emulator-up';
import { LocalDeployment } from '../local/local-deployment';
import { localSmoke, sampleRows } from '../local/local-smoke';
import { endpointRows } from '../ops/endpoint-rows';
import { invokeEndpoint, type SmokeResult, smokeTest } from '../ops/endpoint-smoke';
import { invokeAsyncEndpoint } from '../ops/async-endpoint-smoke';
import { S3ObjectStore } from '../ops/s3-object-store';
import { bucketNamePrefix } from '../../config';
import { dataStoreBucketName } from '../../constructs';
import { type AwsOptions, withAwsOptions } from './aws-context';
import { positiveInteger } from './arguments';
import { connectEnvironment, modelIn } from './connect-environment';
import { formatSmokeResult } from './smoke-output';

interface SmokeOptions extends AwsOptions {
  readonly model?: string;
  readonly served?: boolean;
  readonly rows: number;
  readonly payload?: string;
  readonly timeout: number;
}

/** `mlenv smoke <env> --model <m>`: the served endpoint answers sample rows, quickly enough. */
export function smokeCommand(): Command {
  return withAwsOptions(new Command('smoke'))
    .description(
      "invoke a model's endpoint with sample rows: each answer must be one prediction, the median latency within the environment's latency alarm, a malformed request a 4xx",
    )
    .argument('<env>', 'a configured environment')
    .option('--model <name>', 'a model of the configuration')
    .option('--served', 'every model the environment serves (what a deploy checks)')
    .option('--rows <n>', 'requests to send, one sample row each', positiveInteger, 20)
    .option(
      '--timeout <seconds>',
      'asynchronous endpoints: how long to wait for each answer (scaling out from zero instances takes minutes)',
      positiveInteger,
      900,
    )
    .option(
      '--payload <file>',
      "send this CSV's rows instead, one request each: the model's features in its order, or under a header line naming the columns (the target column is dropped)",
    )
    .addHelpText(
      'after',
      '\nExample:\n  $ npx mlenv smoke staging --model churn --rows 50\n  $ npx mlenv smoke staging --served',
    )
    .action(async (envName: string, options: SmokeOptions) => {
      if ((options.model === undefined) === !options.served) {
        throw new Error(
          'say which models to smoke-test: --model <name>, or --served for every model the environment serves',
        );
      }
      const payload = options.payload
        ? { csv: readFileSync(options.payload, 'utf8'), source: options.payload }
        : undefined;
      const { config, env, directory, runtime, s3 } = await connectEnvironment(envName, options);
      // Each model's own sample rows (its features), unless a payload says what to send.
      const configOf = (model: string) => config.models.find((m) => m.name === model)!;
      const rowsOf = (model: string) => {
        const columns = { target: configOf(model).targetColumn };
        return payload
          ? endpointRows(payload.csv, columns, payload.source)
          : sampleRows(configOf(model), columns, options.rows);
      };
      const models = options.served
        ? Object.keys(directory.models).filter((m) => directory.models[m].endpointName)
        : [options.model!];
      const results: SmokeResult[] = [];
      if (models.length === 0) console.error(`${envName} serves no model: nothing to smoke-test`);
      for (const model of models) {
        const endpointName = modelIn(directory, model).endpointName;
        let result: SmokeResult & { model: string; endpointName: string; captured?: readonly string[] };
        if (env.name === LOCAL_ENVIRONMENT) {
          // Through the emulator's SageMaker Runtime route as on AWS; then the captured data goes up
          // to the capture destination (SageMaker does that itself).
          result = await localSmoke(await LocalDeployment.connect(), {
            model,
            ...(payload ? { payload } : { rows: options.rows }),
          });
        } else {
          if (!endpointName) {
            throw new Error(
              `${model} is not served in ${envName}: pin a package in deployments/${envName}.json and deploy`,
            );
          }
          // An asynchronous endpoint is called as applications call it: request in S3, answer in S3.
          const isAsync = configOf(model).serving.mode === 'async';
          const invoke = isAsync
            ? invokeAsyncEndpoint(runtime, new S3ObjectStore(s3), {
                endpointName,
                modelName: model,
                monitoringBucket: dataStoreBucketName(
                  bucketNamePrefix({ project: config.project, environment: env }),
                  'monitoring',
                ),
                timeoutMs: options.timeout * 1000,
              })
            : invokeEndpoint(runtime, endpointName);
          result = {
            model,
            endpointName,
            ...(await smokeTest(invoke, rowsOf(model), {
              // An asynchronous answer waits in a queue: its latency is no model latency.
              maxMedianLatencyMs: isAsync ? undefined : env.serving.latencyAlarmMs,
              problemType: configOf(model).problemType,
            })),
          };
        }
        results.push(result);
        if (!options.json) console.log(formatSmokeResult(result));
        if (result.failures.length > 0) process.exitCode = 1;
      }
      // One JSON document: the result of --model, a list of results with --served.
      if (options.json) console.log(JSON.stringify(options.served ? results : results[0], null, 2));
    });
}
