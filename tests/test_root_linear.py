"""Every parse of what a user or another account controls is linear in its length
(docs/ARCHITECTURE.md §4): grown eightfold, the input may take about eight times as long, never
the sixty-four times a quadratic parse takes. Ratios of the best of several runs, not absolute
times, in CPU time of this thread (a busy machine stretches a long run's wall time more than a
short one's: the slices it waits add up), so that a loaded 2-core machine does not decide.

* paths: `$VAR`/`${VAR}` in AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE, as botocore expands
  them (posixpath.expandvars' regex rescans the rest of the text from every `${` without `}`).
* completer: the shim and PYENV_ROOT patterns read a bounded head (4096 bytes) of the program.
"""
import time

from awsshell_setup.setup import completer
from awsshell_setup.core import paths

GROWTH = 8
# Linear is 8; quadratic 64. Between them, room for a busy machine's noise.
RATIO_BOUND = 24


def _best(function, rounds=7):
    best = None
    for _ in range(rounds):
        started = time.thread_time()
        function()
        took = time.thread_time() - started
        best = took if best is None else min(best, took)
    return best


def _ratio(make_input, parse, size):
    small, large = make_input(size), make_input(size * GROWTH)
    parse(small)  # warm up
    return _best(lambda: parse(large)) / max(_best(lambda: parse(small)), 1e-9)


def test_expanding_variables_in_an_aws_file_path_is_linear():
    environ = {"HOME": "/home/someone", "A": "x"}

    def expand(text):
        for _ in range(5):
            paths.config_file(dict(environ, AWS_CONFIG_FILE=text))

    ratio = _ratio(lambda count: "/tmp/" + "${" * count + "$A", expand, 2000)
    assert ratio < RATIO_BOUND, f"8x the input took {ratio:.1f}x the time"
    # And it still expands as botocore does.
    assert paths.config_file({"HOME": "/h", "A": "x", "AWS_CONFIG_FILE": "${A}/${B}/$A$/$(no)/~"}) == \
        "x/${B}/x$/$(no)/~"


def test_the_shim_patterns_read_a_bounded_head(tmp_path):
    # A shim-looking head that makes the pattern back off at every `exec`: bounded by the 4096
    # bytes read, however long the file.
    script = tmp_path / "aws_completer"
    script.write_text("#!/bin/sh\n" + "exec /" + "a" * 100 + " " + "exec \t" * 200_000 + "\n")
    script.chmod(0o755)
    started = time.perf_counter()
    assert completer._behind_shim(str(script), {"PATH": "/usr/bin:/bin"}) is None
    assert time.perf_counter() - started < 5
