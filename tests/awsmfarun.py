"""Running awsmfa (and the programs a test starts) and reading what a run left: the one harness
the suites share, so every test runs awsmfa the way its console script runs (docs/ARCHITECTURE.md
§6), with no terminal and no standard input unless the test gives one."""
import os
import subprocess
import sys

AWSMFA = [sys.executable, "-m", "awsshell_setup"]


def run_program(argv, env, input=None, timeout=60, **kwargs):
    """`argv` run to its end, its output captured as text; standard input is `input`, else none."""
    return subprocess.run(list(argv), env=env, capture_output=True, text=True, input=input, timeout=timeout,
                          stdin=None if input is not None else subprocess.DEVNULL, **kwargs)


def run_awsmfa(args, env, input=None, timeout=120, **kwargs):
    """`python -m awsshell_setup ARGS`: what the console script runs."""
    return run_program(AWSMFA + list(args), env, input=input, timeout=timeout, **kwargs)


def one_error(result):
    """The one `awsmfa: error:` line of a failed run (exactly one, and no traceback)."""
    errors = [line for line in result.stderr.splitlines() if line.startswith("awsmfa: error:")]
    assert result.returncode != 0 and len(errors) == 1, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    return errors[0]


def ran_as(marker):
    """The accounts a recording program wrote into `marker` (one name a run), as a set."""
    if not os.path.exists(marker):
        return set()
    with open(marker) as handle:
        return set(handle.read().split())


def alive(pid):
    """True while process `pid` runs (a zombie, reaped or not, counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
