import { readFileSync, writeFileSync } from 'node:fs';
import { synthesizePlatform } from '../../platform/app/synthesize';
import { ARCHITECTURE_PAGE, architectureMarkdown, README, readmeWithDiagram } from './architecture';

/** `npm run diagram`: synthesizes every environment, writes docs/architecture.md and the README's picture. */
const { assembly, config } = synthesizePlatform();
writeFileSync(ARCHITECTURE_PAGE, architectureMarkdown(assembly, config));
writeFileSync(README, readmeWithDiagram(readFileSync(README, 'utf8'), assembly, config));
console.log(`wrote ${ARCHITECTURE_PAGE} and the picture in ${README}`);
