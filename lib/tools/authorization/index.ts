/**
 * The authorization check of run-time calls: a model of every policy of a synthesized cloud
 * assembly (`AuthorizationModel.fromAssembly(assembly)`, `check(request)` with iam-simulate), the
 * calls the templates make at run time (`enumerateRunTimeCalls`), and the calls that must be
 * denied (other models' data, other environments, foreign accounts, confused deputies, promotion).
 */
export * from './authorization-model';
export * from './decision';
export * from '../calls/deployed-assembly';
export * from './image-isolation-calls';
export * from './isolation-calls';
export * from './package-isolation-calls';
export * from './promotion-calls';
export * from '../calls/run-time-call';
export * from './run-time-calls';
export * from './sample-execution';
