import type { EnvironmentConfig, ModelConfig } from '../../config';
import { FrameworkImage } from '../../constructs';

/** The image that trains, processes and serves a model in an environment: its region's override, or the table's. */
export function modelImage(model: ModelConfig, environment: EnvironmentConfig): FrameworkImage {
  const uri = model.framework.imageUris?.[environment.region];
  return uri ? FrameworkImage.fromImageUri(uri) : FrameworkImage.sklearn(model.framework.version);
}

/** The Model Monitor image of a model in an environment, when overridden for its region (else the constructs' default). */
export function monitorImage(model: ModelConfig, environment: EnvironmentConfig): FrameworkImage | undefined {
  const uri = model.framework.monitorImageUris?.[environment.region];
  return uri ? FrameworkImage.fromImageUri(uri) : undefined;
}
