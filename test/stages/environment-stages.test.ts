import { platformAssembly } from '../support/platform';

const { assembly, config } = platformAssembly();
const stacks = assembly.stacksRecursively;

describe('one stage per environment', () => {
  test('stage ids follow the environments, each with a Storage stack in its own account and region', () => {
    expect(stacks.map((s) => s.hierarchicalId).sort()).toEqual([
      'Dev/Storage',
      'Local/Storage',
      'Prod/Storage',
      'Staging/Storage',
    ]);
    for (const env of config.environments) {
      const storage = stacks.find((s) => s.hierarchicalId === `${env.stageId}/Storage`);
      expect(storage?.environment).toMatchObject({ account: env.account, region: env.region });
      expect(storage?.stackName).toBe(`${env.stageId}-Storage`);
    }
  });

  test.each(stacks.map((s) => [s.hierarchicalId, s] as const))(
    'every taggable resource of %s carries project, environment and cost centre',
    (id, stack) => {
      const env = config.environments.find((e) => id.startsWith(`${e.stageId}/`))!;
      const resources = Object.entries(
        stack.template.Resources as Record<string, { Type: string; Properties?: { Tags?: unknown } }>,
      );
      const taggable = resources.filter(([, r]) => ['AWS::S3::Bucket', 'AWS::KMS::Key'].includes(r.Type));
      expect(taggable.length).toBeGreaterThan(0);
      for (const [, resource] of taggable) {
        expect(resource.Properties?.Tags).toEqual(
          expect.arrayContaining([
            { Key: 'mlenv:project', Value: config.project },
            { Key: 'mlenv:environment', Value: env.name },
            { Key: 'mlenv:cost-centre', Value: env.costCentre },
          ]),
        );
      }
    },
  );

  test.each(stacks.map((s) => [s.hierarchicalId, s] as const))('%s matches its snapshot', (_id, stack) => {
    expect(stack.template).toMatchSnapshot();
  });

  test('stateful resources keep their logical ids (renaming one would replace data)', () => {
    for (const env of config.environments) {
      const storage = stacks.find((s) => s.hierarchicalId === `${env.stageId}/Storage`)!;
      const stateful = Object.entries(storage.template.Resources as Record<string, { Type: string }>)
        .filter(([, r]) => ['AWS::S3::Bucket', 'AWS::KMS::Key'].includes(r.Type))
        .map(([id]) => id)
        .sort();
      expect(stateful).toEqual([
        'DataAccessLogsBucketC3B60382',
        'DataCuratedBucket742A53C1',
        'DataKey5F086070',
        'DataModelsBucketB7310030',
        'DataMonitoringBucketB060B901',
        'DataRawBucket6F632241',
      ]);
    }
  });

  test('staging and prod retain their data; local and dev may delete it', () => {
    for (const env of config.environments) {
      const storage = stacks.find((s) => s.hierarchicalId === `${env.stageId}/Storage`)!;
      const expected = ['staging', 'prod'].includes(env.name) ? 'Retain' : 'Delete';
      for (const resource of Object.values(storage.template.Resources as Record<string, { Type: string }>)) {
        if (!['AWS::S3::Bucket', 'AWS::KMS::Key'].includes(resource.Type)) continue;
        expect(resource).toMatchObject({ DeletionPolicy: expected, UpdateReplacePolicy: expected });
      }
    }
  });
});
