/** Transpile-only TypeScript (SWC): `tsc --noEmit` type-checks once, in scripts/test. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  snapshotSerializers: ['<rootDir>/test/support/asset-hash-serializer.ts'],
  setupFiles: ['<rootDir>/test/support/construct-test-apps.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 120000,
  // One worker per core: jest's default leaves one idle, and many tests wait on the emulator or Python.
  maxWorkers: '100%',
  cacheDirectory: '<rootDir>/.jest-cache',
};
