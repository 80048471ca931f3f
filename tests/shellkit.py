"""Helpers for the shell-integration tests: throwaway homes, running awsmfa, driving a real
interactive bash, zsh or fish with pexpect.

What the product knows about each shell (quoting, files, templates) lives in
awsshell_setup/shells.py; how a test starts a shell, checks a file's syntax and sets a plain
prompt is test knowledge, and lives here, in one table (DRIVERS).
"""
import os
import shlex
import shutil
import stat
import sys

import pexpect
import pytest

from awsshell_setup import shells

from awsmfarun import run_awsmfa

BIN = os.path.dirname(sys.executable)
SKEL_BASHRC = "/etc/skel/.bashrc"
SKEL_PROFILE = "/etc/skel/.profile"
PROMPT = "AWSMFA-TEST-READY> "
TIMEOUT = 60  # awscli v1's aws_completer takes up to a second per Tab; a loaded CI box more


class Driver:
    """How the tests run one shell."""

    def __init__(self, name, syntax_check, strict_source, prompt_command):
        self.name = name
        self._syntax_check, self._strict_source, self._prompt = syntax_check, strict_source, prompt_command

    def syntax_check_argv(self, path):
        """Parse the file without running it."""
        return self._syntax_check(path)

    def strict_source_argv(self, path):
        """Source the file with unset variables and errors fatal (zoxide's template tests)."""
        return self._strict_source(path)

    def interactive_argv(self):
        return [self.name, "-i"]

    def prompt_command(self, prompt):
        """A command line that sets a plain, fixed prompt. The prompt is spelled in two
        pieces, so the echo of this line does not show it."""
        half = len(prompt) // 2
        return self._prompt(self.name, prompt[:half], prompt[half:])


def _bourne_prompt(name, first, second):
    quote = shells.by_name("bash").quote
    return f"PS1={quote(first)}{quote(second)}; PS2=''; RPS1=''; unset PROMPT_COMMAND"


def _fish_prompt(name, first, second):
    quote = shells.by_name("fish").quote
    return (f"function fish_prompt; printf '%s%s' {quote(first)} {quote(second)}; end; "
            "function fish_right_prompt; end; set -g fish_greeting ''")


DRIVERS = {
    "sh": Driver("sh", lambda path: ["sh", "-n", path], lambda path: ["sh", "-e", "-u", "-c", '. "$1"', "sh", path],
                 _bourne_prompt),
    **{name: Driver(name, lambda path, name=name: [name, "-n", path],
                    lambda path, name=name: [name, "-e", "-u", "-o", "pipefail", "-c", 'source "$1"', name, path],
                    _bourne_prompt) for name in ("bash", "zsh")},
    # fish has no `set -u`; an unset variable expands to nothing. Fail on any error.
    "fish": Driver("fish", lambda path: ["fish", "--no-execute", path],
                   lambda path: ["fish", "--no-config", "-c", "source $argv[1]; or exit 1", path], _fish_prompt),
}


