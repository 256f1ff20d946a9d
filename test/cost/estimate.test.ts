import { estimateEnvironment } from '../../lib/tools/cost/estimate';
import { PRICE_TABLE } from '../../lib/tools/cost/prices';
import type { CfnTemplate } from '../../cfn/cfn-template';

/**
 * A small hand-written template: an endpoint config of 2 × ml.m5.large, one interface endpoint
 * over 2 subnets, 2 keys, 1 dashboard, 3 alarms, 1 budget, and a state machine whose training
 * job runs 2 × ml.m5.xlarge for at most 7200 s on spot.
 */
function knownTemplate(
  overrides: { variant?: object; resources?: CfnTemplate['Resources'] } = {},
): CfnTemplate {
  const alarm = (metric: string) => ({
    Type: 'AWS::CloudWatch::Alarm',
    Properties: { MetricName: metric, Namespace: 'AWS/States', Period: 300, Statistic: 'Sum', Threshold: 1 },
  });
  const definition = {
    StartAt: 'Train',
    States: {
      Train: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sagemaker:createTrainingJob.sync',
        Parameters: {
          RoleArn: 'ROLE',
          ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 2, VolumeSizeInGB: 30 },
          StoppingCondition: { MaxRuntimeInSeconds: 7200, MaxWaitTimeInSeconds: 14400 },
          EnableManagedSpotTraining: true,
        },
        End: true,
      },
    },
  };
  // As CDK writes it: the definition is a Fn::Join of text and tokens (here the job's role).
  const [before, after] = JSON.stringify(definition).split('ROLE');
  return {
    Resources: {
      Config: {
        Type: 'AWS::SageMaker::EndpointConfig',
        Properties: {
          ProductionVariants: [
            {
              VariantName: 'AllTraffic',
              InstanceType: 'ml.m5.large',
              InitialInstanceCount: 2,
              ...overrides.variant,
            },
          ],
        },
      },
      Endpoint: {
        Type: 'AWS::SageMaker::Endpoint',
        Properties: { EndpointConfigName: { 'Fn::GetAtt': ['Config', 'EndpointConfigName'] } },
      },
      SageMakerApi: {
        Type: 'AWS::EC2::VPCEndpoint',
        Properties: {
          VpcEndpointType: 'Interface',
          ServiceName: 'com.amazonaws.eu-west-1.sagemaker.api',
          SubnetIds: [{ Ref: 'SubnetA' }, { Ref: 'SubnetB' }],
        },
      },
      DataKey: { Type: 'AWS::KMS::Key', Properties: {} },
      OperationsKey: { Type: 'AWS::KMS::Key', Properties: {} },
      Dashboard: { Type: 'AWS::CloudWatch::Dashboard', Properties: { DashboardBody: '{}' } },
      Failed: alarm('ExecutionsFailed'),
      TimedOut: alarm('ExecutionsTimedOut'),
      Aborted: alarm('ExecutionsAborted'),
      Budget: {
        Type: 'AWS::Budgets::Budget',
        Properties: { Budget: { BudgetType: 'COST', TimeUnit: 'MONTHLY' } },
      },
      Pipeline: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          DefinitionString: { 'Fn::Join': ['', [before, { 'Fn::GetAtt': ['JobRole', 'Arn'] }, after]] },
        },
      },
      ...overrides.resources,
    },
  };
}

const REGION = 'eu-west-1';
const prices = PRICE_TABLE.regions[REGION];
const HOURS = PRICE_TABLE.hoursPerMonth;

const estimate = (template: CfnTemplate, region = REGION) =>
  estimateEnvironment({ name: 'test', region, stacks: { Main: template } });

