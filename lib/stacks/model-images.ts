import type { ModelConfig } from '../../config';
import { FrameworkImage } from '../../constructs';

/** The image that trains, processes and serves a configured model: its override, or the table's. */
export function modelImage(model: ModelConfig): FrameworkImage {
  return model.framework.imageUri
    ? FrameworkImage.fromImageUri(model.framework.imageUri)
    : FrameworkImage.sklearn(model.framework.version);
}

/** The Model Monitor image of a configured model, when overridden (else the constructs' default). */
export function monitorImage(model: ModelConfig): FrameworkImage | undefined {
  return model.framework.monitorImageUri
    ? FrameworkImage.fromImageUri(model.framework.monitorImageUri)
    : undefined;
}
