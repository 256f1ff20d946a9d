"""The model artifact's integrity: what evaluation records and what serving checks.

``model_files_sha256`` is the digest of the files SageMaker extracts from model.tar.gz (each
regular file's relative path and SHA-256, in path order, ``__pycache__`` left out). The
evaluation records it with the archive's own SHA-256 (``mlenv_artifact``); the registration
copies both into the package, and the endpoint's model passes the pinned one to serving as
MLENV_MODEL_FILES_SHA256, which ``check_model_files`` compares before anything is unpickled.
"""

import hashlib
import os
import tarfile

from .cli import MLError

MODEL_ARCHIVE = "model.tar.gz"
# Where evaluation.json records the artifact it evaluated, for the registration (the package's
# artifactSha256 and artifactFilesSha256).
ARTIFACT_FIELD = "mlenv_artifact"
# The digest of the model files the registered package records; the endpoint's model sets it
# from the pin. SageMaker hands the container the extracted model.tar.gz, not the archive, so the
# digest is of the files (model_files_sha256), not of the archive's bytes.
EXPECTED_FILES_SHA256_ENV = "MLENV_MODEL_FILES_SHA256"


class ModelIntegrityError(Exception):
    """The model files are not the ones the pinned package records: nothing is loaded."""


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def model_files_sha256(model_dir):
    """SHA-256 of a model directory's files: of each regular file's relative path (``/``-separated)
    and SHA-256, in path order; Python's byte-code caches (``__pycache__``) are not model files."""
    entries = []
    for root, dirs, files in os.walk(model_dir):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in files:
            path = os.path.join(root, name)
            if not os.path.isfile(path) or os.path.islink(path):
                continue
            entries.append((os.path.relpath(path, model_dir).replace(os.sep, "/"), file_sha256(path)))
    overall = hashlib.sha256()
    for relative, digest in sorted(entries):
        overall.update(("%s\0%s\n" % (relative, digest)).encode("utf-8"))
    return overall.hexdigest()


def check_model_files(model_dir, expected=None):
    """Refuse model files whose digest is not the pinned package's (before anything is unpickled)."""
    expected = expected if expected is not None else os.environ.get(EXPECTED_FILES_SHA256_ENV, "")
    if not expected:
        raise ModelIntegrityError(
            "%s is not set: the model's environment must give the pinned package's artifactFilesSha256"
            % EXPECTED_FILES_SHA256_ENV
        )
    actual = model_files_sha256(model_dir)
    if actual != expected.strip().lower():
        raise ModelIntegrityError(
            "model files in %s have SHA-256 %s, but the pinned package records %s: refusing to load a changed artifact"
            % (model_dir, actual, expected)
        )


def _safe_members(archive, destination):
    destination = os.path.realpath(destination)
    for member in archive.getmembers():
        if not (member.isfile() or member.isdir()):
            continue  # skip links, devices, fifos
        target = os.path.realpath(os.path.join(destination, member.name))
        if target != destination and not target.startswith(destination + os.sep):
            raise MLError("unsafe path in model archive: %s" % member.name)
        yield member


def extract_model_archive(archive_path, destination, model_file):
    """Safely extract a model.tar.gz; returns the directory holding ``model_file``."""
    try:
        with tarfile.open(archive_path, "r:*") as archive:
            members = list(_safe_members(archive, destination))
            if hasattr(tarfile, "data_filter"):  # Python 3.12+ / patched 3.8-3.11
                archive.extractall(destination, members=members, filter="data")
            else:
                archive.extractall(destination, members=members)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise MLError("could not extract %s: %s" % (archive_path, exc))
    for root, dirs, files in os.walk(destination):
        dirs.sort()
        if model_file in files:
            return root
    raise MLError("%s does not contain %s" % (archive_path, model_file))


def archive_record(archive_path, extracted_dir):
    """``mlenv_artifact``: the archive's bytes as S3 holds them and its files as serving sees them."""
    return {"sha256": file_sha256(archive_path), "files_sha256": model_files_sha256(extracted_dir)}
