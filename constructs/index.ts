export * from './storage/ml-data-store';
