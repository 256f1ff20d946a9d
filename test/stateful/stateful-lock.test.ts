import { readFileSync } from 'node:fs';
import { LOCK_FILE } from '../../lib/stateful/lock-file';
import { lockProblems, type StatefulLock, statefulResources } from '../../lib/stateful/lock';
import { platformAssembly } from '../support/platform';

const { assembly, config } = platformAssembly();
const current = statefulResources(assembly);
const locked = JSON.parse(readFileSync(LOCK_FILE, 'utf8')) as StatefulLock;

describe('stateful resources lock', () => {
  test('no locked stateful resource would disappear or change, and every stateful resource is locked', () => {
    expect(lockProblems(locked, current).join('\n')).toBe('');
  });

  test('the lock covers data, keys, registries and audit logs in every environment', () => {
    for (const env of config.environments) {
      const types = Object.entries(locked)
        .filter(([stack]) => stack.startsWith(`${env.stageId}/`))
        .flatMap(([, resources]) => Object.values(resources));
      expect(new Set(types)).toEqual(
        new Set([
          'AWS::S3::Bucket',
          'AWS::KMS::Key',
          'AWS::SageMaker::ModelPackageGroup',
          'AWS::Logs::LogGroup',
        ]),
      );
    }
  });

  test('a renamed bucket is reported as data that would be replaced, with how to update the lock', () => {
    const renamed = structuredClone(current);
    const storage = renamed['Prod/Storage'];
    storage.RenamedRawBucket1234 = storage.DataRawBucket6F632241;
    delete storage.DataRawBucket6F632241;
    expect(lockProblems(locked, renamed)).toEqual([
      expect.stringMatching(
        /^Prod\/Storage\/DataRawBucket6F632241 \(AWS::S3::Bucket\) would be deleted or replaced: .*npm run stateful-lock -- --update/,
      ),
      expect.stringMatching(
        /^Prod\/Storage\/RenamedRawBucket1234 \(AWS::S3::Bucket\) is stateful but not locked yet/,
      ),
    ]);
  });

  test('a changed type is reported', () => {
    const changed = structuredClone(current);
    changed['Dev/Storage'].DataKey5F086070 = 'AWS::S3::Bucket';
    expect(lockProblems(locked, changed)).toEqual([
      expect.stringMatching(
        /^Dev\/Storage\/DataKey5F086070 changes type from AWS::KMS::Key to AWS::S3::Bucket/,
      ),
    ]);
  });
});
