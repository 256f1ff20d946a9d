#!/usr/bin/env node
// The `mlenv` command (package.json "bin", `npx mlenv`): bin/mlenv.ts loaded through the app's
// content-cached transpile (bin/require-typescript.js), which starts about twice as fast as tsx.
'use strict';
require('./require-typescript.js');
require('./mlenv.ts');
