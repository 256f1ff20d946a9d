/** Where the generated workflows live, relative to the repository root. */
export const TEST_WORKFLOW = '.github/workflows/test.yml';
export const DEPLOY_WORKFLOW = '.github/workflows/deploy.yml';
