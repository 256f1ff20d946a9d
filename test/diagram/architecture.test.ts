import { readFileSync } from 'node:fs';
import {
  ARCHITECTURE_PAGE,
  architectureMarkdown,
  ATTACHMENT_TYPES,
  README,
  readmeWithDiagram,
  typeLabel,
} from '../../lib/tools/diagram/architecture';
import { expectedStackIds, platformAssembly } from '../support/platform';

const { assembly, config } = platformAssembly();
const page = architectureMarkdown(assembly, config);

/** The Mermaid block under an environment's heading. */
function flowchartOf(markdown: string, stageId: string): string {
  const section = markdown.split(/^## /m).find((s) => s.startsWith(`${stageId} `));
  const block = section && /```mermaid\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error(`no diagram for ${stageId}`);
  return block[1];
}

describe('the architecture diagrams (docs/architecture.md)', () => {
  test('are up to date with the synthesized app (regenerate with `npm run diagram`)', () => {
    expect(readFileSync(ARCHITECTURE_PAGE, 'utf8')).toBe(page);
    const readme = readFileSync(README, 'utf8');
    expect(readme).toBe(readmeWithDiagram(readme, assembly, config));
  });

  test("the README shows the reference environment's picture, as docs/architecture.md does", () => {
    const reference = config.environments.find((e) => e.name === config.reference)!;
    expect(readFileSync(README, 'utf8')).toContain(
      `\`\`\`mermaid\n${flowchartOf(page, reference.stageId)}\`\`\``,
    );
  });

  test.each(config.environments.map((e) => [e.name, e] as const))(
    '%s: a box per stack, holding every resource of its template but attachments, an arrow per dependency',
    (_name, environment) => {
      const chart = flowchartOf(page, environment.stageId);
      const boxes = [...chart.matchAll(/^ {2}subgraph (\w+)\[/gm)].map((m) => m[1]);
      expect(boxes.sort()).toEqual(expectedStackIds(config, environment));

      const stacks = assembly.stacksRecursively.filter((s) =>
        s.hierarchicalId.startsWith(`${environment.stageId}/`),
      );
      for (const stack of stacks) {
        const id = stack.hierarchicalId.split('/')[1];
        const label = new RegExp(`^ {4}${id}_resources\\["(.*)"\\]$`, 'm').exec(chart)?.[1] ?? '';
        const shown = Object.fromEntries(
          label.split('<br/>').map((item) => {
            const [, count, type] = /^(?:(\d+) × )?(.*)$/.exec(item)!;
            return [type, Number(count ?? 1)];
          }),
        );
        const expected: Record<string, number> = {};
        for (const { Type } of Object.values(stack.template.Resources as Record<string, { Type: string }>)) {
          if (!ATTACHMENT_TYPES.has(Type)) expected[typeLabel(Type)] = (expected[typeLabel(Type)] ?? 0) + 1;
        }
        expect({ id, shown }).toEqual({ id, shown: expected });

        const arrows = [...chart.matchAll(new RegExp(`^ {2}(\\w+) --> ${id}$`, 'gm'))]
          .map((m) => m[1])
          .sort();
        const dependencies = stack.dependencies
          .filter((d) => d.id !== `${stack.id}.assets`)
          .map((d) => (d.manifest.displayName ?? d.id).split('/')[1])
          .sort();
        expect({ id, arrows }).toEqual({ id, arrows: dependencies });
      }
    },
  );
});
