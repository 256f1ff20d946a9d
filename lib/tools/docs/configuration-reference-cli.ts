import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configurationReference } from './configuration-reference';

/** `npm run docs:config`: writes docs/reference/configuration.md from the configuration schema. */
const path = join(__dirname, '..', '..', '..', 'docs', 'reference', 'configuration.md');
writeFileSync(path, configurationReference());
console.log(`docs:config: wrote ${path}`);
