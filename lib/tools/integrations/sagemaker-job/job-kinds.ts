/**
 * The two kinds of SageMaker job a pipeline starts, by integration: the field that names the job,
 * its ARN's resource type, its noun in SageMaker's actions and managed rule, and where its request
 * keeps its instances (what the cost of a job reads).
 */
export const JOB_KINDS = {
  'sagemaker:createTrainingJob': {
    kind: 'training',
    nameField: 'TrainingJobName',
    noun: 'Training',
    instances: 'ResourceConfig',
  },
  'sagemaker:createProcessingJob': {
    kind: 'processing',
    nameField: 'ProcessingJobName',
    noun: 'Processing',
    instances: 'ProcessingResources.ClusterConfig',
  },
} as const;

export type JobApi = keyof typeof JOB_KINDS;
