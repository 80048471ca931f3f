"""What root's awsmfa gives the programs it runs: no terminal, no way to stall it, nothing an
account controls run as root (docs/ARCHITECTURE.md, root and --user).

With `install --user NAME` (and `status --user`) the job runs as the account, and so do the
programs it starts: the account's own aws_completer, zsh reading the account's ~/.zshenv. They
are the account's code, so they must get nothing of root's terminal: a program sharing root's
controlling terminal can open /dev/tty and push keys into it (TIOCSTI), which root's shell runs
once awsmfa exits; it could also read what root types. Checked here with a real account whose
programs try exactly that, under a real pseudo-terminal running root's interactive bash:
nothing is typed into root's shell, /dev/tty cannot be opened, no descriptor is a terminal.

Also: an account that stops the process working for it (SIGSTOP) does not leave root waiting
for ever; root for root runs neither an account's zsh (to read ZDOTDIR) nor anything an
account's pyenv shim names; `--user ''` is refused instead of meaning root's own files.
"""
import os
import pathlib
import re
import subprocess
import sys

import pexpect
import pytest

from accounts import account, root_owned_folder  # noqa: F401 (fixture)
from shellkit import BIN, awsmfa, base_env, fake_completer, new_home, snapshot

# Run as the account: tries every way into the terminal of whoever started awsmfa, writes what
# it managed into REPORT, and answers as a completer would.
PROBE = """#!/usr/bin/python3
import fcntl, os, termios
lines = []
keys = b"touch {pwned}\\n"
def push(fd, what):
    try:
        for key in keys:
            fcntl.ioctl(fd, termios.TIOCSTI, bytes([key]))
        lines.append(what + "=pushed")
    except OSError as error:
        lines.append(what + "=refused:" + str(error.errno))
try:
    tty = os.open("/dev/tty", os.O_RDWR)
    lines.append("devtty=open")
    push(tty, "devtty-push")
except OSError as error:
    lines.append("devtty=" + str(error.errno))
for fd in (0, 1, 2):
    lines.append("fd%d=%s" % (fd, "tty" if os.isatty(fd) else "no"))
    push(fd, "fd%d-push" % fd)
with open({report!r}, "a") as handle:
    handle.write(" ".join(lines) + "\\n")
print("ec2")
"""
PROMPT = "ROOT-PROMPT> "


def _probe(account, pwned):
    report = account.path("probe-report")
    path = account.write(".local/bin/awsmfa-probe", PROBE.format(pwned=pwned, report=report), mode=0o755)
    return path, report


def _as_root_in_a_terminal(command, env, timeout=120):
    """`command` typed into root's interactive bash on a real pseudo-terminal, then a second
    line: anything the account pushed into the terminal would run between the two."""
    child = pexpect.spawn("bash", ["--norc", "--noprofile", "-i"], env=dict(env, PS1=PROMPT), encoding="utf-8",
                          timeout=timeout, dimensions=(40, 200))
    try:
        child.expect_exact(PROMPT)
        child.sendline(command + "; echo exit=$?")
        child.expect(r"exit=(\d+)")
        code = int(child.match.group(1))
        child.expect_exact(PROMPT)
        child.sendline("echo after-awsmfa")
        child.expect_exact("after-awsmfa\r\n")
        child.expect_exact(PROMPT)
        child.sendline("exit")
        child.expect(pexpect.EOF)
        return code, child.before
    finally:
        child.close(force=True)


def _reports(path):
    with open(path) as handle:
        return [dict(word.split("=", 1) for word in line.split()) for line in handle if line.strip()]


def _no_way_in(reports):
    assert reports, "the account's program did not run"
    for report in reports:
        assert report["devtty"] == "6", report  # ENXIO: no controlling terminal
        assert (report["fd0"], report["fd1"], report["fd2"]) == ("no", "no", "no"), report
        assert not [key for key, value in report.items() if value == "pushed"], report


def test_the_accounts_completer_gets_no_terminal_of_roots(account, tmp_path):
    pwned = tmp_path / "pwned"
    probe, report = _probe(account, pwned)
    os.symlink(probe, account.path(".local/bin/aws_completer"))  # on its PATH (~/.profile adds ~/.local/bin)
    os.lchown(account.path(".local/bin/aws_completer"), account.uid, account.gid)
    env = dict(base_env(new_home(tmp_path, "roothome")), PATH="/usr/bin:/bin")
    for command in ("install", "status"):
        code, _ = _as_root_in_a_terminal(f"{sys.executable} -m awsshell_setup {command} --user {account.name} "
                                         f"--shell bash" + (" --yes" if command == "install" else ""), env)
        assert code in (0, 1), code
    assert not pwned.exists(), "root's shell ran keys the account pushed into its terminal"
    _no_way_in(_reports(report))
    assert len(_reports(report)) >= 2  # install and status each ran it


def test_the_accounts_zshenv_asked_for_zdotdir_gets_no_terminal_of_roots(account, tmp_path):
    pwned = tmp_path / "pwned"
    probe, report = _probe(account, pwned)
    account.write(".zshenv", f'ZDOTDIR="$HOME/zsh-files"\n{probe} >/dev/null\n')
    env = dict(base_env(new_home(tmp_path, "roothome")), PATH="/usr/bin:/bin")
    code, said = _as_root_in_a_terminal(f"{sys.executable} -m awsshell_setup install --user {account.name} "
                                        "--shell zsh --no-completion --yes", env)
    assert code == 0, said
    assert not pwned.exists(), "root's shell ran keys the account pushed into its terminal"
    _no_way_in(_reports(report))
    assert os.path.exists(account.path("zsh-files/.zshrc"))  # ZDOTDIR was still asked, and used


