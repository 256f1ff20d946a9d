import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { rules } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPlatformApp } from '../../lib/platform/app/synthesize';

/** The IAM5 acknowledgements recorded on a construct: finding -> reason. */
function iam5Acknowledgements(node: IConstruct): Record<string, string> {
  const acks: Record<string, string> = {};
  for (const entry of node.node.metadata) {
    if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
    for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
      const finding = /^AwsSolutions::AwsSolutions-IAM5\[(.+)\]$/.exec(id)?.[1];
      if (finding) acks[finding] = reason;
    }
  }
  return acks;
}

describe('IAM wildcard acknowledgements are bound to what they explain', () => {
  const { app, stages, config } = buildPlatformApp({ outdir: mkdtempSync(join(tmpdir(), 'mlenv-acks-')) });
  const model = config.models[0].name;
  // Per environment: a role with wildcards that look like the platform's but are not its own.
  const probes = stages.map((stage, i) => {
    const env = stage.environment;
    const other = config.environments[(i + 1) % config.environments.length];
    const own = `${config.project}-${env.name}-${env.account}-${env.region}`;
    const otherBuckets = `${config.project}-${other.name}-${other.account}-${other.region}`;
    const sagemaker = (resource: string) => `arn:aws:sagemaker:${env.region}:${env.account}:${resource}`;
    const lookAlikes = [
      `arn:aws:s3:::${otherBuckets}-raw/${model}/*`, // another environment's bucket
      `arn:aws:s3:::${own}-raw/${model}x/*`, // a model whose name starts like this one's
      `arn:aws:s3:::${own}-access-logs/${model}/*`, // not a data bucket
      `arn:aws:s3:::someone-elses-bucket/${model}/*`,
      sagemaker(`processing-job/${model}-export-*`), // a step the pipeline does not have
      sagemaker(`training-job/${model}x-train-*`),
      sagemaker(`model-package/${config.project}-${other.name}-${model}/*`), // another environment's registry
      `arn:aws:logs:${env.region}:${env.account}:log-group:/aws/sagemaker/NotebookInstances:log-stream:*`,
    ];
    const role = new iam.Role(stage.training, 'LookAlike', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: lookAlikes }));
    return { stage, role, lookAlikes, own };
  });
  // The platform runs cdk-nag on every synth: the look-alikes, unacknowledged, fail it (after the
  // aspects that acknowledge have run, so that the tests below can read what they acknowledged).
  let synthError: unknown;
  try {
    app.synth();
  } catch (error) {
    synthError = error;
  }

  test('synth fails on the look-alikes, in every environment', () => {
    for (const { role } of probes) {
      expect(String(synthError)).toContain(`${role.node.path}/DefaultPolicy/Resource`);
    }
    expect(String(synthError)).toMatch(/AwsSolutions-IAM5/);
  });

  test.each(probes.map((p) => [p.stage.environment.name, p] as const))(
    '%s: no look-alike wildcard is acknowledged',
    (_name, { role, lookAlikes }) => {
      const policy = role.node.findChild('DefaultPolicy').node.defaultChild as iam.CfnPolicy;
      // Each look-alike is a finding of the rule, so only an acknowledgement could let it pass.
      expect(rules.iam.IAMNoWildcardPermissions(policy)).toEqual(
        expect.arrayContaining(lookAlikes.map((r) => `Resource::${r}`)),
      );
      const acknowledged = Object.keys(iam5Acknowledgements(policy));
      expect(acknowledged.filter((f) => lookAlikes.some((r) => f === `Resource::${r}`))).toEqual([]);
    },
  );

  test.each(probes.map((p) => [p.stage.environment.name, p] as const))(
    "%s: the platform's own wildcards are acknowledged, each under its own reason",
    (_name, { stage, own }) => {
      const acks = stage.node
        .findAll()
        .filter((n) => n instanceof iam.CfnPolicy)
        .reduce<Record<string, string>>((all, n) => ({ ...all, ...iam5Acknowledgements(n) }), {});
      const reasonOf = (pattern: RegExp) =>
        Object.entries(acks).find(([finding]) => pattern.test(finding))?.[1] ?? 'not acknowledged';
      expect(reasonOf(/:model-package\//)).toMatch(/package group/);
      expect(reasonOf(new RegExp(`:::${own}-raw/${model}/\\*$`))).toMatch(/data bucket/);
      expect(reasonOf(/processing-job\//)).toMatch(/jobs of one pipeline step/);
    },
  );
});
