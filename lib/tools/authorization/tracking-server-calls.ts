import { trackingServerArn } from '../../../constructs';
import type { DeployedResource } from '../calls/deployed-assembly';
import type { PolicyInventory } from '../calls/policy-inventory';
import { origin, type RunTimeCall } from '../calls/run-time-call';
import { type Caller, objectUnder, s3ReadCalls, s3WriteCalls } from '../calls/s3-object-calls';

/** A run's artifact as MLflow keys it under the artifact store: `<experiment id>/<run id>/artifacts/<path>`. */
const SAMPLE_ARTIFACT = `1/${'0123456789abcdef'.repeat(2)}/artifacts/model/model.pkl`;

/**
 * What a SageMaker managed MLflow tracking server does through its role: SageMaker assuming the
 * role (the server as `aws:SourceArn`), then storing and serving a run's artifacts under its
 * artifact store URI: writing one (with the bucket's default key, as MLflow names none), listing
 * the run's artifacts and reading one back.
 */
export function trackingServerCalls(inventory: PolicyInventory, server: DeployedResource): RunTimeCall[] {
  const { stage, path, properties } = server;
  const roleArn = String(properties.RoleArn);
  const serverArn = trackingServerArn(stage, String(properties.TrackingServerName));
  const caller = (what: string): Caller => ({
    stage: stage.id,
    principal: roleArn,
    ...origin(path, `artifacts ${what}`),
  });
  const artifact = objectUnder(String(properties.ArtifactStoreUri), SAMPLE_ARTIFACT);
  const runFolder = artifact.slice('s3://'.length).split('/').slice(1, -2).join('/');
  return [
    {
      stage: stage.id,
      ...origin(path, 'role'),
      principal: 'sagemaker.amazonaws.com',
      action: 'sts:AssumeRole',
      resource: roleArn,
      context: { 'aws:SourceAccount': stage.account, 'aws:SourceArn': serverArn },
    },
    ...s3WriteCalls(inventory, caller('written'), artifact),
    ...s3ReadCalls(inventory, caller('read'), artifact, { listPrefix: `${runFolder}/` }),
  ];
}
