"""Runs the emulator launcher with its state kept across restarts.

moto keeps every resource in memory: when ``mlenv local down`` stops it, the datasets in S3, the
model packages and the executions are gone, while the MLflow runs (a file of the local state)
stay. So that both survive ``down``/``up`` together, this wrapper loads what the last emulator
held once the launcher has applied its corrections (its ``apply_corrections``, before it serves),
and saves what it holds when it stops (SIGTERM/SIGINT): every moto backend in use, pickled
together (CloudFormation's resources refer to the same buckets and roles as S3 and IAM do).
``mlenv local down --wipe`` deletes the file with the rest of the local state. Usage:

    python persistent_emulator.py --state-file FILE [--status-file STATUS] LAUNCHER [launcher arguments...]

A state that cannot be read (another moto version) is moved aside to ``FILE.unreadable`` and
the emulator starts empty, with a line in its log saying so.

What became of the state is written to STATUS (JSON, replaced atomically), for ``mlenv local up``
and ``down`` to say: ``restore`` once it is loaded (``restored``, with what it holds, or ``empty``
and why), ``save`` as it stops (``saving``, then ``saved`` with what it holds, or ``failed`` and
why). A save cut short (the process killed) leaves ``saving``; ``pid`` says which emulator wrote it.
Once the save has begun, SIGTERM and SIGINT are ignored: a second signal would cut it short.
"""

from __future__ import annotations

import functools
import glob
import importlib
import importlib.util
import io
import json
import os
import pickle
import signal
import stat
import sys
import threading
import time
import types
from collections import defaultdict
from datetime import datetime, timezone
from typing import Any

from moto.core.base_backend import BackendDict

FORMAT = 1


def _new_lock(reentrant: bool) -> Any:
    return threading.RLock() if reentrant else threading.Lock()


_LOCK = type(threading.Lock())
_RLOCK = type(threading.RLock())


def _defaultdict(
    cls: type, factory: Any, attributes: dict[str, Any], items: dict[Any, Any]
) -> defaultdict[Any, Any]:
    rebuilt: defaultdict[Any, Any] = defaultdict.__new__(cls)
    rebuilt.default_factory = factory
    if attributes:  # a plain defaultdict has none (and no __dict__)
        rebuilt.__dict__.update(attributes)
    rebuilt.update(items)
    return rebuilt


def _picklable_factory(factory: Any) -> Any:
    """A factory that makes what ``factory`` (a lambda: ``lambda: defaultdict(dict)``) makes."""
    made = factory()
    if type(made) is defaultdict and made.default_factory is not None:
        return functools.partial(defaultdict, _picklable_factory(made.default_factory))
    return type(made)


def _load_private_key(der: bytes) -> Any:
    from cryptography.hazmat.primitives.serialization import load_der_private_key

    return load_der_private_key(der, password=None)


def _load_public_key(der: bytes) -> Any:
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    return load_der_public_key(der)


