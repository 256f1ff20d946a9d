import type { Construct } from 'constructs';
import { type IMlDataStore, MlDataStore } from '../../../constructs';

/**
 * The environment's data store as used from another stack: buckets by name, so the stack takes
 * no CloudFormation export from Storage for them (only the key's ARN).
 */
export function dataStoreByName(scope: Construct, store: MlDataStore): IMlDataStore {
  if (!store.bucketNamePrefix) throw new Error(`${scope.node.path} needs a data store with named buckets`);
  return MlDataStore.fromMlDataStoreAttributes(scope, 'Data', {
    bucketNamePrefix: store.bucketNamePrefix,
    encryptionKey: store.encryptionKey,
  });
}
