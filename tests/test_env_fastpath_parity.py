"""`awsmfa env` accepts and refuses the same arguments on both of its paths.

A valid stored session is answered by fastpath.py without click; anything else goes through
click. Each argument list below runs twice:

* fast:  `env ARGS` with a valid session stored (the fast path's case);
* click: `env --force --token-code 123456 ARGS` (click's case: --force sends the fast path
  away; the leading code lets accepted arguments reach the STS call, which fails on a closed
  port, and an ARGS --token-code, coming later, wins as click's last-one-wins rule says).

Accepted means: the fast run prints the session (exit 0) and the click run gets as far as the
call to AWS. Refused means: both exit 2 (bad usage) with one line and nothing on stdout.
"""
import pytest

from awsenv import LONG_TERM, SERIAL, offline_user, stored_session

ACCEPT, REFUSE = "accepted", "refused"
TABLE = [
    ([], ACCEPT),
    (["--duration-seconds", "5"], REFUSE),
    (["--duration-seconds", "900x"], REFUSE),
    (["--duration-seconds", "129601"], REFUSE),
    (["--duration-seconds", ""], REFUSE),
    (["--duration-seconds", "900"], ACCEPT),
    (["--duration-seconds=129600"], ACCEPT),
    (["--duration-seconds", " 900 "], ACCEPT),  # click's int() takes it; so must the fast path
    (["--duration-seconds", "900", "--duration-seconds", "5"], REFUSE),  # the last one counts
    (["--token-code", "abc"], REFUSE),
    (["--token-code", "12345"], REFUSE),
    (["--token-code", "1234567"], REFUSE),
    (["--token-code", "12\t3456"], REFUSE),
    (["--token-code", "123456\n"], REFUSE),
    (["--token-code", "12-34-56"], REFUSE),
    (["--token-code", "\u0661\u0662\u0663\u0664\u0665\u0666"], REFUSE),  # digits, but not ASCII
    (["--token-code", "067878"], ACCEPT),
    (["--token-code", "067 878"], ACCEPT),  # as authenticator apps show it
    (["--token-code=0 6 7 8 7 8"], ACCEPT),
    (["--token-code", " 067878"], REFUSE),  # between the digits only
    (["--token-code", "067878 "], REFUSE),
    (["--token-code", "abc", "--token-code", "123456"], ACCEPT),
    (["--token-code"], REFUSE),
    (["--shell", "bogus"], REFUSE),
    (["--shell="], REFUSE),
    (["--shell", "fish"], ACCEPT),
    (["--shell", "sh", "--quiet"], ACCEPT),
    (["--json"], ACCEPT),
    (["--json", "-q"], ACCEPT),
    (["--profile", "default"], ACCEPT),
    (["--profile="], ACCEPT),  # empty: the default source, on both paths, as the AWS CLI takes it
    (["--profile", "bad]name"], REFUSE),
    (["--update-profile", "mfa"], ACCEPT),
    (["--serial-number", SERIAL], ACCEPT),
    (["--bogus"], REFUSE),
    (["extra"], REFUSE),
]


@pytest.fixture
def user(tmp_path):
    return offline_user(tmp_path / "home", LONG_TERM + stored_session(expires_in=2 * 3600))


def refused(result):
    """A usage refusal, as both paths must give it: exit 2, nothing on stdout, one line on stderr."""
    assert result.returncode == 2 and result.stdout == "", result
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    return REFUSE


def verdict_fast(result):
    if result.returncode == 0 and "ASIACACHED" in result.stdout:
        return ACCEPT
    return refused(result)


def verdict_click(result):
    if result.returncode == 1 and "cannot reach http://127.0.0.1:9" in result.stderr:
        return ACCEPT
    return refused(result)


@pytest.mark.parametrize("args, expected", TABLE, ids=[" ".join(args) or "(none)" for args, _ in TABLE])
def test_both_paths_accept_and_refuse_the_same_arguments(user, args, expected):
    before = user.read_credentials()
    fast = verdict_fast(user.awsmfa("env", *args))
    slow = verdict_click(user.awsmfa("env", "--force", "--token-code", "123456", *args,
                                     env={"AWSMFA_CONNECT_TIMEOUT": "1", "AWSMFA_DEADLINE": "1"}))
    assert (fast, slow) == (expected, expected)
    assert user.read_credentials() == before
