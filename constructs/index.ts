export * from './storage/ml-data-store';
export * from './registry/model-registry';
export * from './training/framework-image';
export * from './training/ml-instance-type';
export * from './training/quality-gate';
export * from './training/source-code';
export * from './training/training-pipeline';
