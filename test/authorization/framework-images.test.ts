import { modelCodeDirectory, type MlEnvConfigInput } from '../../config';
import { environments } from '../../config/environments';
import { FRAMEWORK_NAMES, type FrameworkName } from '../../constructs';
import { pascalCase } from '../../cfn/pascal-case';
import { otherImageCalls, type RunTimeCall } from '../../lib/tools/authorization';
import {
  type Checked,
  checkAll,
  cleanlyAllowed,
  cleanlyDenied,
  describeChecked,
} from '../support/checked-calls';
import sdk from '../training/sagemaker-sdk-image-uris.json';
import { pinnedPlatform } from './pinned-platform';

/** A version of each framework (the SDK's image tables list it for training and inference). */
const VERSIONS: Record<FrameworkName, string> = { sklearn: '1.2-1', xgboost: '1.7-1', pytorch: '2.3' };

/** The committed configuration, plus a served model of each framework (churn's settings and code). */
function withEveryFramework(): MlEnvConfigInput {
  const input = structuredClone(environments);
  const [first] = input.models;
  const { dataPipeline: _none, ...model } = first;
  input.models.push(
    ...FRAMEWORK_NAMES.map((name) => ({
      ...model,
      name: `image-${name}`,
      framework: { name, version: VERSIONS[name] },
      code: modelCodeDirectory(first),
    })),
  );
  return input;
}

/** The repository ARN the SageMaker SDK's image table names for a framework's image in a region. */
function sdkRepository(name: FrameworkName, scope: 'training' | 'inference', region: string): string {
  const config = (sdk as unknown as Record<string, Record<string, any>>)[name][scope];
  const entry = config.versions[config.version_aliases?.[VERSIONS[name]] ?? VERSIONS[name]];
  return `arn:aws:ecr:${region}:${entry.registries[region]}:repository/${entry.repository}`;
}

const platform = pinnedPlatform(withEveryFramework());
const checked: Record<'pulls' | 'others', Checked[]> = { pulls: [], others: [] };
let calls: readonly RunTimeCall[] = [];

beforeAll(async () => {
  calls = (await platform.enumerate()).calls;
  checked.pulls = await checkAll(
    platform.authz,
    calls.filter((c) => c.action.startsWith('ecr:')),
  );
  checked.others = await checkAll(platform.authz, otherImageCalls(calls));
});

/** The repositories the role of `model`'s jobs (`Model/`) or endpoint pulls, in a stage. */
function pulledBy(stage: string, model: string, where: 'jobs' | 'endpoint'): string[] {
  const prefix = `${pascalCase(model)}Model/`;
  const repositories = checked.pulls
    .filter((c) => c.call.stage === stage && c.call.action === 'ecr:BatchGetImage')
    .filter((c) =>
      where === 'jobs'
        ? c.call.originPath.startsWith(prefix) && !c.call.originPath.includes('Endpoint')
        : c.call.originPath.includes(`${pascalCase(model)}Endpoint`),
    )
    .map((c) => c.call.resource);
  return [...new Set(repositories)].sort();
}

describe.each(platform.config.environments.map((e) => [e.name, e] as const))(
  'environment %s',
  (_name, env) => {
    const ofStage = (kind: 'pulls' | 'others') => checked[kind].filter((c) => c.call.stage === env.stageId);

    test('every image pull of its jobs and endpoints is allowed, from the registry accounts of the frameworks', () => {
      expect(ofStage('pulls').length).toBeGreaterThan(0);
      expect(
        ofStage('pulls')
          .filter((c) => !cleanlyAllowed(c))
          .map(describeChecked),
      ).toEqual([]);
    });

    test.each(FRAMEWORK_NAMES.map((n) => [n] as const))(
      "a model of %s: its job role pulls its training image, its endpoint role its inference image: the SDK's repositories",
      (name) => {
        const model = `image-${name}`;
        const jobs = pulledBy(env.stageId, model, 'jobs');
        expect(jobs).toContain(sdkRepository(name, 'training', env.region));
        // Beside the training image, only Model Monitor's (the baseline step).
        expect(jobs.filter((r) => r !== sdkRepository(name, 'training', env.region))).toEqual([
          expect.stringMatching(/:repository\/sagemaker-model-monitor-analyzer$/),
        ]);
        expect(pulledBy(env.stageId, model, 'endpoint')).toEqual([
          sdkRepository(name, 'inference', env.region),
        ]);
      },
    );

    test("no role pulls another framework's repository (their policies let every account pull: the role's own policy denies)", () => {
      const others = ofStage('others');
      expect(others.filter((c) => !cleanlyDenied(c)).map(describeChecked)).toEqual([]);
      // Each framework model's job role was tried on every other framework's training repository.
      for (const name of FRAMEWORK_NAMES) {
        const jobRoles = new Set(
          ofStage('pulls')
            .filter((c) => c.call.originPath.startsWith(`${pascalCase(`image-${name}`)}Model/`))
            .map((c) => c.call.principal),
        );
        expect(jobRoles.size).toBeGreaterThan(0);
        for (const other of FRAMEWORK_NAMES.filter((n) => n !== name)) {
          const tried = others.filter(
            (c) =>
              jobRoles.has(c.call.principal) &&
              c.call.resource === sdkRepository(other, 'training', env.region),
          );
          expect([name, other, tried.length > 0]).toEqual([name, other, true]);
        }
      }
    });
  },
);
