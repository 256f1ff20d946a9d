import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../config/repo-root';
import { EMULATED_ENVIRONMENTS } from '../../config';
import { EMULATOR_GAPS } from '../../lib/local/emulator-gaps';
import { platformAssembly } from '../support/platform';

test('docs/contributing/emulator-gaps.md lists every emulator gap the local environment works around, as lib/local/emulator-gaps.ts says', () => {
  const readme = readFileSync(join(REPO_ROOT, 'docs', 'contributing', 'emulator-gaps.md'), 'utf8');
  const header = '| emulator gap (moto 5.2.5) | workaround |\n| --- | --- |\n';
  const start = readme.indexOf(header);
  expect(start).toBeGreaterThan(0);
  const following = readme.slice(start + header.length).split('\n');
  const rows = following.slice(
    0,
    following.findIndex((line) => !line.startsWith('|')),
  );
  expect(rows).toEqual(EMULATOR_GAPS.map((g) => `| ${g.what} | ${g.workaround} |`));
});

test('no Local template refers to what the emulator skips for the MLflow server: its Ref or attributes', () => {
  const { assembly, config } = platformAssembly();
  for (const env of config.environments.filter((e) => EMULATED_ENVIRONMENTS.includes(e.name))) {
    const stacks = assembly.stacksRecursively.filter((s) => s.hierarchicalId.startsWith(`${env.stageId}/`));
    const servers = stacks.flatMap((stack) =>
      Object.entries((stack.template as { Resources: Record<string, { Type: string }> }).Resources)
        .filter(([, r]) => r.Type === 'AWS::SageMaker::MlflowTrackingServer')
        .map(([id]) => id),
    );
    expect(servers.length).toBe(env.tracking.server === 'managed' ? 1 : 0);
    for (const stack of stacks) {
      const text = JSON.stringify(stack.template);
      for (const id of servers) {
        expect(text).not.toContain(`{"Ref":"${id}"}`);
        expect(text).not.toContain(`"Fn::GetAtt":["${id}"`);
        expect(text).not.toContain(`${id}.`);
      }
    }
  }
});

test('no Local template has what the emulator cannot create for packages: a CodeArtifact resource, or a build that logs in to one', () => {
  const { assembly, config } = platformAssembly();
  for (const env of config.environments.filter((e) => EMULATED_ENVIRONMENTS.includes(e.name))) {
    const stacks = assembly.stacksRecursively.filter((s) => s.hierarchicalId.startsWith(`${env.stageId}/`));
    expect(stacks.length).toBeGreaterThan(0);
    for (const stack of stacks) {
      const resources = Object.values(
        (stack.template as { Resources: Record<string, { Type: string }> }).Resources,
      );
      expect(resources.filter((r) => r.Type.startsWith('AWS::CodeArtifact::'))).toEqual([]);
      expect(JSON.stringify(stack.template)).not.toContain('aws codeartifact login');
    }
  }
});
