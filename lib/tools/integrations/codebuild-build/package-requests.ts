import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { asObject } from '../../../../cfn/json-values';
import { PIP_LOGIN } from '../../../../constructs';
import { buildSpecCommands, installArguments } from '../../../platform/compliance/buildspec-installs';
import { installCommands } from '../../../platform/locks/install-commands';
import { parseLock } from '../../../platform/locks/lock-file';
import { REPO_ROOT } from '../../../../config/repo-root';
import { PYTHON_LOCKS } from '../../../platform/locks/python-locks';
import { costLine, type CostLine } from '../../pricing/cost-line';
import type { RegionPriceList } from '../../pricing/price-table';
import { taskTarget } from '../../pricing/task-target';
import type { TemplateResource } from '../../pricing/template-resources';

/** The requests of a login (`GetAuthorizationToken`, `GetRepositoryEndpoint`). */
const LOGIN_REQUESTS = 2;
/** What pip asks a repository for each package of a lock: its index page, then its wheel. */
const REQUESTS_PER_PACKAGE = 2;

/** The packages of the declared lock a build installs by file name (`requirements-athena.lock`), if one is. */
function lockedPackages(file: string): number | undefined {
  const locks = PYTHON_LOCKS.filter((l) => basename(l.lock) === basename(file));
  if (locks.length !== 1) return undefined;
  return parseLock(readFileSync(join(REPO_ROOT, locks[0].lock), 'utf8')).length;
}

/**
 * The CodeArtifact requests of one build a state starts, where its buildspec logs pip in to a
 * repository: the login's, and pip's for each package of the lock it installs (its index page and
 * its wheel; a wheel CodeArtifact already holds is still a request). Nothing for a build that
 * installs from PyPI; undefined also where the build cannot be found (its build line says why).
 */
export function packageRequestLine(
  state: string,
  parameters: unknown,
  stateMachine: TemplateResource,
  resources: readonly TemplateResource[],
  prices: RegionPriceList,
): CostLine | undefined {
  const project = taskTarget(
    asObject(parameters) ?? {},
    'ProjectName',
    'AWS::CodeBuild::Project',
    'project',
    stateMachine,
    resources,
  );
  if ('why' in project) return undefined;
  let commands: string[];
  try {
    commands = buildSpecCommands(String(asObject(project.properties.Source)?.BuildSpec ?? ''));
  } catch {
    return undefined; // a buildspec of the source: nothing here says where it installs from
  }
  if (!commands.some((c) => c.startsWith(`${PIP_LOGIN} `))) return undefined;
  const files = commands
    .flatMap((c) => installCommands(c))
    .flatMap(({ command }) => installArguments(command).requirementFiles);
  const counts = files.map(lockedPackages);
  const where = `${stateMachine.path} ${state}`;
  const item = `${state} (CodeArtifact requests)`;
  if (counts.some((n) => n === undefined)) {
    return costLine(
      { item, resources: [project.path], quantity: 0, quantityText: '?' },
      {
        missing: `${where}: ${files.join(', ')} is not a lock of lib/platform/locks, so its packages cannot be counted`,
      },
    );
  }
  const packages = counts.reduce<number>((sum, n) => sum + n!, 0);
  const requests = LOGIN_REQUESTS + REQUESTS_PER_PACKAGE * packages;
  const lookup = prices.codeartifact('requests');
  return costLine(
    {
      item,
      resources: [project.path],
      quantity: requests / 10_000,
      quantityText: `${requests} requests (the login's ${LOGIN_REQUESTS}, ${REQUESTS_PER_PACKAGE} for each of ${packages} locked packages)`,
    },
    lookup, // a missing price is the region's, said once for every build
  );
}