class _StatePickler(pickle.Pickler):
    """Pickles moto's state: KMS's asymmetric keys (cryptography's, not picklable) as DER, the
    locks its models guard themselves with as new locks (nothing holds them once it has stopped),
    a ``defaultdict`` of a lambda (SSM's tags) with a factory that makes the same, and a subclass
    of ``defaultdict`` whose constructor takes more (SSM's ParameterDict) without calling it."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, (_LOCK, _RLOCK)):
            return _new_lock, (isinstance(obj, _RLOCK),)
        if isinstance(obj, defaultdict):
            factory = obj.default_factory
            if getattr(factory, "__name__", "") == "<lambda>":
                factory = _picklable_factory(factory)
            return _defaultdict, (type(obj), factory, getattr(obj, "__dict__", {}), dict(obj))
        from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
        from cryptography.hazmat.primitives.serialization import (
            Encoding,
            NoEncryption,
            PrivateFormat,
            PublicFormat,
        )

        private = (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, dsa.DSAPrivateKey)
        private += (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey)
        public = (rsa.RSAPublicKey, ec.EllipticCurvePublicKey, dsa.DSAPublicKey)
        public += (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)
        if isinstance(obj, private):
            der = obj.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
            return _load_private_key, (der,)
        if isinstance(obj, public):
            return _load_public_key, (obj.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo),)
        return NotImplemented


def _where(backends: BackendDict) -> tuple[str, str] | None:
    """The module and attribute that hold ``backends`` (``moto.s3.models``, ``s3_backends``)."""
    module = sys.modules.get(backends.backend.__module__)
    if module is None:
        return None
    for name, value in vars(module).items():
        if value is backends:
            return module.__name__, name
    return None


def _count(of: Any) -> int:
    try:
        return int(of())
    except Exception:  # noqa: BLE001 - a count for the user's message, never a reason to fail
        return 0


def contents(backends: dict[tuple[str, str], dict[str, dict[str, Any]]]) -> dict[str, int]:
    """What a user would miss of a state: its S3 objects, model packages and executions."""
    found = {"s3Objects": 0, "modelPackages": 0, "executions": 0}
    for (module, _attribute), accounts in backends.items():
        for regions in accounts.values():
            for backend in regions.values():
                if module == "moto.s3.models":
                    found["s3Objects"] += _count(lambda: sum(len(b.keys) for b in backend.buckets.values()))
                elif module == "moto.sagemaker.models":
                    found["modelPackages"] += _count(lambda: len(backend.model_packages))
                elif module == "moto.stepfunctions.models":
                    found["executions"] += _count(
                        lambda: sum(len(m.executions) for m in backend.state_machines)
                    )
    return found


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _private_new_file(path: str, mode: str) -> Any:
    """Creates ``path`` readable by this user only (it holds datasets, models and KMS keys); a
    file or symlink already there is an error, so nothing is written through a planted link."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    return os.fdopen(os.open(path, flags, 0o600), mode, **({} if "b" in mode else {"encoding": "utf-8"}))


def _not_private(path: str) -> str | None:
    """Why ``path`` may hold another user's bytes (a symlink, not this user's, or writable by
    others, or in a directory that is), or None when only this user can have written it."""
    uid = os.getuid()
    for what, target in (("the file", path), ("its directory", os.path.dirname(os.path.abspath(path)))):
        st = os.lstat(target)
        if stat.S_ISLNK(st.st_mode):
            return f"{what} is a symbolic link"
        if st.st_uid != uid:
            return f"{what} belongs to uid {st.st_uid}, not to this user ({uid})"
        if st.st_mode & 0o022:
            return f"{what} is writable by others (mode {stat.S_IMODE(st.st_mode):o})"
    return None


def _test_save_delay() -> None:
    """For the tests of a save cut short: ``MLENV_EMULATOR_SAVE_DELAY_S`` makes the save take that
    long first, as a large state's does (a small one is written before any kill could land)."""
    try:
        delay = float(os.environ.get("MLENV_EMULATOR_SAVE_DELAY_S", "0"))
    except ValueError:
        return
    if 0 < delay <= 600:
        time.sleep(delay)


def save(path: str) -> dict[str, Any]:
    """Saves every moto backend in use to ``path`` (atomically: a save that fails or is cut short
    leaves the file as it was); returns what it saved. Raises what made it fail."""
    import moto

    state: dict[str, Any] = {"format": FORMAT, "moto": moto.__version__, "savedAt": _now(), "backends": {}}
    for backends in list(BackendDict._instances):
        where = _where(backends)
        if where is None:
            continue
        state["backends"][where] = {
            account: dict(regions) for account, regions in dict(backends).items()
        }
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with _private_new_file(tmp, "wb") as f:
            _StatePickler(f, protocol=pickle.HIGHEST_PROTOCOL).dump(state)
    except Exception:
        os.remove(tmp)
        for where, accounts in state["backends"].items():
            try:
                _StatePickler(io.BytesIO(), protocol=pickle.HIGHEST_PROTOCOL).dump(accounts)
            except Exception as error:  # noqa: BLE001 - say which service, then fail as before
                print(f"persistent_emulator: cannot save {where[0]}: {error}", flush=True)
        raise
    os.replace(tmp, path)
    print(f"persistent_emulator: saved {len(state['backends'])} services to {path}", flush=True)
    return {"outcome": "saved", "at": state["savedAt"], "contents": contents(state["backends"])}


