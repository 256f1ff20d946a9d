import { asObject, type JsonObject } from '../../../../cfn/json-values';
import { jobArn } from '../sagemaker-job/job-calls';
import type { SampleTask } from '../task-integration';
import { STOP_TRANSFORM_JOB } from './calls';

/**
 * A `.sync` transform job completed, as DescribeTransformJob answers it (botocore's
 * `DescribeTransformJobResponse`: name, ARN, status, model, input, output and resources echoed);
 * a stop answers nothing.
 */
export function transformJobSample({ api, where }: SampleTask, parameters: JsonObject): JsonObject {
  if (api === STOP_TRANSFORM_JOB) return {};
  const name = String(parameters.TransformJobName);
  return {
    TransformJobName: name,
    TransformJobArn: jobArn(where, 'transform-job', name),
    TransformJobStatus: 'Completed',
    ModelName: String(parameters.ModelName),
    TransformInput: asObject(parameters.TransformInput) ?? {},
    TransformOutput: asObject(parameters.TransformOutput) ?? {},
    TransformResources: asObject(parameters.TransformResources) ?? {},
    CreationTime: '2026-11-30T10:00:00.000Z',
  };
}
