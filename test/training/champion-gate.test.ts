import type { App } from 'aws-cdk-lib';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import aslValidator from 'asl-validator';
import { METRIC_GROUPS } from '../../config/evaluation-metrics';
import { ModelLayout } from '../../constructs/common/model-layout';
import {
  type ChampionComparison,
  IMPROVEMENT_DECIMALS,
  ProblemType,
  type QualityGate,
  TrainingPipeline,
} from '../../constructs';
import { AuthorizationModel, type RunTimeCall } from '../../lib/tools/authorization';
import { runSampleExecution } from '../../lib/tools/authorization/sample-execution';
import { stateMachineCalls } from '../../lib/tools/authorization/state-machine-calls';
import { checkAll, cleanlyAllowed, cleanlyDenied, describeChecked } from '../support/checked-calls';
import { GOOD_EVALUATION, runPipeline } from '../support/pipeline-harness';
import { pipelineFixture } from '../support/training-fixtures';

type Json = Record<string, any>;

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const MODELS = 's3://test-data-models';
const GROUP = 'test-churn';
const layout = new ModelLayout('churn');
const INPUT = {
  datasetS3Uri: 's3://test-data-raw/churn/versions/v1/',
  datasetVersion: 'v1',
  reason: 'drift',
};
/** The states the comparison adds, whatever its outcome. */
const CHAMPION_STATES = ['FindChampion', 'HasChampion', 'CompareWithChampion'];

/** A rule on `metric` of `problemType`, in the direction ml/evaluation-metrics.json gives it. */
function rule(problemType: ProblemType, metric: string, minImprovement: number): ChampionComparison {
  return { metric, minImprovement, better: METRIC_GROUPS[problemType][metric] };
}

/** A pipeline of the fixture with `gate`, synthesized: its definition and authorization model. */
function pipelineWith(gate: QualityGate, problemType = ProblemType.BINARY_CLASSIFICATION) {
  const { stack, props } = pipelineFixture(REGION);
  const pipeline = new TrainingPipeline(stack, 'Pipeline', { ...props, problemType, qualityGate: gate });
  const authz = AuthorizationModel.fromAssembly((stack.node.root as App).synth());
  const machine = authz.inventory.deployed
    .ofType('AWS::StepFunctions::StateMachine')
    .find(
      (m) =>
        m.logicalId === stack.getLogicalId(pipeline.stateMachine.node.defaultChild as sfn.CfnStateMachine),
    )!;
  return { authz, machine, definition: authz.inventory.deployed.definition(machine) as Json };
}

const AUC_GATE = { metric: 'auc', operator: '>=', threshold: 0.9 } as const;
const higher = pipelineWith({
  ...AUC_GATE,
  vsChampion: rule(ProblemType.BINARY_CLASSIFICATION, 'auc', 0.01),
});
const tieBreak = pipelineWith({ ...AUC_GATE, vsChampion: rule(ProblemType.BINARY_CLASSIFICATION, 'auc', 0) });
const lower = pipelineWith(
  {
    metric: 'rmse',
    operator: '<=',
    threshold: 10,
    vsChampion: rule(ProblemType.REGRESSION, 'rmse', 0.5),
  },
  ProblemType.REGRESSION,
);
const otherMetric = pipelineWith({
  ...AUC_GATE,
  vsChampion: rule(ProblemType.BINARY_CLASSIFICATION, 'accuracy', 0),
});
const plain = pipelineWith(AUC_GATE);

/** The ARN of version `version` of a group's packages. */
const packageArn = (version: number, group = GROUP) =>
  `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/${group}/${version}`;
/** The report of run `run` in the models bucket, where RegisterModel records it. */
const reportUri = (run: string) => `${MODELS}/${layout.evaluationKey(run)}`;
/** A package of the group, as DescribeModelPackage answers it. */
function modelPackage(version: number, options: { status?: string; created: string; report?: string }): Json {
  return {
    ModelPackageArn: packageArn(version),
    ModelPackageGroupName: GROUP,
    ModelPackageVersion: version,
    ModelApprovalStatus: options.status ?? 'Approved',
    CreationTime: options.created,
    ...(options.report === undefined
      ? {}
      : {
          ModelMetrics: {
            ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: options.report } },
          },
        }),
  };
}
/** An evaluation of `problemType` with `metric` at `value`, recording the archive it evaluated. */
const evaluation = (problemType: string, metric: string, value: number) => ({
  [`${problemType}_metrics`]: { [metric]: { value, standard_deviation: 'NaN' } },
  mlenv_artifact: GOOD_EVALUATION.mlenv_artifact,
});
const aucOf = (value: number) => evaluation(ProblemType.BINARY_CLASSIFICATION, 'auc', value);
const rmseOf = (value: number) => evaluation(ProblemType.REGRESSION, 'rmse', value);