def require_shell(name):
    """The shell binary, or a failure (never a skip): .ci/run installs bash, zsh and fish."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: the shell-integration tests need real bash, zsh and fish "
                    f"(.ci/run installs them: apt-get install bash zsh fish)", pytrace=False)
    return path


def require_awsmfa():
    path = os.path.join(BIN, "awsmfa")
    if not os.path.exists(path):
        pytest.fail(f"{path} is missing: install the package (pip install -e .) so the mfa function finds awsmfa",
                    pytrace=False)
    return path


def base_env(home, **extra):
    """A clean environment for a throwaway HOME: this Python's scripts (awsmfa, aws,
    aws_completer) first on PATH, no AWS_* or shell-location variables from the caller."""
    env = {
        "HOME": str(home),
        "PATH": BIN + os.pathsep + "/usr/local/bin:/usr/bin:/bin",
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "USER": os.environ.get("USER", "root"),
    }
    env.update({key: str(value) for key, value in extra.items()})
    return env


def new_home(tmp_path, name="home", skel=True):
    home = tmp_path / name
    home.mkdir()
    if skel:
        shutil.copyfile(SKEL_BASHRC, home / ".bashrc")
        shutil.copyfile(SKEL_PROFILE, home / ".profile")
    return home


# What a user's ~/.profile says so that a login shell finds what pipx installed.
PROFILE_PATH_LINE = 'PATH="$HOME/.local/bin:$PATH"\n'


def link_awsmfa(home):
    """awsmfa in ~/.local/bin, as `pipx install` puts it: where a new login shell of a home
    whose ~/.profile puts ~/.local/bin on PATH (Debian's does, PROFILE_PATH_LINE does) finds
    it. status and install ask exactly that, and the test's virtualenv does not count."""
    (home / ".local" / "bin").mkdir(parents=True, exist_ok=True)
    (home / ".local" / "bin" / "awsmfa").symlink_to(os.path.join(BIN, "awsmfa"))


def awsmfa(*args, env, check=True, input=None, timeout=120):
    """Run `python -m awsshell_setup ARGS` (awsmfarun.run_awsmfa); a failure raises, unless check=False."""
    result = run_awsmfa(args, env, input=input, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"awsmfa {' '.join(args)} exited {result.returncode}\nstdout:\n{result.stdout}\n"
                             f"stderr:\n{result.stderr}")
    return result


def fake_completer(folder, name="aws_completer"):
    """A stand-in aws_completer that answers at once (for tests about files, not completion)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text('#!/bin/sh\n# answers like aws_completer for COMP_LINE="aws "\necho ec2\necho s3\n')
    path.chmod(0o755)
    return str(path)


def recording_completer(folder, log):
    """An aws_completer that notes the line it was asked about, then answers `stop-instances`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "aws_completer"
    path.write_text(f'#!/bin/sh\nprintf \'%s|%s\\n\' "$COMP_LINE" "$COMP_POINT" >> {shlex.quote(str(log))}\n'
                    'echo stop-instances\n')
    path.chmod(0o755)
    return path


def snapshot(root):
    """{relative path: (bytes or link target, mode)} of every file under root."""
    result = {}
    for folder, dirs, files in os.walk(root):
        for name in sorted(dirs + files):
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root)
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                result[rel] = ("link", os.readlink(path))
            elif stat.S_ISREG(info.st_mode):
                with open(path, "rb") as handle:
                    result[rel] = (handle.read(), stat.S_IMODE(info.st_mode))
            else:
                result[rel] = ("dir", stat.S_IMODE(info.st_mode))
    return result


class Interactive:
    """A real interactive shell in a pseudo-terminal, with a fixed prompt."""

    def __init__(self, shell_name, env, extra_argv=(), log=None):
        self.shell = DRIVERS[shell_name]
        require_shell(shell_name)
        argv = self.shell.interactive_argv() + list(extra_argv)
        self.log = log
        self.child = pexpect.spawn(argv[0], argv[1:], env=env, cwd=env["HOME"], encoding="utf-8",
                                   timeout=TIMEOUT, dimensions=(50, 250))
        self.transcript = []
        self.child.logfile_read = Transcript(self.transcript)
        # The command spells the prompt in two pieces, so its echo does not match.
        self.child.sendline(self.shell.prompt_command(PROMPT))
        self.wait_prompt()

    def wait_prompt(self):
        self.child.expect_exact(PROMPT)

    def run(self, line, expect=None):
        """Type a line; return what was printed up to the next prompt (or match `expect`)."""
        self.child.sendline(line)
        if expect is not None:
            self.child.expect(expect)
            match = self.child.match
            self.wait_prompt()
            return match
        self.wait_prompt()
        return self.child.before

    def text(self):
        return "".join(self.transcript)

    def close(self):
        if self.child.isalive():
            self.child.sendline("exit")
            try:
                self.child.expect(pexpect.EOF, timeout=10)
            except pexpect.TIMEOUT:
                pass
        self.child.close(force=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


COMPLETED_STOP = "aws_ec2_stop-instances_"


def complete_aws_line(session, partial="aws ec2 stop-ins"):
    """Type `partial`, press Tab, and wait until the line reads `aws ec2 stop-instances`.
    The completer runs on Tab (awscli v1: about a second). Then Ctrl-A and `printf %s_ `: the
    completed words joined by `_`, which the echo of the line never shows."""
    session.child.send(partial + "\t")
    session.child.expect_exact("tances")
    session.child.send("\x01printf %s_ \r")
    session.child.expect_exact(COMPLETED_STOP)
    session.wait_prompt()


class Transcript:
    """What a pexpect child prints, appended to a list (its logfile_read)."""

    def __init__(self, sink):
        self.sink = sink

    def write(self, data):
        self.sink.append(data)

    def flush(self):
        pass
