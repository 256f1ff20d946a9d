import { App, Stack } from 'aws-cdk-lib';
import {
  FRAMEWORK_NAMES,
  FRAMEWORKS,
  FrameworkImage,
  type FrameworkName,
  frameworkVersion,
  type ImageScope,
  instanceProcessor,
  type Processor,
} from '../../constructs';
import sdk from './sagemaker-sdk-image-uris.json';

/** One scope of a framework in the SageMaker Python SDK's image_uri_config (the fixture is an extract). */
interface SdkScope {
  readonly processors?: string[];
  readonly version_aliases?: Record<string, string>;
  readonly versions: Record<
    string,
    {
      readonly registries: Record<string, string>;
      readonly repository: string;
      readonly processors?: string[];
      readonly py_versions?: string[];
    }
  >;
}
const sdkScope = (name: FrameworkName, scope: ImageScope) =>
  (sdk as unknown as Record<FrameworkName, Record<ImageScope, SdkScope>>)[name][scope];

/** Regions whose ECR host names are not `amazonaws.com[.cn]`: left out of the tables on purpose. */
const isolated = (region: string) => /-iso[a-z]?-/.test(region);

/**
 * The URI the SDK's `image_uris.retrieve` builds: `<registry>.dkr.ecr.<region>.<host>/<repo>:<tag>`,
 * the tag `_format_tag(version, processor, py_version)`, the processor only where the config lists
 * processors, the Python version only where it lists one.
 */
function sdkUri(
  name: FrameworkName,
  scope: ImageScope,
  version: string,
  processor: Processor,
  region: string,
) {
  const config = sdkScope(name, scope);
  const resolved = config.version_aliases?.[version] ?? version;
  const entry = config.versions[resolved];
  const processors = config.processors ?? entry.processors;
  const tag = [resolved, processors ? processor : undefined, entry.py_versions?.[0]]
    .filter(Boolean)
    .join('-');
  const host = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `${entry.registries[region]}.dkr.ecr.${region}.${host}/${entry.repository}:${tag}`;
}

const app = new App();
const stacks = new Map<string, Stack>();
const stackIn = (region: string) => {
  if (!stacks.has(region)) stacks.set(region, new Stack(app, `In${region}`, { env: { region } }));
  return stacks.get(region)!;
};

describe.each(FRAMEWORK_NAMES.map((name) => [name] as const))('%s images', (name) => {
  const versions = FRAMEWORKS[name].versions;

  test('every version it lists has a training and an inference image in the SDK, and every version of the SDK it lists is known', () => {
    for (const version of versions) {
      for (const scope of ['training', 'inference'] as const) {
        const config = sdkScope(name, scope);
        expect(config.versions[config.version_aliases?.[version] ?? version]).toBeDefined();
      }
    }
    expect(
      Object.keys(sdkScope(name, 'training').versions).filter((v) => !frameworkVersion(name, v)),
    ).toEqual([]);
  });

  test.each(['training', 'inference'] as const)(
    'the %s image of every version, processor and region is the one the SDK names',
    (scope) => {
      let checked = 0;
      for (const version of versions) {
        const known = frameworkVersion(name, version)!;
        const sdkEntry = sdkScope(name, scope).versions[known.version];
        const regions = Object.keys(sdkEntry.registries).filter((r) => !isolated(r));
        // Every region AWS publishes the version in (outside the isolated partitions) is in the table.
        expect(regions.filter((r) => !FRAMEWORKS[name].regions.includes(r))).toEqual([]);
        for (const processor of known.processors) {
          const image = FrameworkImage.framework(name, version, { scope, processor });
          for (const region of regions) {
            expect(image.bind(stackIn(region)).imageUri).toBe(
              sdkUri(name, scope, version, processor, region),
            );
            checked++;
          }
        }
      }
      expect(checked).toBeGreaterThan(versions.length * 30);
    },
  );

  test('a processor it has no image for, and a version the SDK does not list, are refused with one line', () => {
    for (const version of versions) {
      const known = frameworkVersion(name, version)!;
      const sdkProcessors =
        sdkScope(name, 'training').processors ??
        sdkScope(name, 'training').versions[known.version].processors;
      // CPU only where the SDK lists only cpu; otherwise (both listed, or one image for any) both.
      expect([...known.processors]).toEqual(
        sdkProcessors && !sdkProcessors.includes('gpu') ? ['cpu'] : ['cpu', 'gpu'],
      );
      for (const processor of (['cpu', 'gpu'] as const).filter((p) => !known.processors.includes(p))) {
        expect(() => FrameworkImage.framework(name, version, { processor })).toThrow(
          `${FRAMEWORKS[name].title} ${known.version} has no ${processor} image (only ${known.processors.join(', ')})`,
        );
      }
    }
    expect(() => FrameworkImage.framework(name, '0.0-0')).toThrow(
      new RegExp(
        `^Invalid .* framework version '0\\.0-0': expected one of ${versions[0].replace(/\./g, '\\.')}, `,
      ),
    );
  });
});

test('scikit-learn has no GPU image; XGBoost from 1.2-1 and PyTorch have both', () => {
  expect(frameworkVersion('sklearn', '1.2-1')?.processors).toEqual(['cpu']);
  expect(frameworkVersion('xgboost', '1.7-1')).toMatchObject({
    processors: ['cpu', 'gpu'],
    variantPerProcessor: false,
  });
  expect(frameworkVersion('pytorch', '2.3')).toMatchObject({
    version: '2.3.0',
    processors: ['cpu', 'gpu'],
    variantPerProcessor: true,
  });
});

test('jobs and endpoints of PyTorch run different repositories; scikit-learn and XGBoost one each', () => {
  const region = stackIn('eu-west-1');
  const repository = (name: FrameworkName, version: string, scope: ImageScope) =>
    /\/([^:]+):/.exec(FrameworkImage.framework(name, version, { scope }).bind(region).imageUri)![1];
  expect(repository('pytorch', '2.3', 'training')).toBe('pytorch-training');
  expect(repository('pytorch', '2.3', 'inference')).toBe('pytorch-inference');
  expect(repository('sklearn', '1.2-1', 'inference')).toBe(repository('sklearn', '1.2-1', 'training'));
  expect(repository('xgboost', '1.7-1', 'inference')).toBe(repository('xgboost', '1.7-1', 'training'));
});

test.each([
  ['ml.m5.large', 'cpu'],
  ['ml.c7g.xlarge', 'cpu'],
  ['ml.t3.medium', 'cpu'],
  ['ml.g4dn.xlarge', 'gpu'],
  ['ml.g5.2xlarge', 'gpu'],
  ['ml.p3.2xlarge', 'gpu'],
  ['ml.p4d.24xlarge', 'gpu'],
  ['ml.inf2.xlarge', 'neuron'],
  ['ml.trn1.2xlarge', 'neuron'],
])('%s is a %s instance type (the SDK rule: g and p families are GPU)', (type, processor) => {
  expect(instanceProcessor(type)).toBe(processor);
});

test('an image given by URI is pulled from its own repository; a non-ECR one gets no pull grant', () => {
  const uri = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/my-model:1.0';
  const bound = FrameworkImage.fromImageUri(uri).bind(stackIn('eu-west-1'));
  expect(bound.imageUri).toBe(uri);
  expect(bound.repositoryArn).toMatch(/^arn:.+:ecr:eu-west-1:123456789012:repository\/team\/my-model$/);
  expect(
    FrameworkImage.fromImageUri('public.ecr.aws/x/y:1').bind(stackIn('eu-west-1')).repositoryArn,
  ).toBeUndefined();
});
