import { loadConfig } from '../../config';
import { environments } from '../../config/environments';
import { instanceProcessor } from '../../constructs';
import { estimateEnvironment } from '../../lib/cost/estimate';
import { PRICE_TABLE } from '../../lib/cost/prices';
import type { CfnTemplate } from '../../lib/parity/normalize';

/** GPU instance types a GPU image (xgboost, pytorch, a custom gpu one) may train and serve on. */
const GPU_TYPES = ['ml.g4dn.xlarge', 'ml.g5.xlarge', 'ml.p3.2xlarge'];

/** An endpoint on `type` and a state machine that trains on it for an hour. */
function gpuTemplate(type: string): CfnTemplate {
  const definition = {
    StartAt: 'Train',
    States: {
      Train: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sagemaker:createTrainingJob.sync',
        Parameters: {
          RoleArn: 'arn:aws:iam::111111111111:role/job',
          ResourceConfig: { InstanceType: type, InstanceCount: 1, VolumeSizeInGB: 30 },
          StoppingCondition: { MaxRuntimeInSeconds: 3600 },
        },
        End: true,
      },
    },
  };
  return {
    Resources: {
      Config: {
        Type: 'AWS::SageMaker::EndpointConfig',
        Properties: {
          ProductionVariants: [{ VariantName: 'AllTraffic', InstanceType: type, InitialInstanceCount: 1 }],
        },
      },
      Pipeline: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: { DefinitionString: JSON.stringify(definition) },
      },
    },
  };
}

const regions = [...new Set(loadConfig(environments).environments.map((e) => e.region))];

test.each(GPU_TYPES)('%s is a GPU type', (type) => expect(instanceProcessor(type)).toBe('gpu'));

describe.each(regions.flatMap((region) => GPU_TYPES.map((type) => [region, type] as const)))(
  'in %s, %s',
  (region, type) => {
    const result = estimateEnvironment({ name: 'gpu', region, stacks: { Main: gpuTemplate(type) } });
    const endpoint = result.idle.find((l) => l.item === `SageMaker endpoint instances ${type}`)!;
    const [job] = result.trainingRuns[0].jobs;
    const table = PRICE_TABLE.regions[region];

    test('serving and training are priced from the table with its source and date, or reported missing naming type and region, never 0', () => {
      for (const [use, priced, line] of [
        ['real-time inference', table?.sagemakerRealTime[type], endpoint] as const,
        ['training', table?.sagemakerTraining[type], job] as const,
      ]) {
        if (priced) {
          expect(priced.source).toMatch(/^https:\/\/aws\.amazon\.com\//);
          expect(priced.asOf).not.toEqual('');
          expect(line.missing).toBeUndefined();
        } else {
          expect(line.missing).toMatch(
            new RegExp(`no price for SageMaker ${use} on ${type.replace(/\./g, '\\.')} in ${region}`),
          );
          expect(result.missing).toContainEqual(expect.stringContaining(line.missing!));
        }
      }
    });
  },
);
