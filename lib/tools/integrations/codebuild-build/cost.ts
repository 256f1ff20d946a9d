import { asObject } from '../../../../cfn/json-values';
import { valueAt } from '../../../../cfn/value-at';
import { costLine, type CostLine, unpricedLine } from '../../pricing/cost-line';
import type { RegionPriceList } from '../../pricing/price-table';
import { settingProblems, taskTarget } from '../../pricing/task-target';
import type { TemplateResource } from '../../pricing/template-resources';

/** A build's time limit when neither the build nor its project sets one (`TimeoutInMinutes`). */
export const CODEBUILD_DEFAULT_TIMEOUT_MINUTES = 60;

/**
 * One build of the CodeBuild project a state starts, at its worst case: running until its time
 * limit (the state's `TimeoutInMinutesOverride`, else the project's `TimeoutInMinutes`, else
 * CodeBuild's default): `minutes × the build-minute price of its environment and compute type`.
 * A build the table cannot price (a reserved-capacity fleet, an unknown compute type, a value set
 * at run time or not in the templates) is a line whose `missing` says why.
 */
export function codebuildBuildLine(
  state: string,
  parameters: unknown,
  stateMachine: TemplateResource,
  resources: readonly TemplateResource[],
  prices: RegionPriceList,
): CostLine {
  const where = `${stateMachine.path} ${state}`;
  const unpriced = (resource: string, why: string): CostLine =>
    unpricedLine(`${state} (CodeBuild build)`, resource, `${where}: ${why}`);

  const params = asObject(parameters) ?? {};
  const project = taskTarget(
    params,
    'ProjectName',
    'AWS::CodeBuild::Project',
    'project',
    stateMachine,
    resources,
  );
  if ('why' in project) return unpriced(stateMachine.path, project.why);

  const environment = asObject(project.properties.Environment) ?? {};
  if (environment.Fleet !== undefined || valueAt(params, 'FleetOverride') !== undefined) {
    return unpriced(project.path, 'builds on a reserved-capacity fleet are not estimated');
  }
  /** The build's override (the state's parameter), else the project's setting. */
  const setting = (override: string, own: unknown) => valueAt(params, override) ?? own;
  const environmentType = setting('EnvironmentTypeOverride', environment.Type);
  const computeType = setting('ComputeTypeOverride', environment.ComputeType);
  const timeout = setting('TimeoutInMinutesOverride', project.properties.TimeoutInMinutes);
  const problems = settingProblems([
    [environmentType, 'string', 'environment type'],
    [computeType, 'string', 'compute type'],
    ...(timeout === undefined ? [] : [[timeout, 'number', 'time limit (TimeoutInMinutes)'] as const]),
  ]);
  if (problems.length > 0) {
    return unpriced(project.path, `${problems.join(', ')}, so its worst case cannot be priced`);
  }

  const minutes = (timeout as number | undefined) ?? CODEBUILD_DEFAULT_TIMEOUT_MINUTES;
  const lookup = prices.codebuild(environmentType as string, computeType as string);
  return costLine(
    {
      item: `${state} (CodeBuild build, ${computeType as string})`,
      resources: [project.path],
      quantity: minutes,
      quantityText: `${minutes} min`,
      ...(timeout === undefined
        ? { note: `${where}: no TimeoutInMinutes: CodeBuild's default ${minutes} min` }
        : {}),
    },
    'missing' in lookup ? { missing: `${where}: ${lookup.missing}` } : lookup,
  );
}
