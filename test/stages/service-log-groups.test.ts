import { platformAssembly } from '../support/platform';

const { assembly, config } = platformAssembly();

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };

/**
 * The log groups AWS services create for the environment's jobs, by the names their documentation
 * gives: SageMaker's per account and region for every training and processing job (data-quality
 * checks are processing jobs), SageMaker's `/aws/sagemaker/Endpoints/<endpoint name>` of each
 * endpoint, and Glue 5's `<--custom-logGroup-prefix>/output` and `/error` of each Spark job.
 */
describe.each(config.environments.map((env) => [env.name, env] as const))('environment %s', (_name, env) => {
  const stacks = assembly.stacksRecursively.filter((s) => s.hierarchicalId.startsWith(`${env.stageId}/`));
  const resources = stacks.flatMap((s) => Object.values(s.template.Resources as Record<string, Resource>));
  const declared = new Map(
    resources.filter((r) => r.Type === 'AWS::Logs::LogGroup').map((r) => [r.Properties.LogGroupName, r]),
  );
  const glueJobs = resources.filter((r) => r.Type === 'AWS::Glue::Job');
  const endpoints = resources.filter((r) => r.Type === 'AWS::SageMaker::Endpoint');
  const serviceGroups = [
    '/aws/sagemaker/TrainingJobs',
    '/aws/sagemaker/ProcessingJobs',
    ...endpoints.map((endpoint) => `/aws/sagemaker/Endpoints/${endpoint.Properties.EndpointName}`),
    ...glueJobs.flatMap((job) => {
      const prefix = job.Properties.DefaultArguments?.['--custom-logGroup-prefix'];
      return [`${prefix}/output`, `${prefix}/error`];
    }),
  ];
  const operationsKey = JSON.stringify(
    resources.find((r) => r.Type === 'AWS::Logs::LogGroup' && r.Properties.KmsKeyId)?.Properties.KmsKeyId,
  );

  test('every Spark job writes to groups of its own, under a prefix naming the environment', () => {
    expect(glueJobs.length).toBe(config.models.filter((m) => m.dataPipeline).length);
    for (const job of glueJobs) {
      expect(job.Properties.DefaultArguments['--custom-logGroup-prefix']).toMatch(
        new RegExp(`^/aws-glue/jobs/[a-z0-9-]*-${env.name}-[a-z0-9-]+$`),
      );
    }
  });

  test('every endpoint has a fixed name, and every model a group for its endpoint whether it is served yet or not', () => {
    for (const endpoint of endpoints) expect(typeof endpoint.Properties.EndpointName).toBe('string');
    for (const model of config.models) {
      const pattern = new RegExp(`^/aws/sagemaker/Endpoints/[a-z0-9-]*-${env.name}-${model.name}$`);
      expect([...declared.keys()].filter((name) => pattern.test(name))).toHaveLength(1);
    }
  });

  test.each(serviceGroups)(
    '%s is declared with the operations key, the log retention knob and the removal policy',
    (name) => {
      const group = declared.get(name);
      expect(group).toBeDefined();
      expect(group!.Properties.RetentionInDays).toBe(env.logRetentionDays);
      expect(operationsKey).toMatch(/OperationsKey/);
      expect(JSON.stringify(group!.Properties.KmsKeyId)).toBe(operationsKey);
      expect(group!.DeletionPolicy).toBe(env.removalPolicy === 'retain' ? 'Retain' : 'Delete');
    },
  );
});