test('the idle month of the known template is the sum of count × unit price, by the documented formula', () => {
  const result = estimate(knownTemplate());
  const expected = {
    endpointInstances: 2 * HOURS * prices.sagemakerRealTime['ml.m5.large'].usd,
    interfaceEndpoints: 1 * 2 * HOURS * prices.interfaceEndpoint.usd, // 1 endpoint × 2 AZs × hours
    keys: 2 * prices.kmsKey.usd,
    dashboards: 1 * prices.dashboard.usd,
    alarms: 3 * prices.alarmMetric.usd,
    budgets: 1 * (HOURS / 24) * prices.budget.usd, // priced per day
  };
  const byItem = Object.fromEntries(result.idle.map((line) => [line.item, line.usd]));
  expect(byItem['SageMaker endpoint instances ml.m5.large']).toBeCloseTo(expected.endpointInstances, 6);
  expect(byItem['VPC interface endpoints']).toBeCloseTo(expected.interfaceEndpoints, 6);
  expect(byItem['KMS keys']).toBeCloseTo(expected.keys, 6);
  expect(byItem['CloudWatch dashboards']).toBeCloseTo(expected.dashboards, 6);
  expect(byItem['CloudWatch alarms']).toBeCloseTo(expected.alarms, 6);
  expect(byItem['AWS Budgets budgets']).toBeCloseTo(expected.budgets, 6);
  const sum = Object.values(expected).reduce((a, b) => a + b, 0);
  expect(result.idleUsd).toBeCloseTo(sum, 6);
  expect(result.missing).toEqual([]);
});

test('a training run costs instances × max runtime × the training price, less the spot discount', () => {
  const [run] = estimate(knownTemplate()).trainingRuns;
  const onDemand = 2 * (7200 / 3600) * prices.sagemakerTraining['ml.m5.xlarge'].usd;
  expect(run.jobs).toEqual([
    expect.objectContaining({
      state: 'Train',
      use: 'training',
      instanceType: 'ml.m5.xlarge',
      instanceCount: 2,
      maxRuntimeSeconds: 7200,
      spot: true,
    }),
  ]);
  expect(run.onDemandUsd).toBeCloseTo(onDemand, 6);
  expect(run.usd).toBeCloseTo(onDemand * (1 - PRICE_TABLE.spotTrainingDiscount.fraction), 6);
  expect(run.missing).toEqual([]);
});

test('an unknown instance type is a missing price that names type, use and region, never a silent 0', () => {
  const result = estimate(knownTemplate({ variant: { InstanceType: 'ml.g5.xlarge' } }));
  const line = result.idle.find((l) => l.item === 'SageMaker endpoint instances ml.g5.xlarge')!;
  expect(line.usd).toBeUndefined();
  expect(line.missing).toMatch(
    /^no price for SageMaker real-time inference on ml\.g5\.xlarge in eu-west-1: add it to lib\/tools\/cost\/prices\.ts/,
  );
  expect(result.missing).toContain(line.missing);
});

test('a region without prices is a missing price for every line that needs one', () => {
  const result = estimate(knownTemplate(), 'ap-south-2');
  expect(result.idle.every((l) => l.usd === undefined)).toBe(true);
  expect(result.missing).toEqual([
    expect.stringMatching(/^no prices for region ap-south-2: add the region to lib\/tools\/cost\/prices\.ts/),
    expect.stringMatching(/^Main\/Pipeline Train: no prices for region ap-south-2/),
  ]);
});

test('an autoscaling minimum above the initial count is what runs while idle', () => {
  const result = estimate(
    knownTemplate({
      resources: {
        Scaling: {
          Type: 'AWS::ApplicationAutoScaling::ScalableTarget',
          Properties: {
            ServiceNamespace: 'sagemaker',
            ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
            MinCapacity: 3,
            MaxCapacity: 6,
            ResourceId: {
              'Fn::Join': [
                '',
                ['endpoint/', { 'Fn::GetAtt': ['Endpoint', 'EndpointName'] }, '/variant/AllTraffic'],
              ],
            },
          },
        },
      },
    }),
  );
  const line = result.idle.find((l) => l.item === 'SageMaker endpoint instances ml.m5.large')!;
  expect(line.quantityText).toBe(`3 × ${HOURS} h`);
  expect(line.usd).toBeCloseTo(3 * HOURS * prices.sagemakerRealTime['ml.m5.large'].usd, 6);
  expect(line.note).toMatch(/autoscaling minimum 3 above its initial 2/);
});

