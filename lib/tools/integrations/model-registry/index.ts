import { CreateModelPackageCommand, type CreateModelPackageCommandInput } from '@aws-sdk/client-sagemaker';
import { parseArn } from '../../calls/arns';
import type { RunTimeCall } from '../../calls/run-time-call';
import { jobArn } from '../sagemaker-job/job-calls';
import type { TaskCallContext, TaskIntegration } from '../task-integration';
import { readRegistry } from './registry-reads';

/** The integration that registers a model package (the pipeline's Register step). */
export const REGISTER_MODEL_PACKAGE = 'aws-sdk:sagemaker:createModelPackage';
const LIST = 'aws-sdk:sagemaker:listModelPackages';
const DESCRIBE = 'aws-sdk:sagemaker:describeModelPackage';

/**
 * The model registry through the SDK integration: the Register step (`createModelPackage`) and
 * the champion comparison's reads (`listModelPackages`, `describeModelPackage`). Not priced: the
 * registry has no charge. Locally: answered by the emulator's SageMaker.
 */
export const MODEL_REGISTRY: TaskIntegration = {
  apis: [REGISTER_MODEL_PACKAGE, LIST, DESCRIBE],
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
  cost: { free: 'the model registry has no charge' },
  // A new package is version 1 of its group; reads find the `approvedPackages` of the group.
  sample({ api, where, answers }, parameters) {
    if (api === REGISTER_MODEL_PACKAGE) {
      return {
        ModelPackageArn: jobArn(where, 'model-package', `${String(parameters.ModelPackageGroupName)}/1`),
      };
    }
    if (api === LIST) {
      const group = String(parameters.ModelPackageGroupName).split('/').at(-1)!;
      const approved = parameters.ModelApprovalStatus === 'Approved' ? answers.approvedPackages?.(group) : [];
      return {
        ModelPackageSummaryList: (approved ?? [])
          .slice(0, typeof parameters.MaxResults === 'number' ? parameters.MaxResults : undefined)
          .map((p) => ({
            ModelPackageArn: p.ModelPackageArn,
            ModelPackageGroupName: group,
            ModelApprovalStatus: 'Approved',
          })),
      };
    }
    const group = /:model-package\/([^/]+)\/\d+$/.exec(String(parameters.ModelPackageName))?.[1] ?? '';
    const found = answers
      .approvedPackages?.(group)
      .find((p) => p.ModelPackageArn === parameters.ModelPackageName);
    if (!found)
      throw new Error(`no model package ${String(parameters.ModelPackageName)} in the sample registry`);
    return found;
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
