import { Duration, Size } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import { FrameworkImage, MlInstanceType, ModelApprovalStatus, TrainingPipeline } from '../../constructs';
import { taskStates } from '../../cfn/state-machine-tasks';
import { stateMachineDefinition } from '../../cfn/undeployed-definitions';
import { pipelineFixture } from '../support/training-fixtures';

type Json = Record<string, any>;
const statementsOf = (template: Template, rolePrefix: string): Json[] =>
  Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([id]) => id.startsWith(rolePrefix))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
const text = (v: unknown) => JSON.stringify(v);

describe('TrainingPipeline', () => {
  const { stack, props } = pipelineFixture();
  const pipeline = new TrainingPipeline(stack, 'Churn', {
    ...props,
    trainingInstanceType: MlInstanceType.of('ml.m5.xlarge'),
    volumeSize: Size.gibibytes(50),
    maxRuntime: Duration.hours(2),
    spot: { maxWait: Duration.hours(4) },
    approvalStatus: ModelApprovalStatus.APPROVED,
    schedule: events.Schedule.cron({ minute: '0', hour: '3' }),
    scheduleEnabled: false,
  });
  const template = Template.fromStack(stack);

  test('creates a traced standard state machine with an overall timeout', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      DefinitionString: Match.anyValue(),
    });
    expect(text(template.toJSON())).toContain('TimeoutSeconds');
    expect(pipeline.stateMachine).toBeDefined();
  });

  test("the state machine may run only this model's jobs, and pass only the job role to SageMaker", () => {
    const statements = statementsOf(template, 'ChurnStateMachineRole');
    const bySid = Object.fromEntries(statements.filter((s) => s.Sid).map((s) => [s.Sid, s]));
    // Derived from the rendered definition: every job state's name format gives the ARN pattern
    // the role must allow, and the role allows no other job.
    const definition = stateMachineDefinition(
      Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0].Properties,
    )!;
    const expected: Record<string, string[]> = { processing: [], training: [] };
    for (const state of taskStates(definition)) {
      const kind = /:sagemaker:create(Processing|Training)Job/.exec(state.resource)?.[1].toLowerCase();
      if (!kind) continue;
      const format = (state.parameters as Json)[
        kind === 'training' ? 'TrainingJobName.$' : 'ProcessingJobName.$'
      ];
      const prefix = /^States\.Format\('([a-z0-9-]+-)\{\}', \$\.run\.id\)$/.exec(format)?.[1];
      expect({ state: state.name, prefix }).toEqual({ state: state.name, prefix: expect.any(String) });
      expected[kind].push(`${kind}-job/${prefix}*`);
    }
    const allowedJobs = (sid: string) =>
      [bySid[sid].Resource]
        .flat()
        .map(
          (arn: unknown) =>
            /:sagemaker:[^:]+:[^:]+:((processing|training)-job\/.+)$/.exec(text(arn).replace(/"/g, ''))?.[1],
        );
    expect(allowedJobs('RunProcessingJobs').sort()).toEqual(expected.processing.sort());
    expect(allowedJobs('RunTrainingJobs').sort()).toEqual(expected.training.sort());
    expect(expected.processing.length).toBeGreaterThanOrEqual(3);
    expect([...bySid.RunTrainingJobs.Action].sort()).toEqual([
      'sagemaker:CreateTrainingJob',
      'sagemaker:DescribeTrainingJob',
      'sagemaker:StopTrainingJob',
    ]);
    expect(bySid.PassJobRole).toMatchObject({
      Action: 'iam:PassRole',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ChurnJobRole/), 'Arn'] },
      Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    });
    expect(text(bySid.TrackJobsWithEventBridge.Resource)).toContain(
      'rule/StepFunctionsGetEventsForSageMakerTrainingJobsRule',
    );
    expect(text(bySid.TrackJobsWithEventBridge.Resource)).toContain(
      'rule/StepFunctionsGetEventsForSageMakerProcessingJobsRule',
    );
    expect([...bySid.TrackJobsWithEventBridge.Action].sort()).toEqual([
      'events:DescribeRule',
      'events:PutRule',
      'events:PutTargets',
    ]);
    expect(text(statements)).toContain('sagemaker:CreateModelPackage');
    expect(text(statements)).toContain('model-package/test-churn/*');
    for (const s of statements) {
      for (const action of [s.Action].flat()) expect(action).not.toBe('*');
    }
  });

  test("the job role reaches only this model's prefixes and the code archive", () => {
    const statements = statementsOf(template, 'ChurnJobRole');
    const s3Resources = statements
      .filter((s) => text(s.Action).includes('s3:'))
      .flatMap((s) => [s.Resource].flat())
      .map(text);
    for (const resource of s3Resources) {
      expect(resource).toMatch(/test-data-(raw|curated|models)(\/churn\/\*)?"|cdk-[a-z0-9]+-assets-[^"]*"$/);
    }
    // The assets bucket: the archive's object, and listing only its key (SageMaker lists an S3Prefix input).
    const code = statements.find((s) => s.Sid === 'ReadSourceCode')!;
    expect(code.Resource).toMatch(/^arn:aws:s3:::cdk-[a-z0-9]+-assets-[^/]+\/[0-9a-f]{64}\.gz$/);
    const listing = statements.find((s) => s.Sid === 'ListSourceCode');
    expect(listing).toMatchObject({
      Action: 's3:ListBucket',
      Resource: code.Resource.split('/')[0],
      Condition: { StringLike: { 's3:prefix': [code.Resource.split('/')[1]] } },
    });
    const actionsOn = (bucket: string) =>
      statements
        .filter((s) => text(s.Resource).includes(`test-data-${bucket}/churn/*`))
        .flatMap((s) => [s.Action].flat());
    expect(actionsOn('raw')).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
    expect(actionsOn('curated')).toEqual(
      expect.arrayContaining(['s3:GetObject', 's3:PutObject', 's3:DeleteObject']),
    );
    expect(actionsOn('models')).toEqual(expect.arrayContaining(['s3:GetObject', 's3:PutObject']));
    expect(actionsOn('models')).not.toContain('s3:DeleteObject');
    const metrics = statements.find((s) => s.Sid === 'PublishMetrics');
    expect(metrics).toMatchObject({
      Action: 'cloudwatch:PutMetricData',
      Resource: '*',
      Condition: { StringLike: { 'cloudwatch:namespace': ['/aws/sagemaker/*'] } },
    });
    expect(text(statements.find((s) => s.Sid === 'PullImage0')?.Resource)).toContain(
      ':ecr:eu-west-1:141502667606:repository/sagemaker-scikit-learn',
    );
  });

  test('the job role can be assumed only by SageMaker', () => {
    const roles = template.findResources('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: {
          Statement: [Match.objectLike({ Principal: { Service: 'sagemaker.amazonaws.com' } })],
        },
      },
    });
    expect(Object.keys(roles)).toEqual([expect.stringMatching(/^ChurnJobRole/)]);
  });

  test('starts on a schedule when asked, here disabled', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 3 * * ? *)',
      State: 'DISABLED',
      Targets: [
        Match.objectLike({
          Input: text({
            datasetS3Uri: 's3://test-data-raw/churn/',
            datasetVersion: 'latest',
            reason: 'schedule',
          }),
        }),
      ],
    });
  });

  test('starts once per new dataset version: when its latest.json is written, on the newest version', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: ['test-data-raw'] }, object: { key: ['churn/latest.json'] } },
      },
      Targets: [
        Match.objectLike({
          Input: text({
            datasetS3Uri: 's3://test-data-raw/churn/',
            datasetVersion: 'latest',
            reason: 'new-data',
          }),
        }),
      ],
    });
  });

  test("the state machine reads its model's latest.json and no other raw object", () => {
    const statements = statementsOf(template, 'ChurnStateMachineRole');
    const rawObjects = statements
      .flatMap((s) => [s.Resource].flat().map((r) => ({ actions: [s.Action].flat(), resource: text(r) })))
      .filter((r) => r.resource.includes('test-data-raw/'));
    expect(rawObjects.length).toBeGreaterThan(0);
    for (const r of rawObjects) {
      expect(r.resource).toMatch(/test-data-raw\/churn\/latest\.json"$/);
      for (const action of r.actions) expect(action).toMatch(/^s3:(g|G)etObject(Version)?$/);
    }
  });

  test('the raw bucket sends its events to EventBridge natively (no custom resource)', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'test-data-raw',
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
    });
    template.resourceCountIs('AWS::Lambda::Function', 0);
  });

  test('publishes to a topic encrypted with the data key by default', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });

  test('outputs the state machine ARN', () => {
    expect(Object.values(template.toJSON().Outputs).map(text).join()).toContain('ChurnStateMachine');
  });
});

