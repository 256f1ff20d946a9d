import { estimateEnvironment } from '../../lib/tools/cost/estimate';
import { PRICE_TABLE } from '../../lib/tools/cost/prices';
import { formatCostReport } from '../../lib/tools/cost/report';
import type { CostReport } from '../../lib/tools/cost/run';
import { oneEnvironmentReport } from '../support/one-environment-report';

function reportOf(instanceType: string): CostReport {
  const estimate = estimateEnvironment({
    name: 'test',
    region: 'eu-west-1',
    stacks: {
      Serving: {
        Resources: {
          Config: {
            Type: 'AWS::SageMaker::EndpointConfig',
            Properties: {
              ProductionVariants: [
                { VariantName: 'AllTraffic', InstanceType: instanceType, InitialInstanceCount: 1 },
              ],
            },
          },
          Key: { Type: 'AWS::KMS::Key', Properties: {} },
        },
      },
    },
  });
  return oneEnvironmentReport(estimate, 'eu-west-1');
}

test('each line shows quantity, unit price with its unit, and the monthly figure; then the idle total', () => {
  const text = formatCostReport(reportOf('ml.m5.large'));
  const price = PRICE_TABLE.regions['eu-west-1'].sagemakerRealTime['ml.m5.large'].usd;
  expect(text).toMatch(
    new RegExp(
      `SageMaker endpoint instances ml\\.m5\\.large +1 × 730 h +\\$${price}/instance-hour +\\$${(730 * price).toFixed(2)}`,
    ),
  );
  expect(text).toMatch(/idle total +\$\d+\.\d\d\n/);
  expect(text).not.toMatch(/missing price/i);
});

test('a missing price is shown as such, and the totals it touches as lower bounds', () => {
  const text = formatCostReport(reportOf('ml.p5.48xlarge'));
  expect(text).toMatch(/SageMaker endpoint instances ml\.p5\.48xlarge +1 × 730 h +MISSING PRICE +\?/);
  expect(text).toMatch(/idle total +at least \$1\.00/);
  expect(text).toContain('1 missing price: the totals they touch are lower bounds');
  expect(text).toContain('no price for SageMaker real-time inference on ml.p5.48xlarge in eu-west-1');
});

test("a tuning job's line shows its trials: N trials × instances × type, per trial's hours", () => {
  const estimate = estimateEnvironment({
    name: 'test',
    region: 'eu-west-1',
    stacks: {
      Training: {
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
                    Parameters: {
                      HyperParameterTuningJobConfig: {
                        ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 2 },
                      },
                      TrainingJobDefinition: {
                        ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
                        StoppingCondition: { MaxRuntimeInSeconds: 3600 },
                      },
                    },
                    End: true,
                  },
                },
              },
            },
          },
        },
      },
    },
  });
  const text = formatCostReport(oneEnvironmentReport(estimate, 'eu-west-1'));
  const price = PRICE_TABLE.regions['eu-west-1'].sagemakerTraining['ml.m5.large'].usd;
  expect(text).toMatch(
    new RegExp(
      `Training/Pipeline Tune \\(training\\) +4 trials × 1 × ml\\.m5\\.large +1 +\\$${price}/instance-hour +\\$${(4 * price).toFixed(2)}`,
    ),
  );
});

test('a training job on spot names its on-demand price: the region, the date and the source it was read from', () => {
  const type = 'ml.g5.xlarge';
  const estimate = estimateEnvironment({
    name: 'test',
    region: 'eu-west-1',
    stacks: {
      Training: {
        Resources: {
          Pipeline: {
            Type: 'AWS::StepFunctions::StateMachine',
            Properties: {
              Definition: {
                StartAt: 'Train',
                States: {
                  Train: {
                    Type: 'Task',
                    Resource: 'arn:aws:states:::sagemaker:createTrainingJob.sync',
                    Parameters: {
                      TrainingJobName: 't',
                      RoleArn: 'r',
                      ResourceConfig: { InstanceType: type, InstanceCount: 1 },
                      StoppingCondition: { MaxRuntimeInSeconds: 3600, MaxWaitTimeInSeconds: 7200 },
                      EnableManagedSpotTraining: true,
                    },
                    End: true,
                  },
                },
              },
            },
          },
        },
      },
    },
  });
  const text = formatCostReport(oneEnvironmentReport(estimate, 'eu-west-1'));
  const price = PRICE_TABLE.regions['eu-west-1'].sagemakerTraining[type];
  const line = text.split('\n').find((l) => l.includes(`price: ${type} training in eu-west-1`));
  expect(line).toContain(price.asOf);
  expect(line).toContain(price.source);
  expect(line).toMatch(/less \d+ % assumed for spot/);
});
