import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../config/repo-root';
import { VENV_LOCK } from '../../lib/platform/locks/python-locks';

/**
 * What .venv holds, against what its lock says for this interpreter and platform, both read by
 * the venv's own Python: its installed distributions, and the lock's pins whose environment
 * markers hold there (evaluated by `packaging`, as pip and uv evaluate them).
 */
const COMPARE = `
import json, re, sys
from importlib.metadata import distributions
from packaging.markers import Marker
from packaging.utils import canonicalize_name
text = re.sub(r"\\\\\\n", " ", open(sys.argv[1]).read())
wanted = {}
for line in text.splitlines():
    line = re.sub(r"(^|\\s)#.*$", "", line).strip()
    if not line:
        continue
    pin, _, rest = line.partition(";")
    name, _, version = pin.split()[0].partition("==")
    marker = rest.split("--hash")[0].strip()
    if not marker or Marker(marker).evaluate():
        wanted[canonicalize_name(name.split("[")[0])] = version
installed = {canonicalize_name(d.metadata["Name"]): d.version for d in distributions()}
print(json.dumps({"wanted": wanted, "installed": installed}))
`;

test('.venv holds exactly what requirements-dev.lock says for its interpreter: nothing missing, nothing else, no other version', () => {
  const python = join(REPO_ROOT, '.venv', 'bin', 'python');
  const { wanted, installed } = JSON.parse(
    execFileSync(python, ['-c', COMPARE, join(REPO_ROOT, VENV_LOCK.lock)], { encoding: 'utf8' }),
  ) as { wanted: Record<string, string>; installed: Record<string, string> };
  expect(Object.keys(wanted).length).toBeGreaterThan(100);
  expect(installed).toEqual(wanted);
});
