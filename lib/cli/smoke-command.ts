import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { LOCAL_ENVIRONMENT } from '../local/emulator-up';
import { LocalDeployment } from '../local/local-deployment';
import { featureRows, localSmoke } from '../local/local-smoke';
import { sampleDataset } from '../local/sample-dataset';
import { invokeEndpoint, type SmokeResult, smokeTest } from '../ops/endpoint-smoke';
import { type AwsOptions, withAwsOptions } from './aws-context';
import { positiveInteger } from './arguments';
import { connectEnvironment, modelIn } from './connect-environment';
import { formatSmokeResult } from './smoke-output';

interface SmokeOptions extends AwsOptions {
  readonly model: string;
  readonly rows: number;
  readonly payload?: string;
}

/** `mlenv smoke <env> --model <m>`: the served endpoint answers sample rows, quickly enough. */
export function smokeCommand(): Command {
  return withAwsOptions(new Command('smoke'))
    .description(
      "invoke a model's endpoint with sample rows: each answer must be one prediction, the median latency within the environment's latency alarm, a malformed request a 4xx",
    )
    .argument('<env>', 'a configured environment')
    .requiredOption('--model <name>', 'a model of the configuration')
    .option('--rows <n>', 'requests to send, one sample row each', positiveInteger, 20)
    .option('--payload <file>', 'send these CSV rows (one request per line, no header) instead')
    .addHelpText('after', '\nExample:\n  $ npx mlenv smoke staging --model churn --rows 50')
    .action(async (envName: string, options: SmokeOptions) => {
      const rows = options.payload
        ? readFileSync(options.payload, 'utf8')
            .split('\n')
            .filter((line) => line.trim() !== '')
        : featureRows(sampleDataset(), options.rows);
      if (rows.length === 0) throw new Error(`${options.payload} has no rows`);
      const { env, directory, runtime } = await connectEnvironment(envName, options);
      const endpointName = modelIn(directory, options.model).endpointName;
      let result: SmokeResult & { model: string; endpointName: string; captured?: readonly string[] };
      if (env.name === LOCAL_ENVIRONMENT) {
        // The emulator's endpoints do not run models: the local environment's stand-in serves it.
        result = await localSmoke(await LocalDeployment.connect(), {
          model: options.model,
          rows: rows.length,
        });
      } else {
        if (!endpointName) {
          throw new Error(
            `${options.model} is not served in ${envName}: pin a package in deployments/${envName}.json and deploy`,
          );
        }
        result = {
          model: options.model,
          endpointName,
          ...(await smokeTest(invokeEndpoint(runtime, endpointName), rows, {
            maxMedianLatencyMs: env.serving.latencyAlarmMs,
          })),
        };
      }
      if (options.json) console.log(JSON.stringify(result, null, 2));
      else console.log(formatSmokeResult(result));
      if (result.failures.length > 0) process.exitCode = 1;
    });
}
