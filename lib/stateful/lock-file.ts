import { join } from 'node:path';
import { REPO_ROOT } from '../app/cdk-context';

/** The checked-in lock of the logical ids of every environment's stateful resources. */
export const LOCK_FILE = join(REPO_ROOT, 'stateful-resources.lock.json');
