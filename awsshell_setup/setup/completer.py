"""Finding the AWS CLI's `aws_completer`, and checking that it answers.

aws_completer reads only COMP_LINE and COMP_POINT and prints the candidates, one a line; the
same program serves bash, zsh (through bashcompinit) and fish (through our small function).

Where it is: PATH, then next to `aws`, then the one the system's bash-completion file for aws
names (Debian's `awscli` package: /usr/libexec/aws_completer, off PATH), then the places the AWS
CLI v1 and v2 installers, Amazon Linux, Debian, Homebrew and pip --user put it (KNOWN_FOLDERS). The path is kept as found, symlink
and all: the v2 installer's /usr/local/bin/aws_completer points into a versioned folder
that changes on every update, so resolving it would break completion at the next update.

A version manager's shim (pyenv, asdf: a small shell script that execs `pyenv exec PROGRAM`)
is the exception: it answers only while the active Python version has the AWS CLI, and adds
the manager's own start to every Tab, so the program it stands for is preferred.

A bare --completer NAME (a dotfile shared between machines) is not resolved here: the block
looks NAME up at each Tab, on PATH, then in KNOWN_FOLDERS (at_tab says what it finds now).

Checking a completer, or asking a shim's manager, runs a program, always through boundedrun (no
terminal, no input, a time bound). As root, only one that no one but root could have changed
(rootpolicy.run_refusal); any other counts as not answering, and says why. Root working for
another account does not get here: that job runs as the account.
"""
import dataclasses
import os
import re
import shutil

from ..core import boundedrun, fileio, rootpolicy
from ..shells.completerfiles import BASH_COMPLETION_FILE, KNOWN_FOLDERS, named_by_bash_completion

NAME = "aws_completer"
# awscli v1 takes 0.35-0.9 s to answer (it imports botocore); a cold disk more.
CHECK_TIMEOUT_SECONDS = 20
_SHIM = re.compile(r'exec\s+"?(?P<manager>/[^"\s]+)"?\s+exec\s+"?(\$program|\$\{program\}|aws_completer)"?')


@dataclasses.dataclass
class Found:
    path: str                 # as written into the rc file
    how: str                  # where it was found, for the user
    answers: bool = None      # None: not checked
    problem: str = ""         # why it does not answer


def candidates(environ, home):
    """(path, how) in search order, existing executables only, each once."""
    seen, result = set(), []

    def add(path, how):
        if path and ("\n" in path or "\r" in path):
            return  # a line break cannot go into a startup file (a folder on PATH may hold one)
        if path and path not in seen and os.path.isfile(path) and os.access(path, os.X_OK):
            seen.add(path)
            real = _behind_shim(path, environ)
            if real and real not in seen and os.access(real, os.X_OK):
                seen.add(real)
                result.append((real, f"{how}, behind the shim {path}"))
            result.append((path, how))

    search_path = environ.get("PATH", os.defpath)
    add(shutil.which(NAME, path=search_path), "on PATH")
    aws = shutil.which("aws", path=search_path)
    if aws:
        add(os.path.join(os.path.dirname(aws), NAME), f"next to {aws}")
        add(os.path.join(os.path.dirname(os.path.realpath(aws)), NAME), f"next to {os.path.realpath(aws)}")
    add(named_by_bash_completion(BASH_COMPLETION_FILE), f"named by {BASH_COMPLETION_FILE}")
    for folder in KNOWN_FOLDERS:
        folder = _expanded(folder, home)
        add(os.path.join(folder, NAME), f"in {folder}")
    return result


def _expanded(folder, home):
    return os.path.join(home, folder[2:]) if folder.startswith("~/") else folder


