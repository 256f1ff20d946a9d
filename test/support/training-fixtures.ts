import { Stack } from 'aws-cdk-lib';
import { FrameworkImage, MlDataStore, ModelRegistry, type TrainingPipelineProps } from '../../constructs';
import { modelSourceCode } from '../../lib/platform/stacks/training-stack';
import { testApp } from './test-app';

/** The reference model's code (ml/models/churn and the library), as the platform ships it. */
export const SOURCE = modelSourceCode({ name: 'churn' });

/** A stack with a data store and a registry for one model, and the props a pipeline needs. */
export function pipelineFixture(region = 'eu-west-1') {
  const stack = new Stack(testApp(), 'Test', { env: { account: '123456789012', region } });
  const store = new MlDataStore(stack, 'Data', { bucketNamePrefix: 'test-data' });
  // Used by name, as the platform's Training stack does, so bucket names render literally.
  const dataStore = MlDataStore.fromMlDataStoreAttributes(stack, 'DataByName', {
    bucketNamePrefix: 'test-data',
    encryptionKey: store.encryptionKey,
  });
  const registry = new ModelRegistry(stack, 'Registry', { modelNames: ['churn'], groupNamePrefix: 'test' });
  const props: TrainingPipelineProps = {
    modelName: 'churn',
    dataStore,
    registry,
    image: FrameworkImage.sklearn('1.2-1'),
    sourceCode: SOURCE,
    qualityGate: { metric: 'auc', operator: '>=', threshold: 0.9 },
  };
  return { stack, dataStore, registry, props };
}
