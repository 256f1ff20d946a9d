import { createHash } from 'node:crypto';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  EndpointVariant,
  MlDataStore,
  MlInstanceType,
  ModelEndpoint,
  type ModelEndpointProps,
} from '../../constructs';
import { estimateEnvironment } from '../../lib/tools/cost/estimate';
import { PRICE_TABLE } from '../../lib/tools/cost/prices';
import { testApp } from '../support/test-app';

/**
 * An asynchronous endpoint idles at zero instances, so its instance hours are an upper bound: its
 * autoscaling maximum all month, and the line says so. A shadow variant runs as many instances as
 * the production variant: a shadow test doubles the endpoint's instance hours.
 */
const TYPE = 'ml.m5.large';
const REGION = 'eu-west-1';
const HOURS = PRICE_TABLE.hoursPerMonth;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function estimate(props: Partial<ModelEndpointProps>) {
  const stack = new Stack(testApp(), 'Serving', { env: { account: '111111111111', region: REGION } });
  const dataStore = new MlDataStore(stack, 'Data', { bucketNamePrefix: 'test-data' });
  new ModelEndpoint(stack, 'Churn', {
    modelName: 'churn',
    modelPackageArn: 'arn:aws:sagemaker:eu-west-1:111111111111:model-package/mlenv-prod-churn/3',
    artifactFilesSha256: sha('served'),
    dataStore,
    variant: EndpointVariant.instances({ instanceType: MlInstanceType.of(TYPE), initialInstanceCount: 2 }),
    ...props,
  });
  const result = estimateEnvironment({
    name: 'test',
    region: REGION,
    stacks: { Serving: Template.fromStack(stack).toJSON() as never },
  });
  const line = result.idle.find((l) => l.item === `SageMaker endpoint instances ${TYPE}`)!;
  return { result, line };
}

test('an asynchronous endpoint is priced at its maximum instances all month, as an upper bound it states', () => {
  const { line, result } = estimate({
    variant: EndpointVariant.asynchronous({ instanceType: MlInstanceType.of(TYPE), maxInstances: 3 }),
  });
  expect(line.quantity).toBe(3 * HOURS);
  expect(line.note).toMatch(/asynchronous, idles at 0 instances; priced as an upper bound/);
  expect(line.usd).toBeGreaterThan(0);
  expect(result.missing).toEqual([]);
});

test('a shadow variant doubles the instance hours of the endpoint', () => {
  const without = estimate({}).line;
  const { line, result } = estimate({
    shadow: {
      modelPackageArn: 'arn:aws:sagemaker:eu-west-1:111111111111:model-package/mlenv-prod-churn/4',
      artifactFilesSha256: sha('candidate'),
    },
  });
  expect(without.quantity).toBe(2 * HOURS);
  expect(line.quantity).toBe(2 * without.quantity);
  expect(line.note).toMatch(/shadow variant/);
  expect(result.missing).toEqual([]);
});
