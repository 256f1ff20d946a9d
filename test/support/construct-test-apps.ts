/**
 * Construct tests synthesize small apps that are never deployed: aws-cdk-lib's built-in
 * CloudFormation validation adds nothing there and starts an engine in each test file (about 2.5 s).
 * It is off for them; the platform's apps (lib/platform/app/platform-app.ts) validate every template they
 * write whatever this variable says, and the tests of that run with it set too.
 */
process.env.CDK_VALIDATION = 'false';
