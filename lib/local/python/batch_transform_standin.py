"""A local stand-in for a SageMaker batch transform: the model's own serving code over a folder of files.

It scores each file of ``--input-dir`` as a transform job with ``SplitType: Line``,
``BatchStrategy: MultiRecord``, ``ContentType``/``Accept: text/csv``, ``AssembleWith: Line`` and
``DataProcessing.JoinSource: Input`` does: the file's lines go to the model's
``transform_fn(model, body, 'text/csv', 'text/csv')`` in mini-batches of at most
``--max-payload-mb`` MB, and ``<output dir>/<file>.out`` gets, for each input line, the line, a
comma and its prediction's CSV fields. The model is loaded as the serving stand-in loads it
(``serving_standin.load_program``: ``<model dir>/code/inference.py``, its ``model_fn``), so the
pinned digest check (``MLENV_MODEL_FILES_SHA256``) runs first.

    python batch_transform_standin.py --model-dir DIR --input-dir DIR --output-dir DIR [--max-payload-mb 6]

A request the model refuses, or an answer with another number of lines than the request, fails
the transform (exit 1, one ``error:`` line naming the file), as SageMaker fails the job.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serving_standin import load_program  # noqa: E402

CSV = "text/csv"


def mini_batches(lines, max_bytes):
    """Consecutive lines, each group at most ``max_bytes`` (a longer line alone)."""
    batch, size = [], 0
    for line in lines:
        length = len(line.encode("utf-8")) + 1
        if batch and size + length > max_bytes:
            yield batch
            batch, size = [], 0
        batch.append(line)
        size += length
    if batch:
        yield batch


def score_file(program, model, path, max_bytes):
    """The joined output lines of one input file."""
    with open(path, encoding="utf-8") as source:
        lines = [line.rstrip("\r\n") for line in source if line.strip()]
    joined = []
    for batch in mini_batches(lines, max_bytes):
        answer = program.transform_fn(model, "\n".join(batch) + "\n", CSV, CSV)
        if not isinstance(answer, tuple):  # an ErrorResponse: SageMaker fails the job
            raise ValueError("the model refused a request of %s (%s): %s" % (path, answer.status, answer.body))
        body = answer[0].decode("utf-8") if isinstance(answer[0], bytes) else str(answer[0])
        predictions = [p for p in body.splitlines() if p.strip()]
        if len(predictions) != len(batch):
            raise ValueError(
                "the model answered %d lines for %d records of %s" % (len(predictions), len(batch), path)
            )
        joined.extend("%s,%s" % (record, prediction) for record, prediction in zip(batch, predictions))
    return joined


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--input-dir", required=True)
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--max-payload-mb", type=int, default=6)
    args = parser.parse_args(argv)
    try:
        program = load_program(args.model_dir)
        model = program.model_fn(args.model_dir)
    except Exception as error:
        print("error: cannot load the model: %s" % error, file=sys.stderr)
        return 1
    count = 0
    for root, _, files in os.walk(args.input_dir):
        for name in sorted(files):
            path = os.path.join(root, name)
            relative = os.path.relpath(path, args.input_dir)
            try:
                joined = score_file(program, model, path, args.max_payload_mb * 1024 * 1024)
            except Exception as error:
                print("error: %s: %s" % (relative, error), file=sys.stderr)
                return 1
            out = os.path.join(args.output_dir, relative + ".out")
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with open(out, "w", encoding="utf-8") as target:
                target.write("".join(line + "\n" for line in joined))
            print("scored %s: %d records -> %s.out" % (relative, len(joined), relative), flush=True)
            count += 1
    print("scored %d file(s)" % count, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
