import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { Command, Option } from 'commander';
import { platformConfig } from '../../config';
import { existsSync } from 'node:fs';
import { emulatorStatus, localStateDir } from '../local/emulator';
import { connectCurrentDeployment, staleDeployReason } from '../local/current-deployment';
import { formatStateChoice, localDown } from '../local/local-down';
import { stageStacks } from '../local/emulator-assembly';
import { deployedAssemblyDir, deployedRecord } from '../local/emulator-deploy';
import { emulatorClientConfig } from '../local/emulator-env';
import {
  formatLocalUpState,
  localEnvironment,
  localUp,
  SILENT_STEPS,
  stackStatuses,
  type StepRunner,
} from '../local/emulator-up';
import { LocalDeployment } from '../local/local-deployment';
import { localDrift } from '../local/local-drift';
import { localServe } from '../local/local-serve';
import { localServeBatch } from '../local/local-serve-batch';
import { DEFAULT_SHIFT, localSmoke } from '../local/local-smoke';
import { localTrain } from '../local/local-train';
import { mlflowServerStatus } from '../local/mlflow-server';
import { runningServer } from '../local/serving-process';
import { positiveInteger, positiveNumber, readCsv } from './arguments';
import { formatDriftResult } from './drift-output';
import { localQuality } from '../local/local-quality';
import { formatQualityResult } from './quality-output';
import { formatSmokeResult } from './smoke-output';
import { consoleSteps, seconds } from './steps';
import { printTrainResult, trainSummary } from './train-output';

const REDEPLOY_FLAG = '--redeploy';
const REDEPLOY_HELP =
  'when the working tree changed since the last deploy, redeploy first (as `mlenv local up`) instead of refusing';

/** The deployment a command runs on, refused (or with --redeploy redeployed) when the working tree changed. */
function connectCurrent(
  command: string,
  options: { readonly redeploy?: boolean; readonly json?: boolean },
  steps: StepRunner,
) {
  return connectCurrentDeployment({
    command,
    redeploy: options.redeploy,
    steps,
    say: (line) => {
      if (!options.json) console.log(line);
    },
  });
}

/**
 * `mlenv local ...`: the local environment in an AWS emulator. Commands parse and print; the work
 * lives in lib/local/.
 */
