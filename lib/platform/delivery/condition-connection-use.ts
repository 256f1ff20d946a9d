import { type IAspect, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/** `UseConnection` under either prefix of a connection's ARN (`codeconnections`, `codestar-connections`). */
const USE_CONNECTION = /^(codeconnections|codestar-connections):UseConnection$/;

type Statement = { Action?: string | string[]; Condition?: unknown };

/**
 * Binds every grant to use a connection to one repository: `<prefix>:FullRepositoryId` (AWS's
 * documented condition key of each prefix, `owner/name`) must be `repository`. CDK Pipelines grants
 * `UseConnection` on the connection alone, which reaches every repository the connection's app is
 * installed on. `IfExists`: AWS sets the key "only when the connection is being used to access a
 * specific repository", and the requests that name none (the connection's own checks) read no
 * repository; any request that names another repository is denied.
 */
export class ConditionConnectionUse implements IAspect {
  constructor(private readonly repository: string) {}

  public visit(node: IConstruct): void {
    if (!(node instanceof iam.CfnPolicy)) return;
    const document = Stack.of(node).resolve(node.policyDocument) as { Statement?: Statement[] };
    (document.Statement ?? []).forEach((statement, i) => {
      const actions = [statement.Action ?? []].flat();
      const prefixes = actions.flatMap((a) => USE_CONNECTION.exec(a)?.[1] ?? []);
      if (prefixes.length === 0) return;
      if (prefixes.length !== actions.length || statement.Condition !== undefined) {
        throw new Error(
          `${node.node.path}: statement ${i} grants UseConnection with other actions or conditions; ` +
            'it cannot be bound to the repository',
        );
      }
      node.addPropertyOverride(`PolicyDocument.Statement.${i}.Condition`, {
        StringEqualsIfExists: Object.fromEntries(
          prefixes.map((prefix) => [`${prefix}:FullRepositoryId`, this.repository]),
        ),
      });
    });
  }
}
