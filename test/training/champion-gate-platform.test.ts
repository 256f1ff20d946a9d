import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bucketNamePrefix, groupNamePrefix, loadConfig, type ModelConfig } from '../../config';
import { METRIC_GROUPS } from '../../config/evaluation-metrics';
import { ModelLayout } from '../../constructs/common/model-layout';
import { pascalCase } from '../../cfn/pascal-case';
import { buildPlatformApp } from '../../lib/platform/app/synthesize';
import { AuthorizationModel } from '../../lib/tools/authorization';
import { exportedVariables, findCodeBuildProject } from '../../lib/tools/integrations/codebuild-build/calls';
import { runSampleExecution } from '../../lib/tools/authorization/sample-execution';
import { stateMachineCalls } from '../../lib/tools/authorization/state-machine-calls';
import { stateMachineDefinition } from '../../cfn/template-intrinsics';
import { checkParity } from '../../lib/tools/parity/check';
import { checkAll, cleanlyAllowed, cleanlyDenied, describeChecked } from '../support/checked-calls';
import { configInput } from '../support/config-fixtures';
import { platformAssembly, TEST_CONTEXT } from '../support/platform';

type Json = Record<string, any>;

/**
 * The platform with every configured model comparing with its champion on its gate's metric (the
 * committed configuration sets no `vsChampion`: see the README), synthesized once.
 */
const MIN_IMPROVEMENT = 0.005;
const input = configInput() as Json;
input.models = (input.models as Json[]).map((m) => ({
  ...m,
  qualityGate: {
    ...m.qualityGate,
    vsChampion: { metric: m.qualityGate.metric, minImprovement: MIN_IMPROVEMENT },
  },
}));
const config = loadConfig(input as never);
const { app } = buildPlatformApp({
  outdir: mkdtempSync(join(tmpdir(), 'mlenv-champion-')),
  config,
  context: TEST_CONTEXT,
});
const assembly = app.synth();
const authz = AuthorizationModel.fromAssembly(assembly);
const pipelines = config.environments.flatMap((env) =>
  config.models.map((model) => {
    const id = pascalCase(model.name);
    const definition = stateMachineDefinition(
      assembly,
      `${env.stageId}/${id}Model`,
      `${id}Pipeline/StateMachine`,
    );
    return [`${env.stageId}/${model.name}`, env, model, definition as Json] as const;
  }),
);
type Env = (typeof config.environments)[number];
const groupOf = (env: Env, model: ModelConfig) =>
  `${groupNamePrefix({ project: config.project, environment: env })}-${model.name}`;

test('each environment compares each model with its champion, in the direction its metric is better in', () => {
  for (const [, env, model, definition] of pipelines) {
    const states = definition.States as Record<string, Json>;
    expect(states.FindChampion.Parameters.ModelPackageGroupName).toBe(groupOf(env, model));
    const value = `metrics.${model.problemType}_metrics.${model.qualityGate.metric}.value`;
    const [first, second] =
      METRIC_GROUPS[model.problemType][model.qualityGate.metric] === 'higher'
        ? ['evaluation', 'champion.evaluation']
        : ['champion.evaluation', 'evaluation'];
    expect(states.CompareWithChampion.Choices[0].Condition).toBe(
      `{% $round($states.input.${first}.${value} - $states.input.${second}.${value}, 9) >= ${MIN_IMPROVEMENT} %}`,
    );
  }
});

test('parity: the rule is per model, the same in every environment, so it adds no difference', () => {
  const result = checkParity(assembly, config, { explain: false });
  expect(result.violations).toEqual([]);
  const shipped = platformAssembly();
  const rows = (r: ReturnType<typeof checkParity>) =>
    r.differences.map((d) => `${d.constructPath} ${d.path}`);
  expect(rows(result)).toEqual(rows(checkParity(shipped.assembly, shipped.config, { explain: false })));
});

