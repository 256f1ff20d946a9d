import { CreateModelPackageCommand, type CreateModelPackageCommandInput } from '@aws-sdk/client-sagemaker';
import { parseArn } from '../../calls/arns';
import type { RunTimeCall } from '../../calls/run-time-call';
import { jobArn } from '../sagemaker-job/job-calls';
import type { TaskCallContext, TaskIntegration } from '../task-integration';
import { readRegistry } from './registry-reads';

const REGISTER = 'aws-sdk:sagemaker:createModelPackage';
const LIST = 'aws-sdk:sagemaker:listModelPackages';
const DESCRIBE = 'aws-sdk:sagemaker:describeModelPackage';

/**
 * The model registry through the SDK integration: the Register step (`createModelPackage`) and
 * the champion comparison's reads (`listModelPackages`, `describeModelPackage`). Not priced: the
 * registry has no charge. Locally: answered by the emulator's SageMaker.
 */
export const MODEL_REGISTRY: TaskIntegration = {
  apis: [REGISTER, LIST, DESCRIBE],
  deniedError: 'SageMaker.AmazonSageMakerException',
  calls(task, parameters) {
    const call = (action: string, resource: string, context?: RunTimeCall['context']): RunTimeCall => ({
      ...task.caller,
      action,
      resource,
      ...(context ? { context } : {}),
    });
    if (task.api === DESCRIBE) {
      const name = parameters.ModelPackageName;
      if (typeof name !== 'string')
        return { calls: [], problems: ['no ModelPackageName to derive calls from'] };
      // A versioned package is named by its ARN (`model-package/<group>/<version>`).
      if (!parseArn(name)) return { calls: [], problems: [`${name} is not a model package ARN`] };
      return { calls: [call('sagemaker:DescribeModelPackage', name)], problems: [] };
    }
    const group = parameters.ModelPackageGroupName;
    if (typeof group !== 'string') return { calls: [], problems: ['no ModelPackageGroupName'] };
    if (task.api === LIST) {
      // Listing a group's packages is authorized on its packages (`model-package/<group>/*`: the
      // service authorization reference gives ListModelPackages the model-package resource type).
      return { calls: [call('sagemaker:ListModelPackages', packageArn(task, group, '*'))], problems: [] };
    }
    const status = parameters.ModelApprovalStatus;
    return {
      calls: [
        call(
          'sagemaker:CreateModelPackage',
          packageArn(task, group, '1'),
          typeof status === 'string' ? { 'sagemaker:ModelApprovalStatus': status } : undefined,
        ),
      ],
      problems: [],
    };
  },
  async run({ api, clients: { sagemaker }, record }, parameters) {
    if (api === LIST || api === DESCRIBE) return readRegistry(sagemaker, api, parameters);
    const output = await sagemaker.send(
      new CreateModelPackageCommand(parameters as unknown as CreateModelPackageCommandInput),
    );
    record.registered.push(output.ModelPackageArn!);
    return { ModelPackageArn: output.ModelPackageArn };
  },
};

/** A package of `group` (named or by ARN): `model-package/<group>/<version>`. */
function packageArn({ stage }: TaskCallContext, group: string, version: string): string {
  const groupName = group.startsWith('arn:') ? parseArn(group)!.resource.split('/')[1] : group;
  return jobArn(stage, 'model-package', `${groupName}/${version}`);
}
