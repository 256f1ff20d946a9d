/**
 * jest's runtime, keeping V8's compiled code of each module for the next test file. Jest gives
 * every test file a fresh module registry, so aws-cdk-lib, zod and the rest were compiled again
 * for each file: about a sixth of the unit tier's CPU. The code is kept in the worker's memory
 * and in the jest cache directory (`v8-code/`, by a hash of the source and the Node.js version),
 * so a worker's first file and the next run reuse it too. V8 also checks that a cached compilation
 * fits its version and flags and compiles anew if not (`cachedDataRejected`): a module runs exactly
 * as written, and each test file still evaluates its modules afresh, in its own context.
 *
 * jest 30 compiles in its internal ModuleExecutor (`runtime.executor.compile`); with a jest that has
 * none, this is jest's runtime unchanged (`npm run bench` would show the time come back).
 */
/* global require, module, process */ // CommonJS: jest's runner require()s a runtime untransformed.
/* eslint-disable @typescript-eslint/no-require-imports */
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { compileFunction } = require('node:vm');
const Runtime = require('jest-runtime').default;

/** By file name: the source this worker compiled and V8's code cache of it. */
const compiled = new Map();

/** The cache file of `source`: its hash and the Node.js version (V8's) that compiled it. */
function cacheFile(directory, source) {
  const hash = createHash('sha256').update(process.version).update('\0').update(source).digest('hex');
  return join(directory, `${hash}.bin`);
}

function readCache(file) {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Written whole under a name of its own, then renamed: another worker reads all of it or none. */
function writeCache(directory, file, data) {
  try {
    mkdirSync(directory, { recursive: true });
    const partial = `${file}.${process.pid}`;
    writeFileSync(partial, data);
    renameSync(partial, file);
  } catch {
    // A cache that cannot be written is a slower run, not a failed one.
  }
}

class CodeCachingRuntime extends Runtime {
  constructor(config, ...rest) {
    super(config, ...rest);
    const executor = this.executor;
    if (typeof executor?.compile !== 'function') return;
    const directory = join(config.cacheDirectory, 'v8-code');
    const jestCompile = executor.compile.bind(executor);
    executor.compile = (scriptSource, filename) => {
      const vmContext = executor.environment.getVmContext();
      if (vmContext == null || executor.resolution.isCoreModule(filename)) {
        return jestCompile(scriptSource, filename);
      }
      const previous = compiled.get(filename);
      const file = previous?.source === scriptSource ? undefined : cacheFile(directory, scriptSource);
      const kept = file === undefined ? previous.data : readCache(file);
      const compile = (cachedData) =>
        compileFunction(scriptSource, executor.injectedModuleParameters, {
          filename,
          cachedData,
          produceCachedData: cachedData === undefined,
          // As jest's own compile: import() from a CommonJS module goes through jest.
          importModuleDynamically: (specifier, _function, importAttributes, ...rest) =>
            executor.dynamicImport(specifier, filename, vmContext, importAttributes, rest[0]),
          parsingContext: vmContext,
        });
      let fn;
      try {
        fn = compile(kept);
        // Another V8 version or flags (a profiler's): compiled anew, and that is kept.
        if (fn.cachedDataRejected) fn = compile(undefined);
      } catch {
        // jest reports a syntax error, or loads an ES module, its own way.
        return jestCompile(scriptSource, filename);
      }
      if (fn.cachedDataProduced) {
        compiled.set(filename, { source: scriptSource, data: fn.cachedData });
        writeCache(directory, file ?? cacheFile(directory, scriptSource), fn.cachedData);
      } else if (file !== undefined) {
        compiled.set(filename, { source: scriptSource, data: kept });
      }
      return fn;
    };
  }
}

module.exports = CodeCachingRuntime;
