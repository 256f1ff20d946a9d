import { serialize, test as matches } from './asset-hash-serializer';

test('replaces asset hashes inside strings and leaves other strings alone', () => {
  const hash = 'a'.repeat(64);
  expect(matches(`cdk-assets/${hash}.zip`)).toBe(true);
  expect(serialize(`cdk-assets/${hash}.zip`)).toBe('"cdk-assets/<asset-hash>.zip"');
  expect(matches('DataRawBucket6F632241')).toBe(false);
});
