import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../config';
import { MlDataStore } from '../../constructs';
import { acknowledgeStorageFindings } from '../compliance/storage-acknowledgements';

export interface StorageStackProps extends StackProps {
  readonly environment: EnvironmentConfig;
}

/**
 * The environment's stateful data: buckets and their key. Kept apart from stateless stacks so
 * those can be replaced without touching data.
 */
export class StorageStack extends Stack {
  public readonly dataStore: MlDataStore;

  constructor(scope: Construct, id: string, props: StorageStackProps) {
    super(scope, id, props);
    const { environment } = props;

    this.dataStore = new MlDataStore(this, 'Data', {
      removalPolicy: environment.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      noncurrentVersionExpiration: Duration.days(environment.noncurrentVersionDays),
      accessLogsExpiration: Duration.days(environment.logRetentionDays),
    });
    acknowledgeStorageFindings(this.dataStore);
  }
}
