"""Expected bad input and how the scripts exit on it: one ``error: <message>`` line, status 2."""

import argparse
import sys

# Exit status for expected bad input (same as argparse's usage errors).
EXIT_BAD_INPUT = 2


class MLError(Exception):
    """Expected, user-facing problem with the input (bad data, missing files).

    CLI entry points turn it into a one-line ``error: ...`` message on stderr
    and exit status 2 instead of a traceback.
    """


class ArgumentParser(argparse.ArgumentParser):
    """argparse parser whose usage errors are a single ``error: ...`` line."""

    def error(self, message):
        sys.stderr.write("error: %s (run with --help for usage)\n" % message)
        sys.exit(EXIT_BAD_INPUT)


def run_cli(main, argv=None):
    """Run ``main(argv)``; report MLError as ``error: <message>`` and return 2."""
    try:
        result = main(argv)
    except MLError as exc:
        message = " ".join(str(exc).split())  # always exactly one line
        sys.stderr.write("error: %s\n" % message)
        sys.stderr.flush()
        return EXIT_BAD_INPUT
    return 0 if result is None else result


def short_list(items, limit=8):
    items = [str(item) for item in items]
    if len(items) > limit:
        return ", ".join(items[:limit]) + ", ... (%d total)" % len(items)
    return ", ".join(items)


def entry_point(module_name, main):
    """A script's ``main(argv)``; run now, exiting with its status, when the script is
    ``__main__``: ``main = cli.entry_point(__name__, lambda argv=None: ...)``."""
    if module_name == "__main__":
        sys.exit(run_cli(main))
    return main