test('a serverless variant, a gateway endpoint and log groups cost 0 while idle, and are listed', () => {
  const result = estimate(
    knownTemplate({
      variant: {
        InstanceType: undefined,
        InitialInstanceCount: undefined,
        ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 },
      },
      resources: {
        S3: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcEndpointType: 'Gateway', RouteTableIds: [] } },
        Logs: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } },
      },
    }),
  );
  const byItem = Object.fromEntries(result.idle.map((line) => [line.item, line]));
  expect(Object.keys(byItem).some((item) => item.startsWith('SageMaker endpoint instances'))).toBe(false);
  expect(byItem['SageMaker serverless endpoints'].usd).toBe(0);
  expect(byItem['VPC gateway endpoints'].usd).toBe(0);
  expect(byItem['CloudWatch Logs stored data']).toMatchObject({ usd: 0, quantityText: '1 log group, 0 GB' });
  expect(result.missing).toEqual([]);
});

test('a metric-math alarm is billed per metric it reads; a composite alarm at its own price', () => {
  const metric = (id: string) => ({
    Id: id,
    MetricStat: { Metric: { MetricName: id, Namespace: 'AWS/SageMaker' }, Period: 300, Stat: 'Sum' },
    ReturnData: false,
  });
  const result = estimate({
    Resources: {
      Rate: {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          Metrics: [
            { Id: 'rate', Expression: '100 * errors / invocations' },
            metric('errors'),
            metric('invocations'),
          ],
        },
      },
      Composite: { Type: 'AWS::CloudWatch::CompositeAlarm', Properties: { AlarmRule: 'ALARM(x)' } },
    },
  });
  const byItem = Object.fromEntries(result.idle.map((line) => [line.item, line.usd]));
  expect(byItem['CloudWatch alarms']).toBeCloseTo(2 * prices.alarmMetric.usd, 6);
  expect(byItem['CloudWatch composite alarms']).toBeCloseTo(prices.compositeAlarm.usd, 6);
});

test('a resource type the estimate does not know is reported, not counted as free', () => {
  const result = estimate({
    Resources: { Db: { Type: 'AWS::RDS::DBInstance', Properties: { DBInstanceClass: 'db.t3.micro' } } },
  });
  expect(result.missing).toEqual([
    expect.stringMatching(/^AWS::RDS::DBInstance \(Main\/Db\): a resource type the estimate does not price/),
  ]);
});

test('a job whose instances are set at run time, or which has no time limit, says why it is not priced', () => {
  const result = estimate({
    Resources: {
      Pipeline: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          Definition: {
            StartAt: 'Prep',
            States: {
              Prep: {
                Type: 'Task',
                Resource: 'arn:aws:states:::sagemaker:createProcessingJob.sync',
                Parameters: {
                  ProcessingResources: { ClusterConfig: { 'InstanceType.$': '$.type', InstanceCount: 1 } },
                },
                End: true,
              },
            },
          },
        },
      },
    },
  });
  expect(result.trainingRuns[0].missing).toEqual([
    'Main/Pipeline Prep: its instance type is set at run time, it has no time limit (StoppingCondition.MaxRuntimeInSeconds), so its worst case cannot be priced',
  ]);
});

test('a task of an integration no kind models is a missing price, never silently left out', () => {
  // Integrations Step Functions offers that no kind of lib/tools/integrations prices (the SDK
  // form of a training job, an ECS task, a Lambda function).
  const resources = ['aws-sdk:sagemaker:createTrainingJob', 'ecs:runTask.sync', 'lambda:invoke'];
  const result = estimate({
    Resources: {
      Pipeline: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          Definition: {
            StartAt: 'Step0',
            States: Object.fromEntries(
              resources.map((resource, i) => [
                `Step${i}`,
                {
                  Type: 'Task',
                  Resource: `arn:aws:states:::${resource}`,
                  ...(i + 1 < resources.length ? { Next: `Step${i + 1}` } : { End: true }),
                },
              ]),
            ),
          },
        },
      },
    },
  });
  for (const [i] of resources.entries()) {
    expect(result.missing).toContainEqual(
      expect.stringMatching(new RegExp(`^Main/Pipeline Step${i}: .* not estimated$`)),
    );
  }
});

