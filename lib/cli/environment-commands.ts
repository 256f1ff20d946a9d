import { STSClient } from '@aws-sdk/client-sts';
import { Command } from 'commander';
import { platformConfig } from '../../config';
import { S3ObjectStore } from '../ops/s3-object-store';
import { decideModelPackage, listModelPackages } from '../ops/model-packages';
import { reachEnvironment } from '../ops/reach-environment';
import { type AwsOptions, clientConfigFor, withAwsOptions } from './aws-context';
import { describeAwsError } from './aws-errors';
import { connectEnvironment, modelIn } from './connect-environment';

/** `mlenv envs`: every environment, where it is, and whether the current credentials reach it. */
export function envsCommand(): Command {
  return withAwsOptions(new Command('envs'))
    .description(
      'the configured environments: account, region, and whether the current credentials reach them',
    )
    .addHelpText('after', '\nExample:\n  $ npx mlenv envs --profile ml-dev')
    .action(async (options: AwsOptions) => {
      const config = platformConfig();
      const reaches = await Promise.all(
        config.environments.map(async (env) => {
          try {
            const clientConfig = await clientConfigFor(env, options);
            // One quick attempt: an unreachable account should not hold up the list.
            const sts = new STSClient({
              ...clientConfig,
              maxAttempts: 1,
              requestHandler: { connectionTimeout: 3000, requestTimeout: 5000 },
            });
            return await reachEnvironment(env, sts, describeAwsError);
          } catch (error) {
            return {
              environment: env.name,
              account: env.account,
              region: env.region,
              reachable: false,
              problem: describeAwsError(error),
            };
          }
        }),
      );
      if (options.json) {
        console.log(JSON.stringify(reaches, null, 2));
        return;
      }
      for (const r of reaches) {
        console.log(
          `${r.environment.padEnd(10)} ${r.account} ${r.region.padEnd(14)} ${r.reachable ? 'reachable' : `not reachable: ${r.problem}`}`,
        );
      }
    });
}

/** `mlenv models <env> --model <m>`. */
export function modelsCommand(): Command {
  return withAwsOptions(new Command('models'))
    .description(
      "a model's packages in an environment's registry: status, metrics, dataset and code versions, execution, the package it was promoted from",
    )
    .argument('<env>', 'a configured environment')
    .requiredOption('--model <name>', 'a model of the configuration')
    .addHelpText('after', '\nExample:\n  $ npx mlenv models staging --model churn')
    .action(async (envName: string, options: AwsOptions & { model: string }) => {
      const { directory, sagemaker, s3 } = await connectEnvironment(envName, options);
      const packages = await listModelPackages(
        sagemaker,
        new S3ObjectStore(s3),
        modelIn(directory, options.model).packageGroup,
      );
      if (options.json) {
        console.log(JSON.stringify(packages, null, 2));
        return;
      }
      if (packages.length === 0) console.log(`${options.model} has no packages in ${envName} yet`);
      for (const p of packages) {
        const metrics = Object.entries(p.metrics)
          .map(([n, v]) => `${n} ${v.toFixed(3)}`)
          .join(', ');
        console.log(
          `v${String(p.version).padEnd(4)} ${p.status.padEnd(22)} ${p.created ?? ''}  ${metrics || 'no metrics'}  dataset ${p.datasetVersion ?? '?'}  code ${p.codeVersion ?? '?'}  run ${p.mlflowRunId ?? '-'}${p.promotedFrom ? `  promoted from ${p.promotedFrom}` : ''}`,
        );
      }
    });
}

/** `mlenv approve|reject <env> <package> --reason <text>`. */
export function decisionCommand(name: 'approve' | 'reject'): Command {
  const status = name === 'approve' ? 'Approved' : 'Rejected';
  return withAwsOptions(new Command(name))
    .description(`${name} a model package of an environment's registry, saying why`)
    .argument('<env>', 'a configured environment')
    .argument('<package>', 'the model package ARN')
    .requiredOption('--reason <text>', 'why (recorded as the approval description)')
    .addHelpText(
      'after',
      `\nExample:\n  $ npx mlenv ${name} staging arn:aws:sagemaker:eu-west-1:222222222222:model-package/mlenv-staging-churn/4 --reason "${name === 'approve' ? 'auc 0.97 on the March data' : 'recall too low'}"`,
    )
    .action(async (envName: string, packageArn: string, options: AwsOptions & { reason: string }) => {
      const { directory, sagemaker } = await connectEnvironment(envName, options);
      const groups = Object.values(directory.models).map((m) => m.packageGroup);
      await decideModelPackage(sagemaker, groups, packageArn, status, options.reason);
      if (options.json) console.log(JSON.stringify({ modelPackageArn: packageArn, status }, null, 2));
      else console.log(`${packageArn}: ${status} (${options.reason})`);
    });
}