def _behind_shim(path, environ):
    """The program a pyenv/asdf-style shim runs (asked of the manager), or None. As root, a
    shim anyone but root could have changed is not read at all: it names the manager and the
    PYENV_ROOT whose hooks the manager runs. check() then refuses the shim itself."""
    if _refused_to_root(path, environ):
        return None
    head = fileio.read_head(path, 4096)  # without blocking: see fileio.read_head
    if head is None:
        return None
    if not head.startswith(b"#!") or b"python" in head.split(b"\n", 1)[0]:
        return None  # an ELF binary (AWS CLI v2) or a Python script (v1): the real thing
    match = _SHIM.search(head.decode("utf-8", "replace"))
    if not match or _refused_to_root(match.group("manager"), environ):
        return None
    env = dict(environ)
    root = re.search(r'export PYENV_ROOT="([^"]+)"', head.decode("utf-8", "replace"))
    if root:
        env["PYENV_ROOT"] = root.group(1)
    try:
        answer = boundedrun.run([match.group("manager"), "which", NAME], env, CHECK_TIMEOUT_SECONDS)
    except OSError:
        return None
    real = answer.stdout.strip().splitlines()[-1] if answer.returncode == 0 and answer.stdout.strip() else ""
    return real if real.startswith("/") and os.path.isfile(real) else None


def _refused_to_root(path, environ):
    """Why root will not run `path` ('' when it may, or when we are not root). `environ` is the
    environment it would run with: its PATH is where a `#!/usr/bin/env NAME` line finds NAME."""
    if os.geteuid() != 0:
        return ""
    why = rootpolicy.run_refusal(path, search_path=environ.get("PATH", os.defpath))
    return f"not run as root: {why}" if why else ""


def check(path, environ=None):
    """'' when `path` answers `aws ` with at least one candidate; else what went wrong."""
    env = dict(os.environ if environ is None else environ)
    refused = _refused_to_root(path, env)
    if refused:
        return refused
    env.update(COMP_LINE="aws ", COMP_POINT="4")
    try:
        answer = boundedrun.run([path], env, CHECK_TIMEOUT_SECONDS)
    except OSError as error:
        return f"cannot run it: {error.strerror}"
    if answer.timed_out:
        return f"no answer within {CHECK_TIMEOUT_SECONDS} s"
    if answer.returncode != 0 or not answer.stdout.strip():
        last = (answer.stderr.strip().splitlines() or [f"exit status {answer.returncode}, no candidates"])[-1]
        return f"it does not answer ({last[:160]})"
    return ""


def find(environ, home):
    """The first completer that answers, as a Found; else None and the ones that did not.

    Returns (found or None, [Found that failed]).
    """
    failed = []
    for path, how in candidates(environ, home):
        problem = check(path, environ)
        if not problem:
            return Found(path, how, True), failed
        failed.append(Found(path, how, False, problem))
    return None, failed


def given(path, environ, home):
    """--completer PATH: a path, or a bare name that the rendered block looks up at each Tab
    (dotfile repos shared between machines): on PATH, then in KNOWN_FOLDERS (at_tab). Checked
    like a found one: the program the name finds now."""
    if os.sep in path:
        runnable = path
        how = "--completer"
    else:
        runnable = at_tab(path, environ, home)
        how = f"looked up at each Tab on PATH, then in {', '.join(KNOWN_FOLDERS)}; now {runnable or 'none found'}"
    # `how` already lists the folders (status prints both): the problem says what to do.
    problem = check(runnable, environ) if runnable else "none found now: install the AWS CLI, or put it on PATH"
    return Found(path, how, not problem, problem)


def at_tab(name, environ, home):
    """The program a block written for the bare name `name` runs at a Tab, as the shell would
    find it now: `name` on PATH, else in the first of KNOWN_FOLDERS that holds it (the folders
    off PATH where systems put it: Debian's and Ubuntu's /usr/libexec); None when none does."""
    on_path = shutil.which(name, path=environ.get("PATH", os.defpath))
    if on_path:
        return on_path
    for folder in KNOWN_FOLDERS:
        path = os.path.join(_expanded(folder, home), name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def looked_in(home):
    return f"PATH, next to aws, the one {BASH_COMPLETION_FILE} names, " + ", ".join(KNOWN_FOLDERS)
