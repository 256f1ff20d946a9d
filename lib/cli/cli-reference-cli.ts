import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliReference } from './cli-reference';
import { mlenvProgram } from './program';

/** `npm run docs:cli`: writes docs/reference/cli.md from the commands. */
const path = join(__dirname, '..', '..', 'docs', 'reference', 'cli.md');
writeFileSync(path, cliReference(mlenvProgram()));
console.log(`docs:cli: wrote ${path}`);
