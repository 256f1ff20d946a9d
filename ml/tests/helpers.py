"""Test helpers shared by several test modules."""

import hashlib
import importlib
import os
import subprocess
import sys
import tarfile
import types

ML_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# A model's scripts, which import each other by these names (evaluate.py imports inference).
SCRIPTS = ("inference", "preprocess", "train", "evaluate", "make_sample_data")
_models = {}


def model_scripts(name):
    """The scripts of ml/models/<name> as one namespace (``.train``, ``.inference``, ...).

    Each model's modules are imported in turn under their plain names, as in its source archive,
    then taken out of ``sys.modules`` again, so that two models' ``inference`` never mix.
    """
    if name in _models:
        return _models[name]
    directory = os.path.join(ML_DIR, "models", name)
    saved = dict((s, sys.modules.pop(s)) for s in SCRIPTS if s in sys.modules)
    sys.path.insert(0, directory)
    try:
        modules = dict(
            (s, importlib.import_module(s))
            for s in SCRIPTS
            if os.path.isfile(os.path.join(directory, s + ".py"))
        )
    finally:
        sys.path.remove(directory)
        for script in SCRIPTS:
            sys.modules.pop(script, None)
        sys.modules.update(saved)
    _models[name] = types.SimpleNamespace(directory=directory, **modules)
    return _models[name]


def run_model_script(model, script, args, cwd, **env_overrides):
    """``python ml/models/<model>/<script> args...`` from ``cwd``, without SM_* variables, with the
    library importable (PYTHONPATH=ml) as it is beside the scripts in the source archive."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SM_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONPATH"] = ML_DIR
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, os.path.join(ML_DIR, "models", model, script)] + [str(a) for a in args],
        cwd=str(cwd), env=env, capture_output=True, text=True, timeout=120,
    )


def files_digest(directory):
    """The digest a package records of its model files, computed here from its definition
    (each regular file's relative path and SHA-256, in path order, byte-code caches left out)."""
    lines = []
    for root, dirs, files in os.walk(str(directory)):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as handle:
                lines.append("%s\0%s\n" % (
                    os.path.relpath(path, str(directory)).replace(os.sep, "/"),
                    hashlib.sha256(handle.read()).hexdigest(),
                ))
    return hashlib.sha256("".join(sorted(lines)).encode("utf-8")).hexdigest()


def make_tarball(source_dir, destination_dir):
    """model.tar.gz as SageMaker writes it: the model dir's files at the archive root."""
    os.makedirs(str(destination_dir), exist_ok=True)
    path = os.path.join(str(destination_dir), "model.tar.gz")
    with tarfile.open(path, "w:gz") as archive:
        for name in sorted(os.listdir(str(source_dir))):
            archive.add(os.path.join(str(source_dir), name), arcname=name)
    return path


def assert_clean_error(result, *fragments):
    """Exit 2, one `error: ` line on stderr, no traceback."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
