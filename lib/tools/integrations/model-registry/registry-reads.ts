import {
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  type ListModelPackagesCommandInput,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import type { JsonObject } from '../../../../cfn/json-values';

/**
 * A read of a model registry (`sagemaker:listModelPackages`, `sagemaker:describeModelPackage`)
 * with a Task state's parameters, answered as Step Functions' SDK integration answers it: the
 * response as JSON (dates as ISO 8601 strings), without the SDK's `$metadata`.
 */
export async function readRegistry(
  sagemaker: Pick<SageMakerClient, 'send'>,
  integration: 'aws-sdk:sagemaker:listModelPackages' | 'aws-sdk:sagemaker:describeModelPackage',
  parameters: JsonObject,
): Promise<JsonObject> {
  const output =
    integration === 'aws-sdk:sagemaker:listModelPackages'
      ? await sagemaker.send(
          new ListModelPackagesCommand(parameters as unknown as ListModelPackagesCommandInput),
        )
      : await sagemaker.send(
          new DescribeModelPackageCommand({ ModelPackageName: String(parameters.ModelPackageName) }),
        );
  const { $metadata: _metadata, ...result } = output;
  return JSON.parse(JSON.stringify(result)) as JsonObject;
}
