"""What root's `--user` child shares with root, and what it reads of the account's, on real
unprivileged accounts (docs/ARCHITECTURE.md §4, "What runs as which user").

* No descriptor of root's goes along, however high its number (root's limit on open files may
  be far above 65536; the test uses the highest this machine allows, and 70000 where it can).
* Root's locale (LANG, LC_*) and TERM stay with root: the child and the account's programs get
  the system's default locale and TERM=dumb (they never have a terminal).
* What awsmfa reads of a program's output is bounded.
* A FIFO of the account's where a completer was found does not block the child: it opens
  another account's file without blocking.

The moment is made certain: the account's login shell (which the child asks for its PATH)
notes its parent, the child, and waits until the test has looked at it.
"""
import os
import resource
import subprocess
import sys
import time

from awsshell_setup.setup import asuser
from awsshell_setup.core import boundedrun

from accounts import account  # noqa: F401 (fixture)
from shellkit import base_env, new_home

WAIT_SECONDS = 60
ROOTS_LOCALE = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "LC_IDENTIFICATION": "roots-own-marker"}


def _high_descriptor():
    """The highest descriptor number this process may hold: 70000 when the hard limit allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return 70000 if hard == resource.RLIM_INFINITY or hard > 70000 else hard - 1


def _start_status_as_root(tmp_path, account, secret):
    """`awsmfa status --user NAME` from a root process holding `secret` open at a high descriptor
    and at 1000 (inheritable, as a careless caller might leave them)."""
    high = _high_descriptor()
    launcher = (
        "import os, resource, sys\n"
        f"soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
        f"resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, {high} + 1), hard))\n"
        f"fd = os.open({secret!r}, os.O_RDONLY)\n"
        f"for number in (1000, {high}):\n"
        "    os.dup2(fd, number)\n"
        "os.close(fd)\n"
        f"os.execv(sys.executable, [sys.executable, '-m', 'awsshell_setup', 'status', '--user', {account.name!r},"
        " '--shell', 'bash'])\n")
    env = base_env(new_home(tmp_path, "roothome"), **ROOTS_LOCALE)
    return subprocess.Popen([sys.executable, "-c", launcher], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True), high


def _wait_for(path):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if os.path.exists(path) and open(path).read().strip():
            return open(path).read().strip()
        time.sleep(0.02)
    raise AssertionError(f"{path} never came")


def test_the_child_holds_nothing_of_roots_and_runs_with_its_own_locale(account, tmp_path):
    secret = tmp_path / "roots-secret"
    secret.write_text("root's\n")
    secret.chmod(0o600)
    with open(account.path(".profile"), "a") as handle:
        handle.write('env > ~/shell-env; echo "$PPID" > ~/child-pid\n'
                     'n=0; while [ ! -e ~/go-on ] && [ $n -lt 200 ]; do sleep 0.02; n=$((n+1)); done\n')
    process, high = _start_status_as_root(tmp_path, account, str(secret))
    try:
        child = _wait_for(account.path("child-pid"))
        held = {}
        for fd in os.listdir(f"/proc/{child}/fd"):
            try:
                held[int(fd)] = os.readlink(f"/proc/{child}/fd/{fd}")
            except OSError:
                pass
        # What the account's programs get (/proc/PID/environ would show the child's start only).
        with open(account.path("shell-env")) as handle:
            environ = dict(line.split("=", 1) for line in handle.read().splitlines() if "=" in line)
    finally:
        account.write("go-on", "")
        out, err = process.communicate(timeout=WAIT_SECONDS)
    assert "Traceback" not in err, err
    assert str(secret) not in held.values(), f"root's file is open in the child: {held}"
    assert 1000 not in held and high not in held, f"root's descriptors went along: {held} (high: {high})"
    assert "LC_IDENTIFICATION" not in environ and environ.get("TERM") == "dumb", environ
    locale = {key: value for key, value in environ.items() if key in ("LANG", "LANGUAGE") or key.startswith("LC_")}
    assert locale == asuser.system_locale(), locale
    assert environ.get("TERM") == "dumb", environ.get("TERM")


def test_what_is_read_of_a_programs_output_is_bounded():
    started = time.monotonic()
    result = boundedrun.run(["head", "-c", "64000000", "/dev/zero"], {"PATH": "/usr/bin:/bin"}, WAIT_SECONDS)
    assert len(result.stdout) <= 4 * 2**20, len(result.stdout)  # OUTPUT_LIMIT: 1 MiB
    assert not result.timed_out and time.monotonic() - started < WAIT_SECONDS
    # An answer within the bound is whole.
    result = boundedrun.run(["sh", "-c", "echo one; echo two >&2"], {"PATH": "/usr/bin:/bin"}, WAIT_SECONDS)
    assert (result.stdout, result.stderr, result.returncode) == ("one\n", "two\n", 0)


def test_a_fifo_where_the_completer_was_does_not_block_the_account(account):
    # As the account (the --user child is the account), at the moment its FIFO stands where the
    # completer was looked at.
    fifo = account.path(".local/bin/aws_completer")
    os.makedirs(os.path.dirname(fifo), exist_ok=True)
    os.chown(os.path.dirname(fifo), account.uid, account.gid)
    assert account.run(["mkfifo", "-m", "755", fifo]).returncode == 0
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from awsshell_setup.setup import completer; "
            "print(completer._behind_shim(sys.argv[2], {'PATH': '/usr/bin:/bin'}))")
    try:
        result = subprocess.run(account.as_account([sys.executable, "-c", code, here, fifo]), capture_output=True,
                                text=True, timeout=20, env={"HOME": account.home, "PATH": "/usr/bin:/bin"})
    except subprocess.TimeoutExpired:
        raise AssertionError("reading the FIFO blocked the account's awsmfa")
    assert result.returncode == 0 and result.stdout.strip() == "None", result.stderr
