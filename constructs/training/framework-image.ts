import { Stack, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The SageMaker framework containers a model can train and be served in. Their registries, repositories,
 * versions and tag formats come from the SageMaker Python SDK's `image_uri_config/<framework>.json`
 * (aws/sagemaker-python-sdk, `sagemaker-core/src/sagemaker/core/image_uri_config/`, read at commit
 * a24812666d25, 2026-08-21) and its `image_uris.py` (`_format_tag`: `<version>-<processor>-<py>`).
 * A version is listed when the SDK has both a training and an inference image of it; the US
 * isolated regions (other ECR host names) are left out.
 */
export const FRAMEWORK_NAMES = ['sklearn', 'xgboost', 'pytorch'] as const;
/** A framework whose images SageMaker publishes (`FRAMEWORK_NAMES`). */
export type FrameworkName = (typeof FRAMEWORK_NAMES)[number];
import type { Processor } from './instance-processor';
import { TrainingDistribution } from './training-distribution';

export { instanceProcessor, type Processor } from './instance-processor';
/** Which image of a framework: the one jobs run (training, processing) or the one that serves. */
export type ImageScope = 'training' | 'inference';

/**
 * Accounts of the ECR registries that hold SageMaker's scikit-learn and XGBoost images, per region
 * (the same accounts in `sklearn.json` and `xgboost.json`, for every version, training and inference).
 */
const SKLEARN_XGBOOST_REGISTRIES: Readonly<Record<string, string>> = {
  'af-south-1': '510948584623',
  'ap-east-1': '651117190479',
  'ap-northeast-1': '354813040037',
  'ap-northeast-2': '366743142698',
  'ap-northeast-3': '867004704886',
  'ap-south-1': '720646828776',
  'ap-south-2': '628508329040',
  'ap-southeast-1': '121021644041',
  'ap-southeast-2': '783357654285',
  'ap-southeast-3': '951798379941',
  'ap-southeast-4': '106583098589',
  'ca-central-1': '341280168497',
  'ca-west-1': '190319476487',
  'cn-north-1': '450853457545',
  'cn-northwest-1': '451049120500',
  'eu-central-1': '492215442770',
  'eu-central-2': '680994064768',
  'eu-north-1': '662702820516',
  'eu-south-1': '978288397137',
  'eu-south-2': '104374241257',
  'eu-west-1': '141502667606',
  'eu-west-2': '764974769150',
  'eu-west-3': '659782779980',
  'il-central-1': '898809789911',
  'me-central-1': '272398656194',
  'me-south-1': '801668240914',
  'sa-east-1': '737474898029',
  'us-east-1': '683313688378',
  'us-east-2': '257758044811',
  'us-gov-east-1': '237065988967',
  'us-gov-west-1': '414596584902',
  'us-west-1': '746614075791',
  'us-west-2': '246618743249',
};

/**
 * Accounts of the ECR registries that hold the AWS Deep Learning Containers of PyTorch, per region
 * (`pytorch.json`, the same for every version listed below, training and inference).
 */
const PYTORCH_REGISTRIES: Readonly<Record<string, string>> = {
  'af-south-1': '626614931356',
  'ap-east-1': '871362719292',
  'ap-east-2': '975050140332',
  'ap-northeast-1': '763104351884',
  'ap-northeast-2': '763104351884',
  'ap-northeast-3': '364406365360',
  'ap-south-1': '763104351884',
  'ap-south-2': '772153158452',
  'ap-southeast-1': '763104351884',
  'ap-southeast-2': '763104351884',
  'ap-southeast-3': '907027046896',
  'ap-southeast-4': '457447274322',
  'ap-southeast-5': '550225433462',
  'ap-southeast-6': '633930458069',
  'ap-southeast-7': '590183813437',
  'ca-central-1': '763104351884',
  'ca-west-1': '204538143572',
  'cn-north-1': '727897471807',
  'cn-northwest-1': '727897471807',
  'eu-central-1': '763104351884',
  'eu-central-2': '380420809688',
  'eu-north-1': '763104351884',
  'eu-south-1': '692866216735',
  'eu-south-2': '503227376785',
  'eu-west-1': '763104351884',
  'eu-west-2': '763104351884',
  'eu-west-3': '763104351884',
  'il-central-1': '780543022126',
  'me-central-1': '914824155844',
  'me-south-1': '217643126080',
  'mx-central-1': '637423239942',
  'sa-east-1': '763104351884',
  'us-east-1': '763104351884',
  'us-east-2': '763104351884',
  'us-gov-east-1': '446045086412',
  'us-gov-west-1': '442386744353',
  'us-west-1': '763104351884',
  'us-west-2': '763104351884',
};

/**
 * Accounts of the ECR registries that hold SageMaker Model Monitor's analyzer image, per region
 * (from the SageMaker Python SDK's `image_uri_config/model-monitor.json`).
 */
const MODEL_MONITOR_REGISTRIES: Readonly<Record<string, string>> = {
  'ap-east-1': '001633400207',
  'ap-northeast-1': '574779866223',
  'ap-northeast-2': '709848358524',
  'ap-south-1': '126357580389',
  'ap-southeast-1': '245545462676',
  'ap-southeast-2': '563025443158',
  'ca-central-1': '536280801234',
  'cn-north-1': '453000072557',
  'cn-northwest-1': '453252182341',
  'eu-central-1': '048819808253',
  'eu-north-1': '895015795356',
  'eu-west-1': '468650794304',
  'eu-west-2': '749857270468',
  'eu-west-3': '680080141114',
  'me-south-1': '607024016150',
  'sa-east-1': '539772159869',
  'us-east-1': '156813124566',
  'us-east-2': '777275614652',
  'us-west-1': '890145073186',
  'us-west-2': '159807026194',
};

/** The images of one version of a framework. */
interface VersionImages {
  /** The processors it has images for; one image serves both where `processorInTag` is false. */
  readonly processors: readonly Processor[];
  /** Whether the tag names the processor (`<version>-cpu-py3`) or not (`<version>`). */
  readonly processorInTag: boolean;
  /** The Python version in the tag, when it has one. */
  readonly py?: string;
}

/** One framework's images: where they are, how their tags are made, what they can do. */
interface FrameworkTable {
  /** How messages name its images. */
  readonly title: string;
  /** How messages name the framework in a version error (`Invalid scikit-learn framework version`). */
  readonly framework: string;
  readonly registries: Readonly<Record<string, string>>;
  readonly repositories: Readonly<Record<ImageScope, string>>;
  readonly versions: Readonly<Record<string, VersionImages>>;
  /** Short versions the SDK accepts for a full one (`2.3` for `2.3.0`). */
  readonly aliases: Readonly<Record<string, string>>;
  /**
   * The distributions its images offer a training script besides `none` (one instance): PyTorch's
   * launchers (torchrun, mpirun), XGBoost's rabit tracker; scikit-learn has no distributed
   * training, so further instances would be paid for and idle. A script still shares the work
   * only if it declares and does it (`TrainingPipelineProps.distribution`).
   */
  readonly distributions: readonly TrainingDistribution[];
}

const cpuOnly = (py: string): VersionImages => ({ processors: ['cpu'], processorInTag: true, py });
const cpuAndGpu = (py: string): VersionImages => ({ processors: ['cpu', 'gpu'], processorInTag: true, py });
/** XGBoost 1.2-1 and later: one image (tag `<version>`) for CPU and GPU instances. */
const anyProcessor: VersionImages = { processors: ['cpu', 'gpu'], processorInTag: false };

const FRAMEWORK_TABLES: Readonly<Record<FrameworkName, FrameworkTable>> = {
  sklearn: {
    title: 'SageMaker scikit-learn',
    framework: 'scikit-learn',
    registries: SKLEARN_XGBOOST_REGISTRIES,
    repositories: { training: 'sagemaker-scikit-learn', inference: 'sagemaker-scikit-learn' },
    versions: Object.fromEntries(
      ['0.20.0', '0.23-1', '1.0-1', '1.2-1', '1.4-2-py312'].map((v) => [v, cpuOnly('py3')]),
    ),
    aliases: {},
    distributions: [],
  },
  xgboost: {
    title: 'SageMaker XGBoost',
    framework: 'XGBoost',
    registries: SKLEARN_XGBOOST_REGISTRIES,
    repositories: { training: 'sagemaker-xgboost', inference: 'sagemaker-xgboost' },
    versions: {
      ...Object.fromEntries(['0.90-1', '0.90-2', '1.0-1'].map((v) => [v, cpuOnly('py3')])),
      ...Object.fromEntries(
        ['1.2-1', '1.2-2', '1.3-1', '1.5-1', '1.7-1', '3.0-5', '3.2-0'].map((v) => [v, anyProcessor]),
      ),
    },
    aliases: {},
    distributions: [TrainingDistribution.XGBOOST_RABIT],
  },
  pytorch: {
    title: 'SageMaker PyTorch',
    framework: 'PyTorch',
    registries: PYTORCH_REGISTRIES,
    repositories: { training: 'pytorch-training', inference: 'pytorch-inference' },
    versions: {
      ...Object.fromEntries(
        ['1.9.0', '1.9.1', '1.10.0', '1.10.2', '1.11.0', '1.12.0', '1.12.1'].map((v) => [
          v,
          cpuAndGpu('py38'),
        ]),
      ),
      '1.13.1': cpuAndGpu('py39'),
      ...Object.fromEntries(['2.0.0', '2.0.1', '2.1.0', '2.2.0'].map((v) => [v, cpuAndGpu('py310')])),
      ...Object.fromEntries(['2.3.0', '2.4.0', '2.5.1'].map((v) => [v, cpuAndGpu('py311')])),
      '2.6.0': cpuAndGpu('py312'),
    },
    aliases: {
      '1.9': '1.9.1',
      '1.10': '1.10.2',
      '1.11': '1.11.0',
      '1.12': '1.12.1',
      '1.13': '1.13.1',
      '2.0': '2.0.1',
      '2.1': '2.1.0',
      '2.2': '2.2.0',
      '2.3': '2.3.0',
      '2.4': '2.4.0',
      '2.5': '2.5.1',
      '2.6': '2.6.0',
    },
    distributions: [TrainingDistribution.TORCH_DISTRIBUTED, TrainingDistribution.PYTORCH_DDP],
  },
};

/** What a configuration needs to know of one version of a framework. */
export interface FrameworkVersion {
  /** The version the images are tagged with (an alias resolved: `2.3` is `2.3.0`). */
  readonly version: string;
  /** The processors it has images for. */
  readonly processors: readonly Processor[];
  /** Whether each processor has its own image (true), or one image runs on all of them (false). */
  readonly variantPerProcessor: boolean;
  /** The distributions a training script of it may declare besides `none`. */
  readonly distributions: readonly TrainingDistribution[];
}

/**
 * The Python a SageMaker scikit-learn or XGBoost image runs, where it is recorded: their tags say
 * only `py3`. From the containers' Dockerfiles (aws/sagemaker-scikit-learn-container
 * docker/1.2-1/base/Dockerfile.cpu, aws/sagemaker-xgboost-container docker/1.7-1/base/Dockerfile.cpu).
 */
const RECORDED_CONTAINER_PYTHON: Readonly<Partial<Record<FrameworkName, Readonly<Record<string, string>>>>> =
  {
    sklearn: { '1.2-1': '3.9' },
    xgboost: { '1.7-1': '3.8' },
  };

/**
 * The Python version (`3.9`) the images of `version` of framework `name` run, or undefined when
 * it is not recorded: from the tag where it names one (`py311`), else from the Dockerfiles.
 */
export function containerPython(name: FrameworkName, version: string): string | undefined {
  const resolved = frameworkVersion(name, version);
  if (!resolved) return undefined;
  const tagged = /^py3(\d+)$/.exec(FRAMEWORK_TABLES[name].versions[resolved.version].py ?? '');
  return tagged ? `3.${tagged[1]}` : RECORDED_CONTAINER_PYTHON[name]?.[resolved.version];
}

/** A framework's versions (aliases included) and regions, for messages and validation. */
export interface FrameworkDescription {
  readonly title: string;
  readonly versions: readonly string[];
  readonly regions: readonly string[];
  /** The distributions a training script of it may declare besides `none`. */
  readonly distributions: readonly TrainingDistribution[];
}

/** Every framework `FrameworkImage` has a table for. */
export const FRAMEWORKS: Readonly<Record<FrameworkName, FrameworkDescription>> = {
  sklearn: describe(FRAMEWORK_TABLES.sklearn),
  xgboost: describe(FRAMEWORK_TABLES.xgboost),
  pytorch: describe(FRAMEWORK_TABLES.pytorch),
};

function describe(table: FrameworkTable): FrameworkDescription {
  return {
    title: table.title,
    versions: [...Object.keys(table.versions), ...Object.keys(table.aliases)],
    regions: Object.keys(table.registries),
    distributions: table.distributions,
  };
}

/** The images of `version` of framework `name`, or undefined when the table does not know that version. */
export function frameworkVersion(name: FrameworkName, version: string): FrameworkVersion | undefined {
  const table = FRAMEWORK_TABLES[name];
  const resolved = table.aliases[version] ?? version;
  const images = Object.hasOwn(table.versions, resolved) ? table.versions[resolved] : undefined;
  return (
    images && {
      version: resolved,
      processors: images.processors,
      variantPerProcessor: images.processorInTag && images.processors.length > 1,
      distributions: table.distributions,
    }
  );
}

/** The regions whose framework and Model Monitor images `FrameworkImage` knows. */
export const KNOWN_IMAGE_REGIONS = {
  sklearn: FRAMEWORKS.sklearn.regions,
  xgboost: FRAMEWORKS.xgboost.regions,
  pytorch: FRAMEWORKS.pytorch.regions,
  modelMonitor: Object.keys(MODEL_MONITOR_REGISTRIES),
} as const;

/** An image repository AWS publishes in a region: its registry account and name, and what it holds. */
export interface PublishedImageRepository {
  readonly account: string;
  readonly region: string;
  readonly repository: string;
  /** `SageMaker PyTorch training`, `SageMaker Model Monitor`, ... */
  readonly title: string;
}

/**
 * Every image repository of the tables in `region` (each framework's training and inference
 * repositories, and Model Monitor's): AWS's registries, whose repository policies let every account
 * pull; no other repository of those accounts is one of them.
 */
export function publishedImageRepositories(region: string): PublishedImageRepository[] {
  const frameworks = FRAMEWORK_NAMES.flatMap((name) => {
    const table = FRAMEWORK_TABLES[name];
    const account = table.registries[region];
    if (!account) return [];
    const repositories = new Set(Object.values(table.repositories));
    return [...repositories].map((repository) => ({
      account,
      region,
      repository,
      title: repositories.size > 1 ? `${table.title} ${repository}` : table.title,
    }));
  });
  const monitor = MODEL_MONITOR_REGISTRIES[region];
  return [
    ...frameworks,
    ...(monitor
      ? [
          {
            account: monitor,
            region,
            repository: 'sagemaker-model-monitor-analyzer',
            title: 'SageMaker Model Monitor',
          },
        ]
      : []),
  ];
}

/** Which image of a framework to use. */
export interface FrameworkImageOptions {
  /** @default 'training' (training and processing jobs) */
  readonly scope?: ImageScope;
  /** @default 'cpu' */
  readonly processor?: Processor;
}

/** The container image that runs a model's jobs and serves it. */
export abstract class FrameworkImage {
  /**
   * SageMaker's scikit-learn framework image (`sagemaker-scikit-learn:<version>-cpu-py3`, CPU only;
   * the same image trains and serves), resolved for the stack's region from a table. Synth fails
   * with a clear error in a region the table lacks; use `fromImageUri` there.
   * @param version the framework container version, e.g. `1.2-1`
   */
  public static sklearn(version: string, options?: FrameworkImageOptions): FrameworkImage {
    return new TableImage('sklearn', version, options);
  }

  /**
   * SageMaker's XGBoost framework image (`sagemaker-xgboost:<version>`: from 1.2-1 one image for CPU
   * and GPU instances; earlier versions `<version>-cpu-py3`, CPU only).
   * @param version the framework container version, e.g. `1.7-1`
   */
  public static xgboost(version: string, options?: FrameworkImageOptions): FrameworkImage {
    return new TableImage('xgboost', version, options);
  }

  /**
   * The PyTorch Deep Learning Container: `pytorch-training` for jobs and `pytorch-inference` to
   * serve, each `<version>-<cpu|gpu>-<py>` (e.g. `2.3.0-gpu-py311`).
   * @param version the PyTorch version, e.g. `2.3.0` or `2.3`
   */
  public static pytorch(version: string, options?: FrameworkImageOptions): FrameworkImage {
    return new TableImage('pytorch', version, options);
  }

  /** The image of framework `name` (one of `FRAMEWORK_NAMES`). */
  public static framework(
    name: FrameworkName,
    version: string,
    options?: FrameworkImageOptions,
  ): FrameworkImage {
    return new TableImage(name, version, options);
  }

  /**
   * SageMaker Model Monitor's analyzer (`sagemaker-model-monitor-analyzer`), which computes
   * data-quality baselines and checks captured data against them; resolved per region.
   */
  public static modelMonitor(): FrameworkImage {
    return new RegionalImage(
      'SageMaker Model Monitor',
      MODEL_MONITOR_REGISTRIES,
      'sagemaker-model-monitor-analyzer:latest',
    );
  }

  /** An image given by its full URI (`<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>`). */
  public static fromImageUri(uri: string): FrameworkImage {
    return new UriImage(uri);
  }

  /** The image URI for the stack that `scope` is in. */
  public abstract bind(scope: IConstruct): FrameworkImageConfig;
}

/** A resolved framework image. */
export interface FrameworkImageConfig {
  readonly imageUri: string;
  /** The ECR repository ARN, to grant pulling it; undefined when the URI is not an ECR one. */
  readonly repositoryArn?: string;
}

/** An image of one of `FRAMEWORK_TABLES`. */
class TableImage extends FrameworkImage {
  private readonly title: string;
  private readonly registries: Readonly<Record<string, string>>;
  private readonly repositoryAndTag: string;

  constructor(name: FrameworkName, version: string, options: FrameworkImageOptions = {}) {
    super();
    const table = FRAMEWORK_TABLES[name];
    const known = frameworkVersion(name, version);
    if (!known) {
      throw new Error(
        `Invalid ${table.framework} framework version '${version}': expected one of ${FRAMEWORKS[name].versions.join(', ')}`,
      );
    }
    const processor = options.processor ?? 'cpu';
    if (!known.processors.includes(processor)) {
      throw new Error(
        `${table.title} ${known.version} has no ${processor} image (only ${known.processors.join(', ')})`,
      );
    }
    const images = table.versions[known.version];
    const tag = [known.version, images.processorInTag ? processor : undefined, images.py]
      .filter((part) => part !== undefined)
      .join('-');
    this.title = table.title;
    this.repositoryAndTag = `${table.repositories[options.scope ?? 'training']}:${tag}`;
    this.registries = table.registries;
  }

  public bind(scope: IConstruct): FrameworkImageConfig {
    return new RegionalImage(this.title, this.registries, this.repositoryAndTag).bind(scope);
  }
}

/** An image AWS publishes in a registry per region. */
class RegionalImage extends FrameworkImage {
  constructor(
    private readonly what: string,
    private readonly registries: Readonly<Record<string, string>>,
    private readonly repositoryAndTag: string,
  ) {
    super();
  }

  public bind(scope: IConstruct): FrameworkImageConfig {
    const region = Stack.of(scope).region;
    if (Token.isUnresolved(region)) {
      throw new Error(
        `The ${this.what} image is chosen per region: give the stack of ${scope.node.path} an explicit region, or use FrameworkImage.fromImageUri`,
      );
    }
    const account = this.registries[region];
    if (!account) {
      throw new Error(
        `No ${this.what} image is known for region ${region} (known: ${Object.keys(this.registries).join(', ')}); ` +
          'give the image of that region explicitly (FrameworkImage.fromImageUri)',
      );
    }
    const suffix = region.startsWith('cn-') ? '.amazonaws.com.cn' : '.amazonaws.com';
    return new UriImage(`${account}.dkr.ecr.${region}${suffix}/${this.repositoryAndTag}`).bind(scope);
  }
}

class UriImage extends FrameworkImage {
  constructor(private readonly uri: string) {
    super();
  }

  public bind(scope: IConstruct): FrameworkImageConfig {
    const ecr = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/([^:@]+)[:@].+$/.exec(this.uri);
    if (!ecr) return { imageUri: this.uri };
    const [, account, region, , repository] = ecr;
    const partition = Stack.of(scope).partition;
    return {
      imageUri: this.uri,
      repositoryArn: `arn:${partition}:ecr:${region}:${account}:repository/${repository}`,
    };
  }
}
