// Lets `node --require ./bin/require-typescript.js bin/app.ts` load the app's TypeScript: each .ts
// file is transpiled (types stripped, no type check, as tsx and jest do; `tsc --noEmit` checks
// types in the tests) by @swc/core, once per content, into node_modules/.cache. The app then
// starts as fast as precompiled JavaScript, and can never run JavaScript older than its source.
'use strict';
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const CACHE = join(__dirname, '..', 'node_modules', '.cache', 'mlenv', 'transpiled');
const SWC_VERSION = require('@swc/core/package.json').version;
const OPTIONS = {
  jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

function transpiled(source, filename) {
  const key = createHash('sha256')
    .update(JSON.stringify([SWC_VERSION, OPTIONS, filename]))
    .update('\0')
    .update(source)
    .digest('hex');
  const cached = join(CACHE, `${key}.js`);
  try {
    return readFileSync(cached, 'utf8');
  } catch {
    const { code } = require('@swc/core').transformSync(source, { ...OPTIONS, filename });
    try {
      mkdirSync(CACHE, { recursive: true });
      const partial = `${cached}.${process.pid}.partial`; // whole or absent for a synth beside this one
      writeFileSync(partial, code);
      renameSync(partial, cached);
    } catch {
      // Nowhere to cache (a read-only checkout): transpile again next time.
    }
    return code;
  }
}

// Inline source maps stay in the output: `node --enable-source-maps` maps stack traces to the .ts
// files when debugging (left off by default: mapping every construct's creation trace costs ~5 %).
require.extensions['.ts'] = (module, filename) => {
  module._compile(transpiled(readFileSync(filename, 'utf8'), filename), filename);
};
