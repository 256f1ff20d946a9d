import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { Command } from 'commander';
import { S3ObjectStore } from '../local/jobs/s3-object-store';
import { environmentStatus } from '../ops/environment-status';
import { type AwsOptions, clientConfigFor, withAwsOptions } from './aws-context';
import { connectEnvironment } from './connect-environment';

/** `mlenv status <env>`: endpoints, recent executions, alarms in ALARM, drift findings. */
export function statusCommand(): Command {
  return withAwsOptions(new Command('status'))
    .description(
      'what runs in an environment: endpoints (status, variants, pinned package), recent pipeline executions, alarms in ALARM, drift findings',
    )
    .argument('<env>', 'a configured environment')
    .addHelpText('after', '\nExample:\n  $ npx mlenv status prod --profile ml-prod')
    .action(async (envName: string, options: AwsOptions) => {
      const { env, directory, sagemaker, sfn, s3 } = await connectEnvironment(envName, options);
      const status = await environmentStatus(
        {
          sagemaker,
          sfn,
          s3,
          store: new S3ObjectStore(s3),
          cloudwatch: new CloudWatchClient(await clientConfigFor(env, options)),
        },
        directory,
      );
      if (options.json) {
        console.log(JSON.stringify(status, null, 2));
        return;
      }
      console.log(`${env.name} (${env.account}, ${env.region})`);
      for (const m of status.models) {
        console.log(`  ${m.model}`);
        console.log(
          m.endpoint
            ? `    endpoint   ${m.endpoint.name} ${m.endpoint.status}, ${m.endpoint.variants.map((v) => `${v.name} x${v.instances ?? '?'}`).join(', ')}; serves ${m.endpoint.pinnedPackage?.split(':').at(-1) ?? '?'}`
            : '    endpoint   none (no pin)',
        );
        console.log(
          `    runs       ${m.executions.map((e) => `${e.name} ${e.status}`).join(', ') || 'none recorded'}`,
        );
        console.log(
          `    drift      ${m.drift ? `${m.drift.violations} violation(s) in the check of ${m.drift.checkedAt ?? '?'}` : 'no check yet'}`,
        );
      }
      console.log(`  alarms       ${status.alarms.map((a) => a.name).join(', ') || 'none in ALARM'}`);
    });
}