def test_an_account_stopping_the_process_working_for_it_does_not_hang_root(account, tmp_path):
    account.write(".local/bin/aws_completer", "#!/bin/sh\nkill -STOP $PPID\necho ec2\n", mode=0o755)
    env = dict(base_env(new_home(tmp_path, "roothome")), PATH="/usr/bin:/bin")
    before = snapshot(account.home)
    try:
        result = subprocess.run([sys.executable, "-m", "awsshell_setup", "install", "--user", account.name,
                                 "--shell", "bash", "--yes"], env=env, capture_output=True, text=True, timeout=90,
                                stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail("root's awsmfa still waited for a stopped child after 90 s", pytrace=False)
    errors = [line for line in result.stderr.splitlines() if line.startswith("awsmfa: error:")]
    assert result.returncode == 1 and len(errors) == 1, result.stderr
    assert f"working as {account.name} was stopped" in errors[0], errors
    assert snapshot(account.home) == before  # stopped while it looked for a completer: nothing written
    # Nothing of the account's is left running (a dead one waiting to be reaped is no process).
    left = subprocess.run(["ps", "-o", "stat=,args=", "-u", str(account.uid)], capture_output=True, text=True).stdout
    assert not [line for line in left.splitlines() if not line.lstrip().startswith("Z")], left


def test_root_does_not_run_an_accounts_zsh_to_read_its_own_zdotdir(account, tmp_path):
    marker = tmp_path / "ran-as"
    account.write("bin/zsh", f"#!/bin/sh\nid -u >> {marker}\nprintf /tmp\n", mode=0o755)
    home = new_home(tmp_path, "roothome")
    (home / ".zshenv").write_text('ZDOTDIR="$HOME/zsh-files"\n')
    env = dict(base_env(home), PATH=f"{account.path('bin')}:{BIN}:/usr/bin:/bin")
    before = snapshot(home)
    result = awsmfa("install", "--shell", "zsh", "--no-completion", "--yes", env=env, check=False)
    assert not marker.exists(), "root ran an account's zsh"
    errors = [line for line in result.stderr.splitlines() if line.startswith("awsmfa: error:")]
    assert result.returncode == 2 and len(errors) == 1, result.stderr
    assert f"root will not run {account.path('bin/zsh')}" in errors[0] and "ZDOTDIR" in errors[0], errors
    assert snapshot(home) == before


def test_root_does_not_read_or_ask_behind_an_accounts_pyenv_shim(account, tmp_path):
    """The shim names a manager of root's, but also the PYENV_ROOT whose hooks that manager runs:
    an account's shim is not read at all, so neither the manager nor the account's hook runs."""
    marker = tmp_path / "ran-as"
    real = fake_completer(tmp_path / "real")
    tools = root_owned_folder(account, "roottools")
    manager = os.path.join(tools, "pyenv")
    with open(manager, "w") as handle:
        handle.write('#!/bin/sh\nfor hook in "$PYENV_ROOT"/pyenv.d/which/*.bash; do [ -f "$hook" ] && . "$hook"; done\n'
                     f'[ "$1" = which ] && echo {real}\n')
    os.chmod(manager, 0o755)
    account.write(".pyenv/pyenv.d/which/hook.bash", f"id -u >> {marker}\n")
    shim = account.write("shims/aws_completer", f'#!/usr/bin/env bash\nset -e\nexport PYENV_ROOT="{account.path(".pyenv")}"\n'
                                                f'program="${{0##*/}}"\nexec "{manager}" exec "$program" "$@"\n',
                         mode=0o755)
    env = dict(base_env(new_home(tmp_path, "roothome")), PATH=f"{os.path.dirname(shim)}:/usr/bin:/bin")
    result = awsmfa("install", "--shell", "bash", "--yes", "--dry-run", env=env, check=False)
    assert not marker.exists(), "root ran an account's pyenv hook: " + marker.read_text()
    assert result.returncode == 0, result.stderr
    assert f"aws completion: {shim}" not in result.stderr and f"aws completion: {real}" not in result.stderr


@pytest.mark.parametrize("user, words", [("", "--user: empty account name"),
                                         ("   ", "--user: empty account name"),
                                         ("4242424", "give the account's name, not its uid")])
def test_a_user_that_names_no_account_is_refused_before_anything(tmp_path, user, words):
    home = new_home(tmp_path, "roothome")
    before = snapshot(home)
    for command in ("install", "uninstall", "status"):
        result = awsmfa(command, "--user", user, "--shell", "bash", *(["--yes"] if command != "status" else []),
                        env=base_env(home), check=False)
        assert result.returncode == 2 and result.stdout == "", (command, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0] and re.search(r"\bawsmfa\b", lines[0]), (command, lines)
    assert snapshot(home) == before


def test_the_go_ahead_question_still_reaches_root_and_its_answer_counts(account, tmp_path):
    """Out of root's terminal session, the child still asks on root's terminal (through the
    descriptor it kept) and reads the answer typed there."""
    comp = fake_completer(pathlib.Path(root_owned_folder(account, "bin")))
    env = dict(base_env(new_home(tmp_path, "roothome")), PATH="/usr/bin:/bin")
    child = pexpect.spawn(sys.executable, ["-m", "awsshell_setup", "install", "--user", account.name, "--shell",
                                           "bash", "--completer", comp], env=env, encoding="utf-8", timeout=120)
    try:
        child.expect_exact("go ahead? [Y/n]")
        child.sendline("y")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, child.before
    assert "function mfa" in pathlib.Path(account.path(".bashrc")).read_text()