describe.each(pipelines)("the %s pipeline's comparison, authorized", (_id, env, model, definition) => {
  const machine = authz.inventory.deployed
    .ofType('AWS::StepFunctions::StateMachine')
    .find(
      (m) => m.stage.id === env.stageId && m.path.endsWith(`${pascalCase(model.name)}Pipeline/StateMachine`),
    )!;
  const role = String(machine.properties.RoleArn);
  const layout = new ModelLayout(model.name);
  const packages = `arn:aws:sagemaker:${env.region}:${env.account}:model-package`;
  const other = config.models.find((m) => m.name !== model.name)?.name ?? `${model.name}-other`;

  test("enumerates the step's calls, each allowed to the state machine's role", async () => {
    const arn = authz.inventory.deployed.ref(machine);
    const prefix = bucketNamePrefix({ project: config.project, environment: env });
    const datasetS3Uri = `s3://${prefix}-raw/${layout.datasetPrefix}`;
    const championReport = `s3://${prefix}-models/${layout.evaluationKey('champion-run')}`;
    const sample = await runSampleExecution(definition, arn, {
      input: { datasetS3Uri, datasetVersion: 'v1', reason: 'test' },
      // As the authorization model's enumeration runs it (lib/tools/authorization/run-time-calls.ts).
      exportedVariables: (name) => {
        const project = findCodeBuildProject(authz.inventory, machine.stage, name);
        return project ? exportedVariables(project) : [];
      },
      objectBody: (uri) => {
        const { metric, operator, threshold } = model.qualityGate;
        const better = operator.startsWith('>') ? 1 : -1;
        // The champion's report is worse than the new model's by more than minImprovement.
        const value = threshold + better * (uri === championReport ? 0.01 : 0.02);
        return JSON.stringify({
          [`${model.problemType}_metrics`]: { [metric]: { value } },
          mlenv_artifact: { sha256: 'a'.repeat(64), files_sha256: 'b'.repeat(64) },
        });
      },
      approvedPackages: (group) =>
        group === groupOf(env, model)
          ? [
              {
                ModelPackageArn: `${packages}/${group}/1`,
                ModelMetrics: {
                  ModelQuality: {
                    Statistics: { S3Uri: championReport },
                  },
                },
              },
            ]
          : [],
    });
    expect(sample.failure).toBeUndefined();
    expect([...sample.taskParameters.keys()]).toEqual(
      expect.arrayContaining(['FindChampion', 'DescribeChampion', 'ReadChampionMetrics', 'RegisterModel']),
    );
    const derived = stateMachineCalls(authz.inventory, { stateMachine: machine, arn, definition, sample });
    const ofStep = derived.calls.filter((c) =>
      /state (FindChampion|DescribeChampion|ReadChampionMetrics)$/.test(c.origin),
    );
    expect(ofStep.map((c) => c.action)).toEqual(
      expect.arrayContaining([
        'sagemaker:ListModelPackages',
        'sagemaker:DescribeModelPackage',
        's3:GetObject',
      ]),
    );
    const checked = await checkAll(authz, ofStep);
    expect(checked.filter((c) => !cleanlyAllowed(c)).map(describeChecked)).toEqual([]);
  });

  test("may not list or read another model's group", async () => {
    const otherGroup = `${groupNamePrefix({ project: config.project, environment: env })}-${other}`;
    const denied = [
      { action: 'sagemaker:ListModelPackages', resource: `${packages}/${otherGroup}/*` },
      { action: 'sagemaker:DescribeModelPackage', resource: `${packages}/${otherGroup}/1` },
    ].map((r) => ({
      ...r,
      principal: role,
      stage: env.stageId,
      origin: 'must-deny',
      originPath: 'must-deny',
    }));
    const checked = await checkAll(authz, denied);
    expect(checked.filter((c) => !cleanlyDenied(c)).map(describeChecked)).toEqual([]);
  });
});