export function localCommand(): Command {
  const local = new Command('local')
    .description('the local environment: the Local stage deployed into an AWS emulator (moto)')
    .addHelpText(
      'after',
      '\nExample:\n  $ npx mlenv local up && npx mlenv local train --model churn && npx mlenv local down',
    );

  local
    .command('up')
    .addHelpText('after', '\nExample:\n  $ npx mlenv local up')
    .description('start the emulator (or reuse the running one) and deploy the Local stacks into it')
    .option(
      '--assembly <dir>',
      'deploy this cloud assembly (from `cdk synth`) instead of synthesizing the app again',
    )
    .action(async (options: { assembly?: string }) => {
      const started = Date.now();
      const result = await localUp({
        stateDir: localStateDir(),
        steps: consoleSteps(),
        assemblyDir: options.assembly,
      });
      // What the emulator itself reported of the kept state: restored, or started empty and why.
      console.log(formatLocalUpState(result));
      console.log(
        `local up: ${result.stacks.length} stacks deployed into ${result.endpoint} (pid ${result.pid}) in ${seconds(Date.now() - started)}; runs are recorded in MLflow at ${result.tracking.url}`,
      );
    });

  local
    .command('train')
    .addHelpText('after', '\nExample:\n  $ npx mlenv local train --model churn --rows 300')
    .description(
      "run the model's training pipeline as deployed in the emulator, on the sample dataset (or --dataset)",
    )
    .requiredOption('--model <name>', 'a model of the configuration')
    .addOption(
      // With --dataset the whole CSV trains: a row count would be ignored, so it is refused.
      new Option('--rows <n>', 'rows of the sample dataset (default: all)')
        .argParser(positiveInteger)
        .conflicts('dataset'),
    )
    .option('--dataset <csv>', 'train on this CSV file (a header row and the target column) instead')
    .option(REDEPLOY_FLAG, REDEPLOY_HELP)
    .option('--json', 'print the result as JSON')
    .action(
      async (options: {
        model: string;
        rows?: number;
        dataset?: string;
        redeploy?: boolean;
        json?: boolean;
      }) => {
        const dataset = options.dataset === undefined ? undefined : readCsv(options.dataset);
        const steps = options.json ? SILENT_STEPS : consoleSteps();
        const deployment = await connectCurrent('local train', options, steps);
        const result = await localTrain(deployment, {
          model: options.model,
          rows: options.rows,
          dataset,
          steps,
        });
        printTrainResult(result, options.json);
      },
    );

  local
    .command('serve')
    .addHelpText('after', '\nExample:\n  $ npx mlenv local serve --model churn')
    .description(
      "serve the model's newest approved package: pin it, deploy the endpoint into the emulator, and run the serving stand-in under its name (a batch-served model: deploy its batch transform)",
    )
    .requiredOption('--model <name>', 'a model of the configuration')
    .option(REDEPLOY_FLAG, REDEPLOY_HELP)
    .option('--json', 'print the result as JSON')
    .action(async (options: { model: string; redeploy?: boolean; json?: boolean }) => {
      const steps = options.json ? SILENT_STEPS : consoleSteps();
      const connected = await connectCurrent('local serve', options, steps);
      if (connected.model(options.model).serving.mode === 'batch') {
        // A batch-served model gets its batch transform (no endpoint, nothing to run until a batch).
        const batch = await localServeBatch(connected, { model: options.model, steps });
        if (options.json) {
          console.log(
            JSON.stringify(
              {
                model: options.model,
                modelPackageVersion: batch.package.version,
                stateMachineArn: batch.stateMachineArn,
              },
              null,
              2,
            ),
          );
        } else {
          console.log(
            `serve ${options.model}: package version ${batch.package.version} scores batches with ${batch.stateMachineArn}\n` +
              `  run one with: npx mlenv batch run local --model ${options.model} --input <folder of CSV files>`,
          );
        }
        return;
      }
      const {
        server,
        package: pkg,
        invoke,
      } = await localServe(connected, {
        model: options.model,
        steps,
      });
      if (options.json) {
        console.log(JSON.stringify({ ...server, modelPackageVersion: pkg.version, invoke }, null, 2));
      } else {
        // The endpoint as applications call it (SageMaker Runtime at the local AWS endpoint URL),
        // not the stand-in's container route, which skips SageMaker's API.
        console.log(
          `serve ${server.model}: ${server.endpointName} serves package version ${pkg.version}${server.capture ? `, capturing ${server.capture.samplingPercent} % to ${server.capture.destinationS3Uri}` : ''}\n` +
            `  applications call it with SageMaker Runtime at ${invoke.endpointUrl} (region ${invoke.region}, any credentials):\n` +
            `  ${invoke.command}`,
        );
      }
    });

  local
    .command('smoke')
    .addHelpText('after', '\nExample:\n  $ npx mlenv local smoke --model churn --shift 1.5')
    .description(
      "send sample rows to the served model, check the answers, and upload the captured data to the monitoring bucket in SageMaker's layout (<model>/data-capture/<endpoint>/<variant>/yyyy/mm/dd/hh/*.jsonl, with the endpoint config's key)",
    )
    .requiredOption('--model <name>', 'a model of the configuration')
    .addOption(
      new Option('--rows <n>', 'requests to send, one sample row each (default: 100)')
        .argParser(positiveInteger)
        .conflicts('payload'),
    )
    .option(
      '--payload <csv>',
      "send this CSV's rows instead, one request each: the model's features in its order, or under a header line naming the columns (the target column is dropped)",
    )
    .option(
      '--shift [factor]',
      'multiply every feature by factor (default 1.5): data that drifts',
      positiveNumber,
    )
    .option('--json', 'print the result as JSON')
    .action(
      async (options: {
        model: string;
        rows?: number;
        payload?: string;
        shift?: number | true;
        json?: boolean;
      }) => {
        const shift = options.shift === true ? DEFAULT_SHIFT : options.shift;
        const result = await localSmoke(await LocalDeployment.connect(), {
          model: options.model,
          ...(options.payload
            ? { payload: { csv: readCsv(options.payload), source: options.payload } }
            : { rows: options.rows }),
          shift,
        });
        if (options.json) console.log(JSON.stringify(result, null, 2));
        else console.log(formatSmokeResult(result));
        if (result.failures.length > 0) process.exitCode = 1;
      },
    );

  local
    .command('drift')
    .addHelpText('after', '\nExample:\n  $ npx mlenv local drift --model churn')
    .description(
      "run the model's deployed data-quality job once over the captured data against its package's baseline (constraint_violations.json where Model Monitor writes it); on violations the deployed rule notifies and (where the environment retrains on drift) retrains",
    )
    .requiredOption('--model <name>', 'a model of the configuration')
    .option(REDEPLOY_FLAG, REDEPLOY_HELP)
    .option('--json', 'print the result as JSON')
    .action(async (options: { model: string; redeploy?: boolean; json?: boolean }) => {
      const steps = options.json ? SILENT_STEPS : consoleSteps();
      const result = await localDrift(await connectCurrent('local drift', options, steps), {
        model: options.model,
        steps,
      });
      if (options.json) {
        const { retrain, ...drift } = result;
        console.log(JSON.stringify({ ...drift, retrain: retrain && trainSummary(retrain) }, null, 2));
      } else console.log(formatDriftResult(result));
      if (result.retrain && result.retrain.status !== 'SUCCEEDED') process.exitCode = 1;
    });

  local
    .command('quality')
    .addHelpText(
      'after',
      '\nExample:\n  $ npx mlenv smoke local --model churn && npx mlenv data labels push local <labels.csv> --model churn && npx mlenv local quality --model churn',
    )
    .description(
      "run the model's deployed model-quality job once: its captured predictions joined with the labels pushed for them (`mlenv data labels push local`), the problem type's metrics against the quality gate (statistics.json and constraint_violations.json where Model Monitor writes them); on violations the deployed rule notifies and (where modelQuality.retrain is on) retrains",
    )
    .requiredOption('--model <name>', 'a model of the configuration')
    .option(REDEPLOY_FLAG, REDEPLOY_HELP)
    .option('--json', 'print the result as JSON')
    .action(async (options: { model: string; redeploy?: boolean; json?: boolean }) => {
      const steps = options.json ? SILENT_STEPS : consoleSteps();
      const result = await localQuality(await connectCurrent('local quality', options, steps), {
        model: options.model,
        steps,
      });
      if (options.json) {
        const { retrain, ...quality } = result;
        console.log(JSON.stringify({ ...quality, retrain: retrain && trainSummary(retrain) }, null, 2));
      } else console.log(formatQualityResult(result));
      if (result.retrain && result.retrain.status !== 'SUCCEEDED') process.exitCode = 1;
    });

  local
    .command('down')
    .addHelpText('after', '\nExample:\n  $ npx mlenv local down --wipe')
    .description(
      'stop the emulator, the serving stand-ins and MLflow; keep the local state (S3 objects, model packages, executions, MLflow runs) for the next `local up`, or wipe it',
    )
    .addOption(
      new Option('--keep', 'keep the local state for the next `local up` (the default)').conflicts('wipe'),
    )
    .addOption(new Option('--wipe', 'delete the local state: the next `local up` starts empty'))
    .action(async (options: { keep?: boolean; wipe?: boolean }) => {
      const result = await localDown(localStateDir(), { state: options.wipe ? 'wipe' : 'keep' });
      const where = [`pid ${result.pid}`, ...(result.port ? [`port ${result.port}`] : [])].join(', ');
      for (const model of result.servers) console.log(`local down: stopped serving ${model}`);
      console.log(
        result.stopped
          ? `local down: stopped the emulator (${where})`
          : 'local down: no emulator was running',
      );
      if (result.tracking) console.log('local down: stopped MLflow');
      console.log(formatStateChoice(result));
    });

  local
    .command('ui')
    .addHelpText('after', '\nExample:\n  $ npx mlenv local ui')
    .description("the address of the local MLflow server's UI: the runs of the local environment")
    .action(async () => {
      const server = await mlflowServerStatus(localStateDir());
      if (!server) {
        console.error('local ui: MLflow is not running (start the local environment with `mlenv local up`)');
        process.exitCode = 1;
        return;
      }
      console.log(`local ui: open ${server.url} (experiments are named after the models)`);
    });

  local
    .command('status')
    .addHelpText('after', '\nExample:\n  $ npx mlenv local status --json')
    .description('whether the emulator runs, where, and the status of the Local stacks in it')
    .option('--json', 'print the status as JSON')
    .action(async (options: { json?: boolean }) => {
      const status = await emulatorStatus();
      let stacks: { name: string; status: string }[] = [];
      if (status.running && status.port !== undefined) {
        const env = localEnvironment(platformConfig());
        let names: string[] = [];
        try {
          names = stageStacks(deployedAssemblyDir(status.stateDir), env.stageId).map((s) => s.stackName);
        } catch {
          // nothing deployed yet
        }
        stacks = await stackStatuses(
          new CloudFormationClient(emulatorClientConfig(status.port, env.region)),
          names,
        );
      }
      const config = platformConfig();
      const servers = config.models.flatMap((m) => runningServer(status.stateDir, m.name) ?? []);
      // Whether what runs is what the working tree deploys (what train, serve and drift check).
      const staleDeploy =
        stacks.length > 0 && existsSync(deployedRecord(status.stateDir))
          ? (staleDeployReason(status.stateDir) ?? null)
          : null;
      if (options.json) {
        console.log(JSON.stringify({ ...status, stacks, staleDeploy, servers }, null, 2));
        return;
      }
      if (!status.running) {
        console.log('local: no emulator running (start it with `mlenv local up`)');
        return;
      }
      console.log(`local: emulator on ${status.endpoint} (pid ${status.pid}, since ${status.startedAt})`);
      const tracking = await mlflowServerStatus(status.stateDir);
      console.log(tracking ? `  MLflow on ${tracking.url} (pid ${tracking.pid})` : '  MLflow: not running');
      for (const s of stacks) console.log(`  ${s.name.padEnd(24)} ${s.status}`);
      if (stacks.length === 0) console.log('  no stacks deployed (run `mlenv local up`)');
      else
        console.log(
          staleDeploy
            ? `  deployed: older than the working tree (${staleDeploy}): run \`mlenv local up\``
            : '  deployed: what the working tree deploys',
        );
      for (const server of servers) {
        console.log(
          `  serving ${server.model}: ${server.endpointName} (${server.modelPackageArn.split(':').at(-1)}, stand-in pid ${server.pid})`,
        );
      }
    });

  return local;
}
