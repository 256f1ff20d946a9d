import { Command } from 'commander';
import { join, relative } from 'node:path';
import { deployCommand, DEPLOYMENTS_DIR, platformConfig } from '../../config';
import { planPromotion } from '../ops/promotion-plan';
import { runPromotion } from '../ops/promotion-run';
import { type AwsOptions, withAwsOptions } from './aws-context';

interface PromoteOptions extends AwsOptions {
  readonly from: string;
  readonly to: string;
  readonly package?: string;
  readonly deployments?: string;
}

/** `mlenv promote <model> --from <env> --to <env>`: the approved package, into the next environment. */
export function promoteCommand(): Command {
  return withAwsOptions(new Command('promote'))
    .description(
      "copy an approved model package (its artifact, evaluation and baseline) into the next environment's registry and pin it in deployments/<to>.json",
    )
    .argument('<model>', 'a model of the configuration')
    .requiredOption('--from <env>', 'the environment the package is approved in')
    .requiredOption('--to <env>', 'the next environment of the promotion order')
    .option('--package <arn>', 'the package to promote (default: the newest approved one)')
    .option(
      '--deployments <dir>',
      "the directory of the pins files, in a git clone (default: this repository's deployments/)",
    )
    .addHelpText(
      'after',
      [
        '',
        "Runs as the target environment's promotion role (<project>-<env>-promotion), which the",
        'current credentials (--profile) must be allowed to assume; --region is not used: each',
        'environment is called in its own region. Commit the pins file afterwards, then deploy.',
        '',
        'Example:',
        '  $ npx mlenv promote churn --from dev --to staging --profile ml-staging',
      ].join('\n'),
    )
    .action(async (model: string, options: PromoteOptions) => {
      if (options.region) {
        throw new Error(
          '--region does not apply to promote: each environment is called in its configured region',
        );
      }
      const config = platformConfig();
      const plan = planPromotion(config, model, options.from, options.to);
      const run = await runPromotion({
        config,
        plan,
        packageArn: options.package,
        pinFile: join(options.deployments ?? DEPLOYMENTS_DIR, `${plan.to.name}.json`),
        clientConfig: (region, credentials) => ({
          region,
          ...(credentials ? { credentials } : options.profile ? { profile: options.profile } : {}),
        }),
      });
      const pinFile = relative(process.cwd(), run.pinFile) || run.pinFile;
      if (options.json) {
        console.log(JSON.stringify({ ...run, pinFile }, null, 2));
        return;
      }
      console.log(
        [
          `${model} v${run.source.version} of ${plan.from.name} (${run.source.arn})`,
          run.target.registered
            ? `  registered in ${plan.to.name} as v${run.target.version} (${run.target.arn}), Approved`
            : `  already promoted: ${plan.to.name} v${run.target.version} (${run.target.arn})`,
          `  objects: ${run.objects.copied} copied, ${run.objects.present} already there`,
          run.pinChanged
            ? `  pinned in ${pinFile}: commit it, then deploy ${plan.to.name} (${deployCommand(plan.to)})`
            : `  ${pinFile} pins it already`,
        ].join('\n'),
      );
    });
}
