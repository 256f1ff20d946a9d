/**
 * Three tiers, one jest project each. test/support/test-tiers.json says which test file runs in
 * which (test/support/test-tiers.test.ts checks it against what the files import):
 *
 * - unit: constructs, configuration and logic, in the jest process (and a quick git, tar or
 *   Python one-liner); no platform synthesis. `npm run test:unit`, the fast loop.
 * - platform: reads the platform that global setup synthesizes once per run
 *   (test/support/platform.ts), or synthesizes a variant of it: nag, lint, parity, authorization,
 *   the stateful lock, the stages.
 * - e2e: runs the platform outside the jest process: the emulator, local jobs and the ml/ Python
 *   code, an MLflow server, the mlenv command as a process, the lifecycle, the worked example,
 *   50 models. It reads the shared synthesis too.
 *
 * A test file listed in neither `unit` nor `e2e` runs in platform: the tier with the shared
 * synthesis runs any test correctly, at worst slower than it needs to. List a new test under
 * `unit` when it imports neither test/support/platform.ts nor the platform's synthesis.
 */
const tiers = require('./test/support/test-tiers.json');

/** Transpile-only TypeScript (SWC): `tsc --noEmit` type-checks once, in scripts/test. */
const project = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  snapshotSerializers: ['<rootDir>/test/support/asset-hash-serializer.ts'],
  setupFiles: ['<rootDir>/test/support/construct-test-apps.ts'],
  cacheDirectory: '<rootDir>/.jest-cache',
  // Compiled modules kept between test files and runs (MLENV_JEST_CODE_CACHE=off compiles each anew).
  ...(process.env.MLENV_JEST_CODE_CACHE === 'off'
    ? {}
    : { runtime: '<rootDir>/test/support/code-caching-runtime.cjs' }),
};

/**
 * The platform synthesized once per run, for the tiers that read it. Jest runs a global setup only
 * for the projects that have tests in the run, and each module once: `jest --selectProjects unit`
 * synthesizes nothing, and a run of both other tiers synthesizes once.
 */
const sharedSynthesis = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};

const inRepository = (files) => files.map((file) => `<rootDir>/${file}`);
const escapeRegex = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const listed = [...tiers.unit, ...tiers.e2e].map((file) => `^${escapeRegex(`${__dirname}/${file}`)}$`);

module.exports = {
  testTimeout: 120000,
  // One worker per core: jest's default leaves one idle, and many tests wait on the emulator or Python.
  maxWorkers: '100%',
  projects: [
    { ...project, displayName: 'unit', testMatch: inRepository(tiers.unit) },
    {
      ...project,
      ...sharedSynthesis,
      displayName: 'platform',
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...listed],
    },
    { ...project, ...sharedSynthesis, displayName: 'e2e', testMatch: inRepository(tiers.e2e) },
  ],
};
