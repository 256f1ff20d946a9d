"""A model's sample-data command (make_sample_data.py): a dataset that ships with a library,
written as the raw CSV the pipeline takes (header row, numeric features, the target last)."""

import os

from .cli import ArgumentParser, MLError


def write_sample(frame, path, rows=None, seed=0):
    """Write ``frame`` (or ``rows`` of its rows, drawn with ``seed``) to ``path``; returns it."""
    if rows is not None:
        rows = int(rows)
        if rows < 1 or rows > len(frame):
            raise MLError("--rows must be between 1 and %d, got %d" % (len(frame), rows))
        frame = frame.sample(n=rows, random_state=seed)
    frame = frame.reset_index(drop=True)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    frame.to_csv(path, index=False)
    return frame


def main(argv, make_sample_data, description):
    """``make_sample_data.py --output PATH [--rows N] [--seed S]``."""
    parser = ArgumentParser(description=description)
    parser.add_argument("--output", required=True, help="CSV file to write")
    parser.add_argument("--rows", type=int, default=None, help="draw N rows (default: all)")
    parser.add_argument("--seed", type=int, default=0, help="random seed of --rows")
    args = parser.parse_args(argv)
    frame = make_sample_data(args.output, rows=args.rows, seed=args.seed)
    print("make_sample_data: wrote %d rows x %d columns to %s"
          % (len(frame), len(frame.columns), args.output))
    return 0
