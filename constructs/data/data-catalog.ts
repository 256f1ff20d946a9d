import { Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { IMlDataStore } from '../storage/ml-data-store';

/** Glue database names: lowercase letters, digits and underscores (what Athena accepts unquoted). */
const DATABASE_NAME = /^[a-z][a-z0-9_]{0,254}$/;
/** Athena workgroup names. */
const WORKGROUP_NAME = /^[a-zA-Z0-9._-]{1,128}$/;

export interface DataCatalogProps {
  /** The data store whose curated bucket holds the tables and the query results. */
  readonly dataStore: IMlDataStore;
  /** The Glue database of the curated tables (lowercase letters, digits and `_`). */
  readonly databaseName: string;
  /** The Athena workgroup queries of this catalog run in. */
  readonly workGroupName: string;
  /**
   * Where in the curated bucket the database's tables live.
   * @default 'tables/'
   */
  readonly tablesPrefix?: string;
  /**
   * Where in the curated bucket Athena writes query results.
   * @default 'athena-results/'
   */
  readonly resultsPrefix?: string;
  /**
   * Bytes one query may scan before Athena cancels it.
   * @default 10 GiB
   */
  readonly bytesScannedCutoffPerQuery?: number;
}

/**
 * The curated data as tables: a Glue database over the curated bucket, and an Athena workgroup
 * whose settings queries cannot override (engine version 3, results in the curated bucket under
 * the data key, a scan limit per query, CloudWatch metrics).
 *
 * @example
 * const catalog = new DataCatalog(this, 'Catalog', {
 *   dataStore,
 *   databaseName: 'acme_dev_curated',
 *   workGroupName: 'acme-dev',
 * });
 * catalog.grantQuery(dbtRole, { createTables: true });
 */
/** A catalog of curated tables: what a job or build that queries or defines them needs. */
export interface IDataCatalog {
  /** The Glue database of the tables. */
  readonly databaseName: string;
  /** The Athena workgroup its queries run in. */
  readonly workGroupName: string;
  readonly workGroupArn: string;
  /** `s3://` location of the query results. */
  readonly resultsLocation: string;
  /** `s3://` location of the tables. */
  readonly tablesLocation: string;
  /** Lets `grantee` run queries over the tables (and, with `createTables`, build them). */
  grantQuery(grantee: iam.IGrantable, options?: { readonly createTables?: boolean }): iam.Grant;
  /** Lets `grantee` create the table `table` and change its definition. */
  grantDefineTable(grantee: iam.IGrantable, table: string): iam.Grant;
}

export class DataCatalog extends Construct implements IDataCatalog {
  public readonly databaseName: string;
  public readonly workGroupName: string;
  public readonly workGroupArn: string;
  /** `s3://` location of the query results. */
  public readonly resultsLocation: string;
  /** `s3://` location of the tables. */
  public readonly tablesLocation: string;

  private readonly dataStore: IMlDataStore;
  private readonly tablesPrefix: string;
  private readonly resultsPrefix: string;

  constructor(scope: Construct, id: string, props: DataCatalogProps) {
    super(scope, id);
    if (!DATABASE_NAME.test(props.databaseName)) {
      throw new Error(
        `DataCatalog: databaseName '${props.databaseName}' must be lowercase letters, digits and _, starting with a letter`,
      );
    }
    if (!WORKGROUP_NAME.test(props.workGroupName)) {
      throw new Error(
        `DataCatalog: workGroupName '${props.workGroupName}' must be 1-128 letters, digits, '.', '_' or '-'`,
      );
    }
    const cutoff = props.bytesScannedCutoffPerQuery ?? 10 * 1024 ** 3;
    // Athena's documented minimum scan limit is 10 MB.
    if (!Number.isInteger(cutoff) || cutoff < 10_000_000) {
      throw new Error(
        'DataCatalog: bytesScannedCutoffPerQuery must be a whole number of at least 10000000 bytes',
      );
    }
    const stack = Stack.of(this);
    this.dataStore = props.dataStore;
    this.tablesPrefix = prefix(props.tablesPrefix ?? 'tables/', 'tablesPrefix');
    this.resultsPrefix = prefix(props.resultsPrefix ?? 'athena-results/', 'resultsPrefix');
    const bucket = props.dataStore.curatedBucket.bucketName;
    this.tablesLocation = `s3://${bucket}/${this.tablesPrefix}`;
    this.resultsLocation = `s3://${bucket}/${this.resultsPrefix}`;
    this.databaseName = props.databaseName;
    this.workGroupName = props.workGroupName;
    this.workGroupArn = stack.formatArn({
      service: 'athena',
      resource: 'workgroup',
      resourceName: props.workGroupName,
    });

    new glue.CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: {
        name: props.databaseName,
        description: 'Curated data and features (the data pipelines write it)',
        locationUri: this.tablesLocation,
      },
    });
    new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: props.workGroupName,
      description: `Queries of the ${props.databaseName} tables`,
      state: 'ENABLED',
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: cutoff,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: this.resultsLocation,
          expectedBucketOwner: stack.account,
          encryptionConfiguration: {
            encryptionOption: 'SSE_KMS',
            kmsKey: props.dataStore.encryptionKey.keyArn,
          },
        },
      },
    });
  }

  /**
   * Lets `grantee` create the database's table `table` and change its definition (what a job that
   * writes files does to describe them to Athena), nothing else in the catalog.
   */
  public grantDefineTable(grantee: iam.IGrantable, table: string): iam.Grant {
    const stack = Stack.of(this);
    const glueArn = (resource: string, name?: string) =>
      stack.formatArn({ service: 'glue', resource, resourceName: name });
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:CreateTable', 'glue:UpdateTable'],
      resourceArns: [
        glueArn('catalog'),
        glueArn('database', this.databaseName),
        glueArn('table', `${this.databaseName}/${table}`),
      ],
    });
  }

  /**
   * Lets `grantee` run queries in the workgroup over the database's tables: read the tables and
   * their partitions, write query results; with `createTables`, create, change and drop tables and
   * partitions of this database and write their data (what `dbt build` does).
   */
  public grantQuery(grantee: iam.IGrantable, options: { readonly createTables?: boolean } = {}): iam.Grant {
    const stack = Stack.of(this);
    const glueArn = (resource: string, name?: string) =>
      stack.formatArn({ service: 'glue', resource, resourceName: name });
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'athena:StartQueryExecution',
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
        'athena:StopQueryExecution',
        'athena:GetWorkGroup',
      ],
      resourceArns: [this.workGroupArn],
    });
    const catalogResources = [
      glueArn('catalog'),
      glueArn('database', this.databaseName),
      glueArn('table', `${this.databaseName}/*`),
    ];
    grant.combine(
      iam.Grant.addToPrincipal({
        grantee,
        actions: [
          'glue:GetDatabase',
          'glue:GetTable',
          'glue:GetTables',
          'glue:GetPartition',
          'glue:GetPartitions',
          'glue:BatchGetPartition',
          ...(options.createTables
            ? [
                'glue:CreateTable',
                'glue:UpdateTable',
                'glue:DeleteTable',
                'glue:CreatePartition',
                'glue:BatchCreatePartition',
                'glue:UpdatePartition',
                'glue:DeletePartition',
                'glue:BatchDeletePartition',
              ]
            : []),
        ],
        resourceArns: catalogResources,
      }),
    );
    // Results are written and read back; tables are read (and written by a table builder).
    grant.combine(this.dataStore.grantReadWriteCurated(grantee, `${this.resultsPrefix}*`));
    grant.combine(
      options.createTables
        ? this.dataStore.grantReadWriteCurated(grantee, `${this.tablesPrefix}*`)
        : this.dataStore.grantReadCurated(grantee, `${this.tablesPrefix}*`),
    );
    return grant;
  }
}

function prefix(value: string, name: string): string {
  if (!/^[a-z0-9][a-z0-9_./-]*\/$/.test(value) || value.includes('*')) {
    throw new Error(`DataCatalog: ${name} '${value}' must be a key prefix ending with '/', without '*'`);
  }
  return value;
}
