"""Test helpers shared by several test modules."""

import hashlib
import os
import tarfile


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
