import { App } from 'aws-cdk-lib';
import { cdkJsonContext } from '../../config/cdk-json-context';

/** An app with the feature flags of cdk.json, as the platform's own app has them. */
export function testApp(): App {
  return new App({ context: cdkJsonContext() });
}