/** Runs `definition` with an approved champion (version 1) whose report holds `champion`. */
function againstChampion(definition: Json, challenger: unknown, champion: unknown) {
  return runPipeline(definition, INPUT, {
    evaluation: challenger,
    packages: [modelPackage(1, { created: '2026-11-01T00:00:00Z', report: reportUri('champion-run') })],
    objects: { [reportUri('champion-run')]: JSON.stringify(champion) },
  });
}

describe('the rendered champion comparison', () => {
  test('is valid Amazon States Language', () => {
    for (const { definition } of [higher, lower, tieBreak]) {
      const { isValid, errorsText } = aslValidator(definition as never);
      expect(isValid ? '' : errorsText('\n')).toBe('');
    }
  });

  test("lists the group's newest approved package, with the parameters ListModelPackages takes", () => {
    expect(higher.definition.States.FindChampion).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:sagemaker:listModelPackages',
      Parameters: {
        ModelPackageGroupName: GROUP,
        ModelApprovalStatus: 'Approved',
        SortBy: 'CreationTime',
        SortOrder: 'Descending',
        MaxResults: 1,
      },
    });
    expect(higher.definition.States.DescribeChampion).toMatchObject({
      Resource: 'arn:aws:states:::aws-sdk:sagemaker:describeModelPackage',
      Parameters: { 'ModelPackageName.$': '$.champion.packages[0].ModelPackageArn' },
    });
  });

  test('stands between the absolute gate and registration: only it leads to registering', () => {
    for (const { definition } of [higher, lower]) {
      const states = definition.States as Record<string, Json>;
      const targets = (state: Json): string[] => [
        ...(state.Next ? [state.Next] : []),
        ...(state.Default ? [state.Default] : []),
        ...(state.Choices ?? []).map((c: Json) => c.Next),
        ...(state.Catch ?? []).map((c: Json) => c.Next),
      ];
      const into = (name: string) =>
        Object.entries(states)
          .filter(([, state]) => targets(state).includes(name))
          .map(([from]) => from)
          .sort();
      // RegisterModel follows the artifact check, which only "no champion" and "beats it" reach.
      expect(into('RegisterModel')).toEqual(['ArtifactRecorded']);
      expect(into('ArtifactRecorded')).toEqual(['CompareWithChampion', 'HasChampion']);
      expect(targets(states.QualityGate)).not.toContain('ArtifactRecorded');
      expect(states.CompareWithChampion.QueryLanguage).toBe('JSONata');
    }
  });

  test('a pipeline without vsChampion has none of its states and reads no registry', () => {
    const rendered = JSON.stringify(plain.definition);
    for (const state of [...CHAMPION_STATES, 'DescribeChampion', 'ReadChampionMetrics'])
      expect(plain.definition.States[state]).toBeUndefined();
    expect(rendered).not.toMatch(/listModelPackages|describeModelPackage/);
  });

  test('refuses a rule it cannot apply, listing every problem', () => {
    const { stack, props } = pipelineFixture(REGION);
    expect(
      () =>
        new TrainingPipeline(stack, 'Pipeline', {
          ...props,
          qualityGate: {
            ...AUC_GATE,
            vsChampion: { metric: 'AUC', minImprovement: -1, better: 'up' as never },
          },
        }),
    ).toThrow(
      /vsChampion.metric 'AUC' must be a metric name[\s\S]*minImprovement must be a finite number, 0 or more[\s\S]*better must be 'higher' or 'lower'/,
    );
  });
});

