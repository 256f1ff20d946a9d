import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { DataCatalog, type DataCatalogProps } from '../../constructs';
import { AuthorizationModel } from '../../lib/tools/authorization';
import { DATA_TEST_ACCOUNT, DATA_TEST_REGION, dataStack } from '../support/data-stack';

const ACCOUNT = DATA_TEST_ACCOUNT;
const REGION = DATA_TEST_REGION;

function build(props: Partial<DataCatalogProps> = {}) {
  const { app, stack, dataStore } = dataStack();
  const catalog = new DataCatalog(stack, 'Catalog', {
    dataStore,
    databaseName: 'acme_dev_curated',
    workGroupName: 'acme-dev',
    ...props,
  });
  const reader = new iam.Role(stack, 'Reader', {
    assumedBy: new iam.AccountRootPrincipal(),
    roleName: 'reader',
  });
  const builder = new iam.Role(stack, 'Builder', {
    assumedBy: new iam.AccountRootPrincipal(),
    roleName: 'builder',
  });
  catalog.grantQuery(reader);
  catalog.grantQuery(builder, { createTables: true });
  return { app, stack, catalog, dataStore, template: Template.fromStack(stack) };
}

describe('DataCatalog', () => {
  const { app, stack, template } = build();
  const keyId = Object.keys(template.findResources('AWS::KMS::Key'))[0];

  test('a Glue database over the tables prefix of the curated bucket', () => {
    const [database] = Object.values(template.findResources('AWS::Glue::Database'));
    expect(database.Properties.CatalogId).toBe(ACCOUNT);
    expect(database.Properties.DatabaseInput.Name).toBe('acme_dev_curated');
    expect(JSON.stringify(stack.resolve(database.Properties.DatabaseInput.LocationUri))).toContain(
      '/tables/',
    );
  });

  test('a workgroup whose settings queries cannot override: engine 3, encrypted results in the curated bucket, a scan limit, metrics', () => {
    const [workGroup] = Object.values(template.findResources('AWS::Athena::WorkGroup'));
    const configuration = workGroup.Properties.WorkGroupConfiguration;
    expect(workGroup.Properties.Name).toBe('acme-dev');
    expect(configuration).toMatchObject({
      EnforceWorkGroupConfiguration: true,
      PublishCloudWatchMetricsEnabled: true,
      BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
      EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
    });
    expect(configuration.ResultConfiguration.EncryptionConfiguration).toEqual({
      EncryptionOption: 'SSE_KMS',
      KmsKey: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
    expect(configuration.ResultConfiguration.ExpectedBucketOwner).toBe(ACCOUNT);
    expect(JSON.stringify(configuration.ResultConfiguration.OutputLocation)).toContain('/athena-results/');
  });

  describe('what querying roles may do, evaluated', () => {
    const authz = AuthorizationModel.fromAssembly(app.synth());
    const allowed = (role: string, action: string, resource: string) =>
      authz
        .check({ principal: `arn:aws:iam::${ACCOUNT}:role/${role}`, action, resource })
        .then((d) => d.allowed);
    const glue = (resource: string) => `arn:aws:glue:${REGION}:${ACCOUNT}:${resource}`;
    const curated = (key: string) => `arn:aws:s3:::acme-dev-curated/${key}`;
    const workGroup = (name: string) => `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/${name}`;

    test.each(['reader', 'builder'])(
      '%s queries in this workgroup only, reads the tables and writes results',
      async (role) => {
        expect(await allowed(role, 'athena:StartQueryExecution', workGroup('acme-dev'))).toBe(true);
        expect(await allowed(role, 'athena:StartQueryExecution', workGroup('primary'))).toBe(false);
        expect(await allowed(role, 'glue:GetTable', glue('table/acme_dev_curated/features'))).toBe(true);
        expect(await allowed(role, 'glue:GetTable', glue('table/other_db/features'))).toBe(false);
        expect(await allowed(role, 's3:GetObject', curated('tables/features/part-0.parquet'))).toBe(true);
        expect(await allowed(role, 's3:PutObject', curated('athena-results/q-1.csv'))).toBe(true);
        expect(await allowed(role, 's3:GetObject', 'arn:aws:s3:::acme-dev-raw/churn/data.csv')).toBe(false);
      },
    );

    test('only a table builder creates and drops tables and writes their data', async () => {
      for (const [role, may] of [
        ['reader', false],
        ['builder', true],
      ] as const) {
        expect(await allowed(role, 'glue:CreateTable', glue('table/acme_dev_curated/features'))).toBe(may);
        expect(await allowed(role, 'glue:DeleteTable', glue('table/acme_dev_curated/features'))).toBe(may);
        expect(await allowed(role, 's3:PutObject', curated('tables/features/part-0.parquet'))).toBe(may);
      }
      expect(await allowed('builder', 'glue:CreateTable', glue('table/other_db/features'))).toBe(false);
    });
  });

  test.each([
    [{ databaseName: 'Acme-Dev' }, /databaseName 'Acme-Dev' must be lowercase letters, digits and _/],
    [{ workGroupName: 'bad name' }, /workGroupName 'bad name' must be 1-128 letters/],
    [
      { bytesScannedCutoffPerQuery: 1000 },
      /bytesScannedCutoffPerQuery must be a whole number of at least 10000000/,
    ],
    [{ tablesPrefix: 'tables' }, /tablesPrefix 'tables' must be a key prefix ending with '\/'/],
    [{ resultsPrefix: 'results/*/' }, /resultsPrefix 'results\/\*\/' must be a key prefix/],
  ])('refuses %j', (props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});
