import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../../config';
import { MlDashboard, type MlDataStore } from '../../../constructs';
import { dataStoreByName } from './data-store-by-name';
import type { ModelStack } from './model-stack';

export interface DashboardStackProps extends StackProps {
  readonly project: string;
  readonly environment: EnvironmentConfig;
  readonly dataStore: MlDataStore;
  /** Every model's stack: its pipeline, and its endpoint where served. */
  readonly models: readonly ModelStack[];
}

/** The environment's dashboard: every model's pipeline and endpoint, and data capture. */
export class DashboardStack extends Stack {
  constructor(scope: Construct, id: string, props: DashboardStackProps) {
    super(scope, id, props);
    const { environment } = props;
    const dashboard = new MlDashboard(this, 'Dashboard', {
      dashboardName: `${props.project}-${environment.name}`,
    });
    for (const model of props.models) {
      dashboard.addPipeline(
        model.pipeline,
        model.trainingMetrics.map((m) => m.name),
      );
    }
    dashboard.addDataCapture(dataStoreByName(this, props.dataStore).monitoringBucket);
    for (const model of props.models) {
      if (model.endpoint) {
        dashboard.addEndpoint(
          model.endpoint,
          model.pipeline.modelName,
          environment.serving.kind === 'instance',
        );
      }
    }
  }
}
