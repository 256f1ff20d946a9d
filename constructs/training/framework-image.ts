import { Stack, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Accounts of the ECR registries that hold SageMaker's scikit-learn framework images, per region
 * (the same for training, processing and inference images; from the SageMaker Python SDK's
 * `image_uri_config/sklearn.json`).
 */
const SKLEARN_REGISTRIES: Readonly<Record<string, string>> = {
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

/** The regions whose SageMaker scikit-learn and Model Monitor images `FrameworkImage` knows. */
export const KNOWN_IMAGE_REGIONS = {
  sklearn: Object.keys(SKLEARN_REGISTRIES),
  modelMonitor: Object.keys(MODEL_MONITOR_REGISTRIES),
} as const;

/** The container image that runs a model's jobs and serves it. */
export abstract class FrameworkImage {
  /**
   * SageMaker's scikit-learn framework image (`sagemaker-scikit-learn:<version>-cpu-py3`), resolved
   * for the stack's region from a table. Synth fails with a clear error in a region the table
   * lacks; use `fromImageUri` there.
   * @param version the framework container version, e.g. `1.2-1`
   */
  public static sklearn(version: string): FrameworkImage {
    return new SklearnImage(version);
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

class SklearnImage extends FrameworkImage {
  constructor(private readonly version: string) {
    super();
    if (!/^\d+\.\d+-\d+$/.test(version)) {
      throw new Error(`Invalid scikit-learn framework version '${version}': expected e.g. '1.2-1'`);
    }
  }

  public bind(scope: IConstruct): FrameworkImageConfig {
    return new RegionalImage(
      'SageMaker scikit-learn',
      SKLEARN_REGISTRIES,
      `sagemaker-scikit-learn:${this.version}-cpu-py3`,
    ).bind(scope);
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
