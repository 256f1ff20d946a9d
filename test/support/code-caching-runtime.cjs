/* global require, module, process */ // CommonJS: jest's runner require()s a runtime untransformed.
/* eslint-disable @typescript-eslint/no-require-imports */
/**
 * jest's runtime, keeping V8's compiled code of each module for the next test file. Jest gives
 * every test file a fresh module registry, so aws-cdk-lib, zod and the rest were compiled again
 * for each file, and each of their functions again when first called: about a sixth of the unit
 * tier's CPU. A module's code is taken from V8 when a second test file loads it (by then it holds
 * the functions the first one ran), kept in the worker's memory and in the jest cache directory
 * (`v8-code/`, by a hash of the code and the Node.js version), so a worker's first file and the
 * next run reuse it too. V8 also checks that cached code fits its version and flags and compiles
 * anew if not (`cachedDataRejected`): a module runs exactly as written, and each test file still
 * evaluates its modules afresh, in its own context.
 *
 * A module is compiled as a script of one function expression (jest 29 did the same), since V8
 * gives the code of a script, with the functions run since, but not of a bare function; its
 * columns are shifted back so that stack traces point where they did. jest 30 compiles in its
 * internal ModuleExecutor (`runtime.executor.compile`); with a jest that has none, this is jest's
 * runtime unchanged (`npm run bench` would show the time come back).
 */
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');
const Runtime = require('jest-runtime').default;

/**
 * By file name: the code this worker compiled, its script, and V8's cache of it once taken (or
 * read from the disk cache).
 */
const compiled = new Map();

/** The cache file of `code`: its hash and the Node.js version (V8's) that compiles it. */
function cacheFile(directory, code) {
  const hash = createHash('sha256').update(process.version).update('\0').update(code).digest('hex');
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
function writeCache(file, data) {
  try {
    mkdirSync(join(file, '..'), { recursive: true });
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
      const opening = `(function (${executor.injectedModuleParameters.join(', ')}) {`;
      const code = `${opening}${scriptSource}\n})`;
      let entry = compiled.get(filename);
      if (entry?.code !== code) {
        const file = cacheFile(directory, code);
        entry = { code, file, data: readCache(file), script: undefined };
        compiled.set(filename, entry);
      } else if (entry.data === undefined) {
        // The second file to load it: the script holds the functions the first one ran.
        entry.data = entry.script.createCachedData();
        entry.script = undefined;
        writeCache(entry.file, entry.data);
      }
      let script;
      try {
        script = new Script(code, {
          filename,
          columnOffset: -opening.length,
          cachedData: entry.data,
          // As jest's own compile: import() from a CommonJS module goes through jest.
          importModuleDynamically: (specifier, _script, importAttributes, ...rest) =>
            executor.dynamicImport(specifier, filename, vmContext, importAttributes, rest[0]),
        });
      } catch {
        // jest reports a syntax error, or loads an ES module, its own way.
        compiled.delete(filename);
        return jestCompile(scriptSource, filename);
      }
      if (entry.data === undefined || script.cachedDataRejected) {
        // Taken when the next file loads it.
        entry.data = undefined;
        entry.script = script;
      }
      return script.runInContext(vmContext);
    };
  }
}

module.exports = CodeCachingRuntime;
