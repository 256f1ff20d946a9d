import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { guardrailsReference } from './guardrails-reference';

/** `npm run docs:guardrails`: writes docs/reference/guardrails.md from the rules' definitions. */
const path = join(__dirname, '..', '..', '..', 'docs', 'reference', 'guardrails.md');
writeFileSync(path, guardrailsReference());
console.log(`docs:guardrails: wrote ${path}`);
