"""Runs the emulator launcher with its state kept across restarts.

moto keeps every resource in memory: when ``mlenv local down`` stops it, the datasets in S3, the
model packages and the executions are gone, while the MLflow runs (a file of the local state)
stay. So that both survive ``down``/``up`` together, this wrapper loads what the last emulator
held before the launcher starts, and saves what it holds when it stops (SIGTERM/SIGINT):
every moto backend in use, pickled together (CloudFormation's resources refer to the same
buckets and roles as S3 and IAM do). Usage:

    python persistent_emulator.py --state-file FILE LAUNCHER [launcher arguments...]

A state that cannot be read (another moto version) is moved aside to ``FILE.unreadable`` and
the emulator starts empty, with a line in its log saying so.
"""

from __future__ import annotations

import importlib
import os
import pickle
import runpy
import sys
from typing import Any

from moto.core.base_backend import BackendDict

FORMAT = 1


def _where(backends: BackendDict) -> tuple[str, str] | None:
    """The module and attribute that hold ``backends`` (``moto.s3.models``, ``s3_backends``)."""
    module = sys.modules.get(backends.backend.__module__)
    if module is None:
        return None
    for name, value in vars(module).items():
        if value is backends:
            return module.__name__, name
    return None


def save(path: str) -> None:
    import moto

    state: dict[str, Any] = {"format": FORMAT, "moto": moto.__version__, "backends": {}}
    for backends in list(BackendDict._instances):
        where = _where(backends)
        if where is None:
            continue
        state["backends"][where] = {
            account: dict(regions) for account, regions in dict(backends).items()
        }
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    print(f"persistent_emulator: saved {len(state['backends'])} services to {path}", flush=True)


def load(path: str) -> None:
    import moto

    if not os.path.exists(path):
        return
    try:
        with open(path, "rb") as f:
            state = pickle.load(f)
        if state.get("format") != FORMAT or state.get("moto") != moto.__version__:
            raise ValueError(f"saved by moto {state.get('moto')}, this is moto {moto.__version__}")
        for (module, attribute), accounts in state["backends"].items():
            backends = getattr(importlib.import_module(module), attribute)
            for account, regions in accounts.items():
                for region, backend in regions.items():
                    backends[account][region] = backend
    except Exception as error:  # noqa: BLE001 - any unreadable state: start empty, say so
        os.replace(path, f"{path}.unreadable")
        print(
            f"persistent_emulator: could not restore {path} ({error}); starting empty, "
            f"the old state is in {path}.unreadable",
            flush=True,
        )
        return
    print(f"persistent_emulator: restored {len(state['backends'])} services from {path}", flush=True)


def main() -> None:
    args = sys.argv[1:]
    if len(args) < 3 or args[0] != "--state-file":
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    path, launcher = args[1], args[2]
    # The launcher imports its neighbours (runtime_api) as its own script would.
    sys.path.insert(0, os.path.dirname(os.path.abspath(launcher)))
    load(path)
    sys.argv = [launcher, *args[3:]]
    try:
        runpy.run_path(launcher, run_name="__main__")
    finally:
        save(path)


if __name__ == "__main__":
    main()
