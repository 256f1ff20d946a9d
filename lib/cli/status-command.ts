import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { Command } from 'commander';
import { localStateDir } from '../local/emulator';
import { LOCAL_ENVIRONMENT } from '../local/emulator-up';
import { S3ObjectStore } from '../ops/s3-object-store';
import { runningServer } from '../local/serving-process';
import { environmentStatus, type ModelStatus } from '../ops/environment-status';
import { type AwsOptions, clientConfigFor, withAwsOptions } from './aws-context';
import { connectEnvironment } from './connect-environment';

/** `mlenv status <env>`: endpoints, recent executions, alarms in ALARM, drift and model-quality findings. */
export function statusCommand(): Command {
  return withAwsOptions(new Command('status'))
    .description(
      'what runs in an environment: endpoints (status, variants, pinned package), recent pipeline executions, alarms in ALARM, drift findings, model quality (the newest check: the gate metric against the gate, and its violations)',
    )
    .argument('<env>', 'a configured environment')
    .addHelpText('after', '\nExample:\n  $ npx mlenv status prod --profile ml-prod')
    .action(async (envName: string, options: AwsOptions) => {
      const { config, env, directory, sagemaker, sfn, s3 } = await connectEnvironment(envName, options);
      const qualityGates = Object.fromEntries(config.models.map((m) => [m.name, m.qualityGate]));
      const status = await environmentStatus(
        {
          sagemaker,
          sfn,
          s3,
          store: new S3ObjectStore(s3),
          cloudwatch: new CloudWatchClient(await clientConfigFor(env, options)),
        },
        directory,
        // The local environment's endpoints answer only while their stand-in runs (`local serve`).
        env.name === LOCAL_ENVIRONMENT
          ? {
              qualityGates,
              servedHere: (model, endpointName) =>
                runningServer(localStateDir(), model)?.endpointName === endpointName,
            }
          : { qualityGates },
      );
      if (options.json) {
        console.log(JSON.stringify(status, null, 2));
        return;
      }
      console.log(`${env.name} (${env.account}, ${env.region})`);
      for (const m of status.models) {
        console.log(`  ${m.model}`);
        console.log(`    endpoint   ${endpointLine(m)}`);
        console.log(
          `    runs       ${m.executions.map((e) => `${e.name} ${e.status}`).join(', ') || 'none recorded'}`,
        );
        console.log(
          `    drift      ${m.drift ? `${m.drift.violations} violation(s) in the check of ${m.drift.checkedAt ?? '?'}` : 'no check yet'}`,
        );
        console.log(`    quality    ${qualityLine(m)}`);
      }
      console.log(`  alarms       ${status.alarms.map((a) => a.name).join(', ') || 'none in ALARM'}`);
    });
}

/** A model's newest model-quality check in one line: the gate's metric as measured, the gate, the violations. */
export function qualityLine(m: ModelStatus): string {
  const q = m.quality;
  if (!q) return 'no check yet (labels: mlenv data labels push)';
  const measured =
    q.metric && q.value !== undefined
      ? `${q.metric} ${q.value.toFixed(3)} (gate ${q.gate})`
      : `gate ${q.gate ?? '?'}`;
  const on = q.items !== undefined ? ` on ${q.items} labelled request(s)` : '';
  return `${measured}${on}: ${q.violations} violation(s) in the check of ${q.checkedAt ?? '?'}`;
}

/**
 * A model's endpoint in one line: its status, variants and the package it serves; an endpoint of
 * the local environment with no stand-in running is pinned, not served, and says how to serve it.
 */
export function endpointLine(m: ModelStatus): string {
  if (!m.endpoint) return 'none (no pin)';
  const { name, status, variants, pinnedPackage, servedHere } = m.endpoint;
  const pinned = pinnedPackage?.split(':').at(-1) ?? '?';
  if (servedHere === false) {
    return `${name} pinned to ${pinned}, not served: run \`npx mlenv local serve --model ${m.model}\``;
  }
  const instances = variants.map((v) => `${v.name} x${v.instances ?? '?'}`).join(', ');
  return `${name} ${status}, ${instances}; serves ${pinned}`;
}
