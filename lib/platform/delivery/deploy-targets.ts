import { partitionOf } from '../../../cfn/deployed-names';
import { deliveryCheckRoleName, githubDeployRoleName, type MlEnvConfig } from '../../../config';
import { oidcSubject } from './github-oidc-subject';
import { DEPLOY_WORKFLOW } from './workflow-paths';

/** One environment a commit is delivered to, as both the pipeline and the GitHub workflow see it. */
export interface DeployTarget {
  /** The environment's name, e.g. `staging`. */
  readonly environment: string;
  /** Its stage id, e.g. `Staging` (`npx cdk deploy 'Staging/*'`). */
  readonly stageId: string;
  readonly account: string;
  readonly region: string;
  /** Whether a person approves before it is deployed. */
  readonly manualApproval: boolean;
  /** The role GitHub Actions assumes to deploy it. */
  readonly githubDeployRoleName: string;
  /** The role the pipeline's post-deployment checks assume in it. */
  readonly checkRoleName: string;
  readonly checkRoleArn: string;
  /** The pipeline's role (tooling account) that runs those checks, the only one the check role trusts. */
  readonly pipelineChecksRoleArn: string;
  /**
   * The GitHub environment its deploy job runs in (the environment's name): every deploy job
   * declares one, so that its OIDC subject names it; where a person approves, it has required
   * reviewers.
   */
  readonly githubEnvironment: string;
  /**
   * The `sub` claim of the OIDC token GitHub issues to its deploy job under the repository's
   * subject customization (`github-oidc-subject.ts`): this repository, its GitHub environment,
   * the delivery branch and `deploy.yml` at that branch. The deploy role trusts exactly this subject.
   */
  readonly githubSubject: string;
}

/** The environments of the delivery order, in order; none without a delivery section. */
export function deployTargets(config: MlEnvConfig): DeployTarget[] {
  const { delivery } = config;
  if (!delivery) return [];
  const { repository, branch } = delivery.source;
  // A loaded configuration delivers only to its environments; a hand-made one may name others.
  const delivered = delivery.order.flatMap((name) => config.environments.filter((e) => e.name === name));
  return delivered.map((env) => {
    const { name } = env;
    const parts = { project: config.project, environment: env };
    const manualApproval = delivery.manualApproval.includes(name);
    return {
      environment: name,
      stageId: env.stageId,
      account: env.account,
      region: env.region,
      manualApproval,
      githubDeployRoleName: githubDeployRoleName(parts),
      checkRoleName: deliveryCheckRoleName(parts),
      checkRoleArn: `arn:${partitionOf(env.region)}:iam::${env.account}:role/${deliveryCheckRoleName(parts)}`,
      pipelineChecksRoleArn: `arn:${partitionOf(delivery.region)}:iam::${delivery.account}:role/${config.project}-${name}-pipeline-checks`,
      githubEnvironment: name,
      githubSubject: oidcSubject({ repository, branch, environment: name, workflowPath: DEPLOY_WORKFLOW }),
    };
  });
}
