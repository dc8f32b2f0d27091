"""schemathesis's command line, with `ast.parse` taken by one thread at a time.

CPython 3.11 counts the depth of the tree it is building in the interpreter's AST state, which all
threads share. With `--workers 2`, hypothesis may describe a strategy's lambda, which parses
its source, in both threads at once; the counters cross and `ast.parse` raises "SystemError: AST
constructor recursion depth mismatch", which schemathesis reports as a runtime error of the run,
not of lendhub. A lock around `ast.parse` keeps the two workers without that error.
"""

import ast
import sys
import threading

_lock = threading.RLock()
_parse = ast.parse


def _locked_parse(*args, **kwargs):
    with _lock:
        return _parse(*args, **kwargs)


ast.parse = _locked_parse

from schemathesis.cli import schemathesis  # noqa: E402  (after the patch, on purpose)

if __name__ == "__main__":
    sys.argv[0] = "schemathesis"
    sys.exit(schemathesis())
