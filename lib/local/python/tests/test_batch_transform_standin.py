"""The batch transform stand-in: mini-batches within the payload, each output line its input joined with its prediction."""

import os
import sys
import types

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import batch_transform_standin as standin  # noqa: E402


def echo_program(calls):
    """A serving module whose transform_fn answers one prediction line per record (the record's first value)."""

    def transform_fn(model, body, content_type, accept):
        assert (content_type, accept) == ("text/csv", "text/csv")
        calls.append(body)
        return "".join(line.split(",")[0] + "\n" for line in body.splitlines()), "text/csv"

    return types.SimpleNamespace(transform_fn=transform_fn)


def test_mini_batches_stay_within_the_payload_and_keep_the_order():
    lines = ["a" * 10] * 7
    batches = list(standin.mini_batches(lines, 25))  # two 11-byte lines fit, a third does not
    assert [len(b) for b in batches] == [2, 2, 2, 1]
    assert sum(batches, []) == lines
    # A line longer than the payload goes alone (SageMaker sends it and the model may refuse it).
    assert list(standin.mini_batches(["x" * 40, "y"], 25)) == [["x" * 40], ["y"]]


def test_each_output_line_is_its_input_joined_with_its_prediction(tmp_path):
    source = tmp_path / "rows.csv"
    source.write_text("1,2,3\n4,5,6\n\n7,8,9\n")
    calls = []
    joined = standin.score_file(echo_program(calls), None, str(source), 12)
    assert joined == ["1,2,3,1", "4,5,6,4", "7,8,9,7"]
    assert len(calls) == 2  # mini-batches of at most 12 bytes: two lines, then one


def test_an_answer_with_another_number_of_lines_fails_the_file(tmp_path):
    source = tmp_path / "rows.csv"
    source.write_text("1,2\n3,4\n")
    program = types.SimpleNamespace(transform_fn=lambda m, b, c, a: ("0\n", "text/csv"))
    with pytest.raises(ValueError, match="answered 1 lines for 2 records"):
        standin.score_file(program, None, str(source), 1024)


def test_a_refused_request_fails_the_file(tmp_path):
    source = tmp_path / "rows.csv"
    source.write_text("x\n")
    refusal = types.SimpleNamespace(status=400, body='{"error": "bad row"}')
    program = types.SimpleNamespace(transform_fn=lambda m, b, c, a: refusal)
    with pytest.raises(ValueError, match="refused a request"):
        standin.score_file(program, None, str(source), 1024)