describe('the champion comparison, executed locally', () => {
  test('with no approved package yet, the new model is registered', async () => {
    const run = await runPipeline(higher.definition, INPUT, {
      packages: [modelPackage(1, { status: 'PendingManualApproval', created: '2026-11-01T00:00:00Z' })],
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.calls.FindChampion).toEqual([
      {
        ModelPackageGroupName: GROUP,
        ModelApprovalStatus: 'Approved',
        SortBy: 'CreationTime',
        SortOrder: 'Descending',
        MaxResults: 1,
      },
    ]);
    expect(run.calls.DescribeChampion).toBeUndefined();
    expect(run.calls.RegisterModel).toHaveLength(1);
  });

  test('a model that beats the champion by at least minImprovement (higher is better) is registered', async () => {
    const run = await againstChampion(higher.definition, aucOf(0.97), aucOf(0.95));
    expect(run.status).toBe('SUCCEEDED');
    expect(run.calls.DescribeChampion).toEqual([{ ModelPackageName: packageArn(1) }]);
    // The champion's report, read where its package records it.
    expect(run.calls.ReadChampionMetrics).toEqual([
      { Bucket: new URL(MODELS).host, Key: layout.evaluationKey('champion-run') },
    ]);
    expect(run.calls.RegisterModel).toHaveLength(1);
  });

  test('a model that does not beat it by minImprovement is not registered, and the failure names both values', async () => {
    const run = await againstChampion(higher.definition, aucOf(0.97), aucOf(0.965));
    expect(run).toMatchObject({
      status: 'FAILED',
      error: 'ChampionNotBeaten',
      cause: `auc 0.97 does not beat the champion ${packageArn(1)} (auc 0.965) by at least 0.01: higher is better`,
    });
    expect(run.calls.RegisterModel).toBeUndefined();
    expect(run.calls.NotifyFailure[0].Message).toMatchObject({
      result: 'failed',
      error: 'ChampionNotBeaten',
    });
  });

  test('a model worse than the champion where lower is better is not registered; a better one is', async () => {
    const worse = await againstChampion(lower.definition, rmseOf(3.2), rmseOf(3));
    expect(worse).toMatchObject({
      status: 'FAILED',
      error: 'ChampionNotBeaten',
      cause: `rmse 3.2 does not beat the champion ${packageArn(1)} (rmse 3) by at least 0.5: lower is better`,
    });
    // Better, but by less than minImprovement.
    const slightly = await againstChampion(lower.definition, rmseOf(2.8), rmseOf(3));
    expect(slightly).toMatchObject({ status: 'FAILED', error: 'ChampionNotBeaten' });
    expect(slightly.calls.RegisterModel).toBeUndefined();
    const better = await againstChampion(lower.definition, rmseOf(2.5), rmseOf(3));
    expect(better.status).toBe('SUCCEEDED');
    expect(better.calls.RegisterModel).toHaveLength(1);
  });

  test('with minImprovement 0, a model as good as the champion is registered (a tie is not a loss)', async () => {
    const tie = await againstChampion(tieBreak.definition, aucOf(0.97), aucOf(0.97));
    expect(tie.status).toBe('SUCCEEDED');
    expect(tie.calls.RegisterModel).toHaveLength(1);
    const worse = await againstChampion(tieBreak.definition, aucOf(0.97), aucOf(0.9700001));
    expect(worse).toMatchObject({ status: 'FAILED', error: 'ChampionNotBeaten' });
  });

  test(`an improvement of exactly minImprovement counts, floating-point noise aside (rounded to ${IMPROVEMENT_DECIMALS} places)`, async () => {
    // 0.97 - 0.96 is 0.010000000000000009 and 2.5 - 2 exactly 0.5; 0.9 - 0.8 is 0.09999999999999998.
    expect(0.9 - 0.8).toBeLessThan(0.1);
    const exactly = await againstChampion(higher.definition, aucOf(0.96), aucOf(0.95));
    expect(exactly.status).toBe('SUCCEEDED');
    const tenth = pipelineWith({
      ...AUC_GATE,
      threshold: 0.5,
      vsChampion: rule(ProblemType.BINARY_CLASSIFICATION, 'auc', 0.1),
    });
    const run = await againstChampion(tenth.definition, aucOf(0.9), aucOf(0.8));
    expect(run.status).toBe('SUCCEEDED');
  });

  test('the newest approved package is the champion, not an older or an unapproved one', async () => {
    const run = await runPipeline(higher.definition, INPUT, {
      evaluation: aucOf(0.97),
      packages: [
        modelPackage(1, { created: '2026-10-01T00:00:00Z', report: reportUri('old') }),
        modelPackage(2, { created: '2026-11-01T00:00:00Z', report: reportUri('newest') }),
        modelPackage(3, {
          status: 'Rejected',
          created: '2026-11-02T00:00:00Z',
          report: reportUri('rejected'),
        }),
      ],
      objects: {
        [reportUri('old')]: JSON.stringify(aucOf(0.5)),
        [reportUri('newest')]: JSON.stringify(aucOf(0.99)),
        [reportUri('rejected')]: JSON.stringify(aucOf(0.5)),
      },
    });
    expect(run).toMatchObject({ status: 'FAILED', error: 'ChampionNotBeaten' });
    expect(run.cause).toContain(`champion ${packageArn(2)} (auc 0.99)`);
  });

  test.each([
    ['records no model-quality report', undefined, undefined, /records no model-quality report/],
    [
      'keeps its report in another bucket',
      `s3://another-bucket/${layout.evaluationKey('run')}`,
      JSON.stringify(aucOf(0.5)),
      /records its model-quality report at s3:\/\/another-bucket\/churn\/runs\/run\/evaluation\/evaluation.json and not at s3:\/\/test-data-models\/churn\/runs\/<run>/,
    ],
    [
      "keeps it under another model's runs",
      `${MODELS}/fraud/runs/run/evaluation/evaluation.json`,
      JSON.stringify(aucOf(0.5)),
      /records its model-quality report at s3:\/\/test-data-models\/fraud\//,
    ],
    ['has a report that is gone', reportUri('gone'), undefined, /is not in the models bucket/],
    [
      'has no numeric value of the metric',
      reportUri('other'),
      JSON.stringify(evaluation(ProblemType.BINARY_CLASSIFICATION, 'accuracy', 0.5)),
      /has no numeric binary_classification_metrics.auc.value/,
    ],
  ])(
    'a champion that %s fails the run as ChampionNotComparable, saying what to do',
    async (_what, report, body, cause) => {
      const run = await runPipeline(higher.definition, INPUT, {
        packages: [modelPackage(1, { created: '2026-11-01T00:00:00Z', report })],
        objects: report && body ? { [report]: body } : {},
      });
      expect(run).toMatchObject({ status: 'FAILED', error: 'ChampionNotComparable' });
      expect(run.cause).toMatch(cause);
      expect(run.cause).toContain(packageArn(1));
      expect(run.cause).toContain('reject it to compare with the approved package before it');
      expect(run.calls.RegisterModel).toBeUndefined();
    },
  );

  test('an evaluation without the compared metric fails as MetricMissing before the registry is read', async () => {
    // The absolute gate passes on auc; the rule compares accuracy, which this evaluation lacks.
    const run = await runPipeline(otherMetric.definition, INPUT, { evaluation: aucOf(0.97) });
    expect(run).toMatchObject({
      status: 'FAILED',
      error: 'MetricMissing',
      cause:
        'evaluation.json has no numeric binary_classification_metrics.accuracy.value, which qualityGate.vsChampion compares',
    });
    expect(run.calls.FindChampion).toBeUndefined();
  });
});

describe("the champion comparison's authorization", () => {
  const { authz, machine, definition } = higher;
  const role = String(machine.properties.RoleArn);
  const champion = (group: string): Json[] =>
    group === GROUP
      ? [modelPackage(1, { created: '2026-11-01T00:00:00Z', report: reportUri('champion-run') })]
      : [];
  const calls = async (): Promise<RunTimeCall[]> => {
    const arn = authz.inventory.deployed.ref(machine);
    const sample = await runSampleExecution(definition, arn, {
      input: INPUT,
      objectBody: (uri) => JSON.stringify(uri === reportUri('champion-run') ? aucOf(0.91) : aucOf(0.97)),
      approvedPackages: champion,
    });
    expect(sample.failure).toBeUndefined();
    const derived = stateMachineCalls(authz.inventory, { stateMachine: machine, arn, definition, sample });
    expect(derived.problems).toEqual([]);
    return derived.calls;
  };

  test("enumerates the step's calls, each allowed: list and describe in its own group, read the champion's report", async () => {
    const all = await calls();
    const ofStep = all.filter((c) =>
      /state (FindChampion|DescribeChampion|ReadChampionMetrics)$/.test(c.origin),
    );
    expect(ofStep.map((c) => `${c.action} ${c.resource}`).sort()).toEqual(
      [
        `sagemaker:ListModelPackages arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/${GROUP}/*`,
        `sagemaker:DescribeModelPackage ${packageArn(1)}`,
        `s3:GetObject arn:aws:s3:::test-data-models/${layout.evaluationKey('champion-run')}`,
        's3:ListBucket arn:aws:s3:::test-data-models',
        expect.stringMatching(/^kms:Decrypt arn:aws:kms:/),
      ].sort(),
    );
    const checked = await checkAll(authz, ofStep);
    expect(checked.filter((c) => !cleanlyAllowed(c)).map(describeChecked)).toEqual([]);
  });

  test("may not read another model's group or report, nor change a package", async () => {
    const denied = [
      {
        action: 'sagemaker:ListModelPackages',
        resource: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/test-fraud/*`,
      },
      { action: 'sagemaker:DescribeModelPackage', resource: packageArn(1, 'test-fraud') },

      { action: 'sagemaker:UpdateModelPackage', resource: packageArn(1) },
      {
        action: 's3:GetObject',
        resource: 'arn:aws:s3:::test-data-models/fraud/runs/run/evaluation/evaluation.json',
      },
    ].map((request) => ({
      ...request,
      principal: role,
      stage: 'Test',
      origin: 'must-deny',
      originPath: 'must-deny',
    }));
    const checked = await checkAll(authz, denied);
    expect(checked.filter((c) => !cleanlyDenied(c)).map(describeChecked)).toEqual([]);
  });
});
