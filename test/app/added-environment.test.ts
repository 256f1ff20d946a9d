import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../config';
import { synthesizePlatform } from '../../lib/platform/app/synthesize';
import { costReport } from '../../lib/tools/cost/run';
import { PRICE_TABLE } from '../../lib/tools/cost/prices';
import { renderWorkflowFiles, staleWorkflowFiles } from '../../lib/platform/delivery/workflow-files';
import { ARCHITECTURE_PAGE, architectureMarkdown } from '../../lib/tools/diagram/architecture';
import { checkParity } from '../../lib/tools/parity/check';
import { readLock } from '../../lib/tools/stateful/lock-file';
import { lockProblems, statefulResources } from '../../lib/tools/stateful/lock';
import { markedBlock } from '../docs/documents';
import { configInput, unusedEnvironmentName } from '../support/config-fixtures';
import { TEST_CONTEXT } from '../support/platform';

/**
 * Adding an environment (the guide's `<!-- example: add-environment -->` block) in a region the
 * price table lacks and outside the tooling region: the committed configuration plus one
 * environment with a mirror's settings (its `removalPolicy: retain` and VPC), in a copy; nothing
 * committed changes.
 */
const input = configInput() as ReturnType<typeof configInput> & { delivery: { region: string } };
const name = unusedEnvironmentName(input);
/**
 * The issue's region: it has the models' images and every service of a VPC environment
 * (CodeArtifact included, which ap-east-1 lacks); the first test checks it is one the price table
 * lacks and the pipeline is not in.
 */
const region = 'ap-southeast-2';
const mirror = Object.entries(input.environments).find(([, env]) => env.removalPolicy === 'retain')!;
input.environments[name] = { ...structuredClone(mirror[1]), account: '444444444444', region };
const config = loadConfig(input);
const stageId = config.environments.find((e) => e.name === name)!.stageId;
const { assembly } = synthesizePlatform({
  outdir: mkdtempSync(join(tmpdir(), 'mlenv-added-')),
  config,
  context: TEST_CONTEXT,
});
/** The documented commands that refresh what an added environment changes, comments dropped. */
const procedure = markedBlock('add-environment').lines.map((line) => line.replace(/#.*/, '').trim());

test('the added environment is in a region without prices and outside the tooling region', () => {
  expect(PRICE_TABLE.regions).not.toHaveProperty([region]);
  expect(region).not.toBe(input.delivery.region);
  expect(assembly.stacksRecursively.some((s) => s.hierarchicalId.startsWith(`${stageId}/`))).toBe(true);
});

test('parity finds no undeclared difference', () => {
  expect(checkParity(assembly, config).violations).toEqual([]);
});

test('the cost report prices nothing there and names the region and the file to add it to', () => {
  const report = costReport(assembly, config, { environment: name, servedAssembly: assembly });
  const noRegion = `no prices for region ${region}: add the region to lib/tools/cost/prices.ts`;
  expect(report.environments[0].estimate.idleUsd).toBe(0);
  expect(report.missing.length).toBeGreaterThan(0);
  expect(report.missing.filter((m) => !m.includes(noRegion))).toEqual([]);
});

test('it may not be delivered to by the pipeline, which says why, naming the environment and both regions', () => {
  const delivered = structuredClone(input) as typeof input & { delivery: { order: string[] } };
  delivered.delivery.order = [...delivered.delivery.order, name];
  const problems = (() => {
    try {
      loadConfig(delivered);
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  })();
  expect(problems).toEqual([
    expect.stringContaining(`'${name}' is in ${region}, the pipeline in ${input.delivery.region}`),
  ]);
});

test('every generated file the environment changes is named in the procedure with the command that refreshes it', () => {
  const changes: Array<[changed: boolean, command: string]> = [
    [lockProblems(readLock(), statefulResources(assembly)).length > 0, 'npm run stateful-lock -- --update'],
    [readFileSync(ARCHITECTURE_PAGE, 'utf8') !== architectureMarkdown(assembly, config), 'npm run diagram'],
    [staleWorkflowFiles(renderWorkflowFiles(config)).length > 0, 'npm run workflows'],
    // A new stage has stacks without snapshots.
    [true, 'npx jest --ci=false test/stages'],
  ];
  expect(changes.filter(([changed]) => changed).length).toBeGreaterThan(1);
  for (const [, command] of changes) expect(procedure).toContain(command);
});