def load(path: str) -> dict[str, Any]:
    """Loads the state saved to ``path`` into moto's backends; returns what became of it:
    ``restored`` (what it holds, when it was saved) or ``empty`` (and why)."""
    import moto

    for leftover in glob.glob(f"{glob.escape(path)}.*.tmp"):  # a save that was killed
        os.remove(leftover)
    if not os.path.lexists(path):
        return {"outcome": "empty", "reason": "no state was kept"}  # emulator.ts: NO_KEPT_STATE
    unsafe = _not_private(path)
    if unsafe:
        # Unpickling runs code: a state another user could have written is never loaded, nor moved.
        print(f"persistent_emulator: not loading {path}: {unsafe}; starting empty", flush=True)
        return {"outcome": "empty", "reason": f"the kept state {path} was not loaded: {unsafe}"}
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
        return {
            "outcome": "empty",
            "reason": f"the kept state could not be read ({error}); it was set aside as {path}.unreadable",
        }
    print(f"persistent_emulator: restored {len(state['backends'])} services from {path}", flush=True)
    return {"outcome": "restored", "savedAt": state.get("savedAt"), "contents": contents(state["backends"])}


class StatusFile:
    """The state's outcomes, for the CLI: one JSON object, replaced atomically at each change."""

    def __init__(self, path: str | None, state_file: str):
        self.path = path
        self.status: dict[str, Any] = {"pid": os.getpid(), "stateFile": state_file}

    def set(self, key: str, outcome: dict[str, Any]) -> None:
        self.status[key] = outcome
        if self.path is None:
            return
        tmp = f"{self.path}.{os.getpid()}.tmp"
        if os.path.lexists(tmp):
            os.remove(tmp)  # one of ours that a kill left; never written through (see _private_new_file)
        with _private_new_file(tmp, "w") as f:
            json.dump(self.status, f, indent=2)
            f.write("\n")
        os.replace(tmp, self.path)


def _expose_launcher_models() -> None:
    """The launcher makes CloudFormation models for types moto skips (Glue, Athena, CodeBuild),
    naming their module ``moto.<service>.launcher_models`` so that moto files them under the
    service; no such module exists, so pickle could not find the classes by name. Each is made
    importable under that name (the classes exist once the launcher's corrections are applied)."""
    from moto.core.common_models import CloudFormationModel

    for model in CloudFormationModel.__subclasses__():
        if model.__module__.endswith(".launcher_models"):
            module = sys.modules.setdefault(model.__module__, types.ModuleType(model.__module__))
            setattr(module, model.__name__, model)


def main() -> None:
    args = sys.argv[1:]
    if len(args) < 3 or args[0] != "--state-file":
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    path, args = args[1], args[2:]
    status_path = None
    if args[0] == "--status-file" and len(args) >= 3:
        status_path, args = args[1], args[2:]
    launcher = args[0]
    status = StatusFile(status_path, path)
    # The launcher imports its neighbours (runtime_api) as its own script would.
    sys.path.insert(0, os.path.dirname(os.path.abspath(launcher)))
    spec = importlib.util.spec_from_file_location("moto_server", launcher)
    assert spec and spec.loader
    server = importlib.util.module_from_spec(spec)
    sys.modules["moto_server"] = server
    spec.loader.exec_module(server)

    # The state loads once the launcher has corrected moto (its models exist), before it serves;
    # it is saved only if it was loaded (a launcher that stopped before, say on another moto
    # version, must not overwrite it with nothing).
    corrections = server.apply_corrections
    loaded = False

    def correct_then_load() -> None:
        nonlocal loaded
        corrections()
        _expose_launcher_models()
        status.set("restore", load(path))
        loaded = True

    server.apply_corrections = correct_then_load
    sys.argv = [launcher, *args[1:]]
    try:
        code = server.main()
    finally:
        if loaded:
            # A second SIGTERM (or Ctrl-C) must not cut the save short; only SIGKILL can.
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            status.set("save", {"outcome": "saving", "since": _now()})
            try:
                _test_save_delay()
                status.set("save", save(path))
            except BaseException as error:
                status.set("save", {"outcome": "failed", "reason": f"{type(error).__name__}: {error}"})
                raise
    sys.exit(code)


if __name__ == "__main__":
    main()
