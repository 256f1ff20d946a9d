import { writeFileSync } from 'node:fs';
import { synthesizePlatform } from '../app/synthesize';
import { ARCHITECTURE_PAGE, architectureMarkdown } from './architecture';

/** `npm run diagram`: synthesizes every environment and writes docs/architecture.md. */
const { assembly, config } = synthesizePlatform();
writeFileSync(ARCHITECTURE_PAGE, architectureMarkdown(assembly, config));
console.log(`wrote ${ARCHITECTURE_PAGE}`);
