"""The workload's tests run the scripts as the jobs do: the library (ml/mlenv_model) importable
beside them, and the tests' own helpers (ml/tests/helpers.py)."""

import os
import sys

ML_DIR = os.path.dirname(os.path.abspath(__file__))
for directory in (ML_DIR, os.path.join(ML_DIR, "tests")):
    if directory not in sys.path:
        sys.path.insert(0, directory)