describe('TrainingPipeline validation', () => {
  test.each([
    [{ modelName: 'Churn_Model' }, /modelName 'Churn_Model' must be 1-18 lowercase/],
    [{ modelName: 'a-very-long-model-name' }, /must be 1-18 lowercase/],
    [
      { qualityGate: { metric: 'auc', operator: '=>' as never, threshold: 0.9 } },
      /qualityGate.operator must be one of/,
    ],
    [
      { qualityGate: { metric: 'auc', operator: '>=' as const, threshold: Number.NaN } },
      /qualityGate.threshold must be a finite number/,
    ],
    [
      { spot: { maxWait: Duration.minutes(30) } },
      /spot.maxWait \(30 minutes\) must be at least maxRuntime \(1 hour\)/,
    ],
    [{ trainingInstanceCount: 0 }, /trainingInstanceCount must be a whole number >= 1/],
    [{ hyperparameters: { sagemaker_program: 'x.py' } }, /names starting with sagemaker_ are reserved/],
    [{ entryPoints: { train: 'missing.py' } }, /entry points not in the source code: missing.py/],
  ])('refuses %o', (override, message) => {
    const { stack, props } = pipelineFixture();
    expect(() => new TrainingPipeline(stack, 'P', { ...props, ...override })).toThrow(message);
  });

  test('lists every problem at once', () => {
    const { stack, props } = pipelineFixture();
    expect(
      () => new TrainingPipeline(stack, 'P', { ...props, modelName: 'BAD', trainingInstanceCount: 0 }),
    ).toThrow(/^Invalid TrainingPipeline props at [^:]*\/P:[\s\S]*modelName[\s\S]*trainingInstanceCount/);
  });

  test('an instance type must be a SageMaker one', () => {
    expect(() => MlInstanceType.of('m5.large')).toThrow("Invalid SageMaker instance type 'm5.large'");
    expect(MlInstanceType.of('ml.g5.2xlarge').toString()).toBe('ml.g5.2xlarge');
  });

  test('a region without a known scikit-learn image fails with a clear error, unless an image is given', () => {
    const unknown = pipelineFixture('ap-southeast-7');
    expect(() => new TrainingPipeline(unknown.stack, 'P', unknown.props)).toThrow(
      /No SageMaker scikit-learn image is known for region ap-southeast-7[\s\S]*FrameworkImage.fromImageUri/,
    );
    const given = pipelineFixture('ap-southeast-7');
    const uri = '123456789012.dkr.ecr.ap-southeast-7.amazonaws.com/my-sklearn:1.2-1';
    const monitor = '123456789012.dkr.ecr.ap-southeast-7.amazonaws.com/my-monitor:1';
    new TrainingPipeline(given.stack, 'P', {
      ...given.props,
      image: FrameworkImage.fromImageUri(uri),
      monitorImage: FrameworkImage.fromImageUri(monitor),
    });
    expect(JSON.stringify(Template.fromStack(given.stack).toJSON())).toContain(uri);
  });

  test('the image of a known region comes from its regional registry', () => {
    const { stack } = pipelineFixture('us-west-2');
    expect(FrameworkImage.sklearn('1.2-1').bind(stack).imageUri).toBe(
      '246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3',
    );
    expect(() => FrameworkImage.sklearn('latest')).toThrow("Invalid scikit-learn framework version 'latest'");
  });
});

// SageMaker syncs /opt/ml/checkpoints with CheckpointConfig.S3Uri; a job without a checkpointing
// script gets no location (an interruption restarts it either way).
describe.each([
  [undefined, true],
  [true, true],
  [false, false],
])('spot training with checkpoints %s', (checkpoints, located) => {
  test(
    located ? 'syncs checkpoints with the run folder of the models bucket' : 'has no checkpoint location',
    () => {
      const { stack, props } = pipelineFixture();
      new TrainingPipeline(stack, 'Spot', { ...props, spot: { maxWait: Duration.hours(2), checkpoints } });
      const definition = stateMachineDefinition(
        Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'))[0]
          .Properties,
      )!;
      const train = (definition.States as Json).Train.Parameters;
      expect(train.EnableManagedSpotTraining).toBe(true);
      expect(train.StoppingCondition.MaxWaitTimeInSeconds).toBe(7200);
      if (located) {
        expect(train.CheckpointConfig['S3Uri.$']).toMatch(
          /^States\.Format\('s3:\/\/test-data-models\/churn\/checkpoints\/\{\}\/'/,
        );
      } else {
        expect(train.CheckpointConfig).toBeUndefined();
      }
    },
  );
});