describe('a tuning job (createHyperParameterTuningJob)', () => {
  /** A pipeline whose one state tunes with `parameters`. */
  const tuning = (parameters: object) =>
    estimate({
      Resources: {
        Pipeline: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: {
            Definition: {
              StartAt: 'Tune',
              States: {
                Tune: {
                  Type: 'Task',
                  Resource: 'arn:aws:states:::sagemaker:createHyperParameterTuningJob.sync',
                  Parameters: parameters,
                  End: true,
                },
              },
            },
          },
        },
      },
    });
  const definition = {
    RoleArn: 'arn:aws:iam::123456789012:role/job',
    ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 2, VolumeSizeInGB: 30 },
    StoppingCondition: { MaxRuntimeInSeconds: 5400, MaxWaitTimeInSeconds: 7200 },
    EnableManagedSpotTraining: true,
  };
  const request = (trials: unknown, overrides: object = {}) => ({
    'HyperParameterTuningJobName.$': "States.Format('churn-tune-{}', $.run.tuneId)",
    HyperParameterTuningJobConfig: {
      Strategy: 'Random',
      ResourceLimits: { MaxNumberOfTrainingJobs: trials, MaxParallelTrainingJobs: 2 },
    },
    TrainingJobDefinition: definition,
    ...overrides,
  });

  test('costs trials × instances × max runtime × the training price, less the spot discount', () => {
    const [run] = tuning(request(4)).trainingRuns;
    // Each of the 4 trials runs 2 instances for at most 1.5 h (API_ResourceLimits, API_StoppingCondition).
    const onDemand = 4 * 2 * 1.5 * prices.sagemakerTraining['ml.m5.xlarge'].usd;
    expect(run.jobs).toEqual([
      expect.objectContaining({
        state: 'Tune',
        use: 'training',
        trials: 4,
        instanceType: 'ml.m5.xlarge',
        instanceCount: 2,
        maxRuntimeSeconds: 5400,
        spot: true,
      }),
    ]);
    expect(run.onDemandUsd).toBeCloseTo(onDemand, 6);
    expect(run.usd).toBeCloseTo(onDemand * (1 - PRICE_TABLE.spotTrainingDiscount.fraction), 6);
    expect(run.missing).toEqual([]);
  });

  test('with several TrainingJobDefinitions, every trial is priced as the dearest', () => {
    const cheap = { ...definition, ResourceConfig: { ...definition.ResourceConfig, InstanceCount: 1 } };
    const { TrainingJobDefinition: _one, ...rest } = request(3);
    const [run] = tuning({ ...rest, TrainingJobDefinitions: [cheap, definition] }).trainingRuns;
    expect(run.onDemandUsd).toBeCloseTo(3 * 2 * 1.5 * prices.sagemakerTraining['ml.m5.xlarge'].usd, 6);
  });

  test('a number of trials set at run time, or none, is a missing price that says why', () => {
    const [dynamic] = tuning(
      request(undefined, {
        HyperParameterTuningJobConfig: {
          Strategy: 'Random',
          ResourceLimits: { 'MaxNumberOfTrainingJobs.$': '$.trials', MaxParallelTrainingJobs: 2 },
        },
      }),
    ).trainingRuns;
    expect(dynamic.missing).toEqual([
      expect.stringMatching(
        /^Main\/Pipeline Tune: its maximum number of trials \(.*MaxNumberOfTrainingJobs\) is set at run time, so its worst case cannot be priced$/,
      ),
    ]);
    const [none] = tuning(request(undefined)).trainingRuns;
    expect(none.missing).toEqual([expect.stringContaining('it has no maximum number of trials')]);
    expect(none.usd).toBe(0);
  });

  test('a definition without a time limit is a missing price', () => {
    const { StoppingCondition: _limit, ...unlimited } = definition;
    const [run] = tuning(request(4, { TrainingJobDefinition: unlimited })).trainingRuns;
    expect(run.missing).toEqual([expect.stringContaining('it has no time limit')]);
  });
});
