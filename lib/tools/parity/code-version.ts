import { flatten } from './flatten';
import type { CfnTemplate } from './normalize';
import { RENDERED_CODE_VERSION, type StageTemplates } from './render';

/**
 * The code version `actual` was synthesized with (git's commit, `unknown`, a test's), read where
 * `rendered` (made with `RENDERED_CODE_VERSION`) has it: the first property that holds it in a
 * resource both have. It is the same for every environment of an assembly, and no knob; where the
 * assembly has another value elsewhere, that place differs from the rendering and fails the check.
 */
export function recoverCodeVersion(actual: StageTemplates, rendered: StageTemplates): string | undefined {
  for (const [stack, template] of Object.entries(rendered)) {
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      if (!JSON.stringify(resource).includes(RENDERED_CODE_VERSION)) continue;
      const other = actual[stack]?.Resources?.[logicalId];
      if (!other) continue;
      const leaves = flatten(other);
      for (const [path, value] of flatten(resource)) {
        const text = JSON.stringify(value);
        if (!text.includes(RENDERED_CODE_VERSION) || !leaves.has(path)) continue;
        const [before, ...after] = text.split(RENDERED_CODE_VERSION);
        const pattern = new RegExp(`^${escape(before)}(.*?)${after.map(escape).join('\\1')}$`);
        const match = pattern.exec(JSON.stringify(leaves.get(path)));
        if (match) return JSON.parse(`"${match[1]}"`) as string;
      }
    }
  }
  return undefined;
}

/** `templates` with the code version they were rendered with replaced by `version`. */
export function withCodeVersion(templates: StageTemplates, version: string | undefined): StageTemplates {
  if (version === undefined) return templates;
  const replacement = JSON.stringify(version).slice(1, -1);
  return Object.fromEntries(
    Object.entries(templates).map(([stack, template]) => [
      stack,
      JSON.parse(JSON.stringify(template).split(RENDERED_CODE_VERSION).join(replacement)) as CfnTemplate,
    ]),
  );
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
