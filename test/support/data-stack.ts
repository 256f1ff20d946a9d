import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { MlDataStore } from '../../constructs';

/** Where the data construct tests build: an account, a region and a data store named `acme-dev-*`. */
export const DATA_TEST_ACCOUNT = '123456789012';
export const DATA_TEST_REGION = 'eu-west-1';

/** A stack with a data store (buckets `acme-dev-<kind>`) and a logs key, in its own output directory. */
export function dataStack() {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'mlenv-data-')) });
  const stack = new Stack(app, 'Data', { env: { account: DATA_TEST_ACCOUNT, region: DATA_TEST_REGION } });
  const dataStore = new MlDataStore(stack, 'Store', { bucketNamePrefix: 'acme-dev' });
  const logsKey = new kms.Key(stack, 'LogsKey');
  return { app, stack, dataStore, logsKey };
}
