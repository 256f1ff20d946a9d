// The synth floor: one bucket, precompiled (plain JavaScript, no TypeScript step), through the
// same CDK CLI and the same aws-cdk-lib defaults as the platform's app (bench/synth.ts compares).
const { App, Stack } = require('aws-cdk-lib');
const s3 = require('aws-cdk-lib/aws-s3');

const app = new App();
new s3.Bucket(new Stack(app, 'Floor'), 'Bucket');
app.synth();
