import { join } from 'node:path';

/**
 * The repository root (where `cdk.json` lives), for the platform, its tools and commands that read
 * or write the repository's files. It lives in config/, the lowest layer not published with the
 * library, so that any folder of lib/ may import it without importing the app.
 */
export const REPO_ROOT = join(__dirname, '..');
