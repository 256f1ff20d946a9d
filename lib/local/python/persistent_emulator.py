"""Runs the emulator launcher with its state kept across restarts.

moto keeps every resource in memory: when ``mlenv local down`` stops it, the datasets in S3, the
model packages and the executions are gone, while the MLflow runs (a file of the local state)
stay. So that both survive ``down``/``up`` together, this wrapper loads what the last emulator
held once the launcher has applied its corrections (its ``apply_corrections``, before it serves),
and saves what it holds when it stops (SIGTERM/SIGINT): every moto backend in use, pickled
together (CloudFormation's resources refer to the same buckets and roles as S3 and IAM do).
``mlenv local down --wipe`` deletes the file with the rest of the local state. Usage:

    python persistent_emulator.py --state-file FILE LAUNCHER [launcher arguments...]

A state that cannot be read (another moto version) is moved aside to ``FILE.unreadable`` and
the emulator starts empty, with a line in its log saying so.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import io
import os
import pickle
import sys
import threading
import types
from collections import defaultdict
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
    try:
        with open(tmp, "wb") as f:
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
    path, launcher = args[1], args[2]
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
        load(path)
        loaded = True

    server.apply_corrections = correct_then_load
    sys.argv = [launcher, *args[3:]]
    try:
        code = server.main()
    finally:
        if loaded:
            save(path)
    sys.exit(code)


if __name__ == "__main__":
    main()
