import { join } from 'node:path';
import { REPO_ROOT } from '../../../../config/repo-root';

/**
 * AWS images that a job runs with their own entrypoint, and the local stand-in that takes the
 * same contract (environment variables, /opt/ml paths) on this machine. Each stand-in says in
 * its output that it is one.
 */
const STAND_INS: ReadonlyArray<{ readonly repository: RegExp; readonly entrypoint: readonly string[] }> = [
  {
    // SageMaker Model Monitor's analyzer: data-quality baselines and checks.
    repository: /\/sagemaker-model-monitor-analyzer[:@]/,
    entrypoint: ['python3', join(REPO_ROOT, 'lib', 'local', 'python', 'model_monitor_standin.py')],
  },
];

/** The local entrypoint of an image that brings its own, or undefined when there is no stand-in. */
export function standInEntrypoint(imageUri: string): string[] | undefined {
  const found = STAND_INS.find((s) => s.repository.test(imageUri));
  return found ? [...found.entrypoint] : undefined;
}
