import { effectiveTraining, type EnvironmentConfig, type ModelConfig } from '../../../config';
import { FrameworkImage, instanceProcessor, type Processor } from '../../../constructs';

/** The images of a model in an environment. */
export interface ModelImages {
  /** What its training, preprocessing and evaluation jobs run. */
  readonly training: FrameworkImage;
  /** What its package records and its endpoint serves. */
  readonly inference: FrameworkImage;
}

/**
 * The images that train, process and serve a model in an environment: its region's override
 * (`framework.imageUris`, the only source for a custom image), else its framework's table, in the
 * variant of the instances that run it (CPU or GPU: the model's training instance type for jobs, the
 * serving one for the endpoint, CPU for a serverless endpoint). The configuration has refused
 * instance types an image cannot run on.
 */
export function modelImages(model: ModelConfig, environment: EnvironmentConfig): ModelImages {
  const { framework } = model;
  const uri = framework.imageUris?.[environment.region];
  if (uri) {
    const image = FrameworkImage.fromImageUri(uri);
    return { training: image, inference: image };
  }
  if (framework.name === 'custom') {
    throw new Error(
      `Model ${model.name} has a custom image but none for ${environment.region}: set framework.imageUris['${environment.region}']`,
    );
  }
  const serving = environment.serving;
  return {
    training: FrameworkImage.framework(framework.name, framework.version, {
      scope: 'training',
      processor: variant(effectiveTraining(environment, model.name).instanceType),
    }),
    inference: FrameworkImage.framework(framework.name, framework.version, {
      scope: 'inference',
      processor: serving.kind === 'instance' ? variant(serving.instanceType) : 'cpu',
    }),
  };
}

/** The image variant of an instance type (the configuration refuses types no variant runs on). */
function variant(instanceType: string): Processor {
  return instanceProcessor(instanceType) === 'gpu' ? 'gpu' : 'cpu';
}

/** The Model Monitor image of a model in an environment, when overridden for its region (else the constructs' default). */
export function monitorImage(model: ModelConfig, environment: EnvironmentConfig): FrameworkImage | undefined {
  const uri = model.framework.monitorImageUris?.[environment.region];
  return uri ? FrameworkImage.fromImageUri(uri) : undefined;
}
