import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where SageMaker containers keep everything a job reads and writes. */
export const CONTAINER_PREFIX = '/opt/ml';

/** `/opt/ml` as a whole path segment: `/opt/ml`, `/opt/ml/...`, not `/opt/mlx`. */
const CONTAINER_PATH = /(^|[^\w/.-])\/opt\/ml(?=$|[/\s'"=;:,])/g;

/**
 * Python that runs a script as `python3 script.py args...` would, but inside the root (`__ROOT__`, filled
 * in): `/opt/ml/...` in its arguments, its environment and its argparse defaults means
 * `<root>/opt/ml/...`. The ml/ scripts find their paths through exactly these
 * (SM_* variables, arguments, argparse defaults), so they run unchanged.
 */
const PYTHON_LAUNCHER = `import argparse, os, re, runpy, sys
root = __ROOT__
pattern = re.compile(r"(^|(?<=[=,:]))/opt/ml(?=$|/)")
def host(value):
    return pattern.sub(root + "/opt/ml", value) if isinstance(value, str) else value
add_argument = argparse._ActionsContainer.add_argument
def add_argument_in_root(self, *args, **kwargs):
    if "default" in kwargs:
        kwargs["default"] = host(kwargs["default"])
    return add_argument(self, *args, **kwargs)
argparse._ActionsContainer.add_argument = add_argument_in_root
for name, value in list(os.environ.items()):
    os.environ[name] = host(value)
# Where /opt/ml is on this machine, for stand-ins of AWS images that write fixed container paths.
os.environ["MLENV_CONTAINER_ROOT"] = root
if len(sys.argv) < 2:
    sys.exit("usage: python3 script.py [args...]")
script = host(sys.argv[1])
sys.argv = [script] + [host(arg) for arg in sys.argv[2:]]
sys.path[0] = os.path.dirname(os.path.abspath(script))
runpy.run_path(script, run_name="__main__")
`;

/**
 * A directory that stands in for a container's file system: `/opt/ml/...` of the job is
 * `<root>/opt/ml/...` here, and `<root>/bin/python3` runs scripts with that mapping.
 */
export class ContainerRoot {
  public constructor(public readonly root: string) {
    if (!/^[\w/.-]+$/.test(root)) {
      throw new Error(`A job directory must be a plain path (letters, digits, _ . - /): ${root}`);
    }
  }

  /** The local path of a container path (`/opt/ml/model` -> `<root>/opt/ml/model`). */
  public hostPath(containerPath: string): string {
    if (!containerPath.startsWith('/')) throw new Error(`Not an absolute container path: ${containerPath}`);
    return join(this.root, containerPath);
  }

  /** Writes `value` as JSON to a container path, creating its directories (config files). */
  public writeJson(containerPath: string, value: unknown, indent?: number): void {
    const file = this.hostPath(containerPath);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(value, null, indent));
  }

  /** `value` with every `/opt/ml` path in it moved under the root (for commands and variables). */
  public rewrite(value: string): string {
    return value.replace(
      CONTAINER_PATH,
      (_match, before: string) => `${before}${this.root}${CONTAINER_PREFIX}`,
    );
  }

  /**
   * Installs the launcher over `python`: `bin` holds a `python3` for a command that looks it up on
   * PATH (put `bin` first), `command` runs it directly (no shell, which would drop variables whose
   * names are not shell names, such as `SM_HP_N-ESTIMATORS`).
   */
  public installPython(python: string): { bin: string; command: [string, string] } {
    if (python.includes("'")) throw new Error(`A Python path must not contain quotes: ${python}`);
    const bin = join(this.root, 'bin');
    mkdirSync(bin, { recursive: true });
    const launcher = join(bin, 'container_python.py');
    writeFileSync(launcher, PYTHON_LAUNCHER.replace('__ROOT__', JSON.stringify(this.root)));
    const wrapper = join(bin, 'python3');
    writeFileSync(wrapper, `#!/bin/sh\nexec '${python}' '${launcher}' "$@"\n`);
    chmodSync(wrapper, 0o755);
    return { bin, command: [python, launcher] };
  }
}
