"""Crash safety of rc-file writes: install and uninstall SIGKILLed at random points, hundreds
of times.

A child process runs install() and uninstall() (the code behind `awsmfa install --shell bash
--shell fish` and `awsmfa uninstall`) one after the other on a home whose ~/.bashrc is big
enough (about 1 MB: a long pasted comment) that writing it takes a few milliseconds, with a
~/.profile that does not source it and fish's two owned files; the parent kills it with
SIGKILL after a random delay, then looks:
* ~/.bashrc and ~/.profile are each exactly the version without the block or the version with
  it, never a cut or a mix, mode kept; fish's files are absent or whole;
* a temporary file the kill left (between creating it and renaming it) has awsmfa's suffix;
* then the next run, install or uninstall drawn at random (often one with nothing to change),
  leaves no temporary file anywhere and the files in the state it was asked for.
The real console script is killed too, a few dozen times, at random points of its run.
Counts are printed in the test summary; `--soak` kills ten times as often.
"""
import collections
import os
import random
import signal
import stat
import subprocess
import time
from unittest import mock

from awsshell_setup.setup import completer as completers
from awsshell_setup.setup import install, scope
from awsshell_setup.shells import rcblock
from awsshell_setup.core import fileio

import tiers
from shellkit import BIN, base_env, fake_completer

FIGURES = collections.OrderedDict()  # printed by conftest.pytest_terminal_summary
KILLS = tiers.rounds(300)
CLI_KILLS = tiers.rounds(30)
SHELLS = ["bash", "fish"]
FILES = (".bashrc", ".profile", ".config/fish/functions/mfa.fish", ".config/fish/functions/mfa_prompt.fish",
         ".config/fish/completions/aws.fish",
         ".config/fish/completions/awsmfa.fish", ".config/fish/completions/mfa.fish")


def quiet(*_):
    pass


def setup_home(root):
    home = os.path.join(root, "home")
    os.mkdir(home)
    with open(os.path.join(home, ".bashrc"), "w") as handle:
        handle.write("# ~/.bashrc\nalias ll='ls -l'\n# " + "pasted notes 0123456789 " * 40000 + "\nexport X=1")
    os.chmod(os.path.join(home, ".bashrc"), 0o640)
    with open(os.path.join(home, ".profile"), "w") as handle:
        handle.write("# ~/.profile: does not source ~/.bashrc\r\nexport PATH=\"$HOME/bin:$PATH\"\r\n")
    return home


def account(home):
    environ = {"HOME": home, "PATH": "/usr/bin:/bin"}
    return environ, scope.Account("user", home, os.getuid(), os.getgid(), environ)


def run(home, completer, installing):
    environ, acct = account(home)
    with mock.patch.object(completers, "check", lambda path, environ=None: ""):
        if installing:
            return install.install(SHELLS, environ, completer=completer, account=acct, say=quiet, show=quiet,
                                   check_new_shells=False)
        return install.uninstall(SHELLS, environ, account=acct, say=quiet, show=quiet)


def state(home):
    """{file: bytes or None}. An owned file's second line saying install made its folder
    (rcblock.FOLDER_NOTE) is left out: whether the folder was there when a run began is what a
    kill changes (a folder made, its first file not yet written), not whether a file is whole."""
    result = {}
    for rel in FILES:
        try:
            with open(os.path.join(home, rel), "rb") as handle:
                result[rel] = handle.read().replace(rcblock.FOLDER_NOTE.encode(), b"", 1)
        except FileNotFoundError:
            result[rel] = None
    return result


def temporaries(home):
    return [os.path.join(folder, name) for folder, _, names in os.walk(home) for name in names
            if name not in [os.path.basename(rel) for rel in FILES]]


def churn_forever(home, completer):
    """The child: install, uninstall, install... until killed."""
    try:
        installing = True
        while True:
            run(home, completer, installing)
            installing = not installing
    finally:
        os._exit(1)


def test_sigkill_at_random_points_leaves_each_rc_file_old_or_new(tmp_path):
    home = setup_home(str(tmp_path))
    completer = fake_completer(tmp_path / "bin")
    without = state(home)
    started = time.monotonic()
    run(home, completer, True)
    with_block = state(home)
    run(home, completer, False)
    one_run = (time.monotonic() - started) / 2
    assert state(home) == without and with_block[".bashrc"] != without[".bashrc"]

    rng = random.Random(4321)
    outcomes = collections.Counter()
    for _ in range(KILLS):
        pid = os.fork()
        if pid == 0:
            churn_forever(home, completer)
        time.sleep(rng.uniform(0, 3 * one_run))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)

        now = state(home)
        for rel in FILES:
            assert now[rel] in (without[rel], with_block[rel]), f"{rel}: partial or mixed after a kill"
            outcomes[f"{rel}: {'new' if now[rel] == with_block[rel] and now[rel] != without[rel] else 'old'}"] += 1
        assert stat.S_IMODE(os.stat(os.path.join(home, ".bashrc")).st_mode) == 0o640
        leftovers = temporaries(home)
        for path in leftovers:
            assert path.endswith(fileio.TEMP_SUFFIX), path
        outcomes["kills that left a temporary file"] += bool(leftovers)

        # The next run, whatever it is asked, sweeps what the kill left.
        installing = rng.random() < 0.5
        expected = with_block if installing else without
        outcomes["next runs with nothing to change"] += now == expected
        changed = run(home, completer, installing)
        assert changed == (now != expected)
        assert temporaries(home) == [], "a temporary file survived the next run"
        assert state(home) == expected

    FIGURES["SIGKILLs during install/uninstall (bash+fish: 6 files)"] = KILLS
    FIGURES["after a kill, ~/.bashrc old / new / partial"] = (
        f"{outcomes['.bashrc: old']} / {outcomes['.bashrc: new']} / 0")
    FIGURES["after a kill, any of the 6 files partial or mixed"] = 0
    FIGURES["kills that left a temporary file; left after the next run"] = (
        f"{outcomes['kills that left a temporary file']}; 0")
    FIGURES["  next runs that had nothing to change (and swept anyway)"] = outcomes["next runs with nothing to change"]
    FIGURES["  one install+uninstall of a 1 MB ~/.bashrc takes (ms)"] = f"{one_run * 1000:.1f}"


def test_sigkill_of_the_console_script_at_random_points(tmp_path):
    home = setup_home(str(tmp_path))
    completer = fake_completer(tmp_path / "bin")
    env = base_env(home)
    awsmfa = os.path.join(BIN, "awsmfa")
    without = state(home)
    argv = {True: [awsmfa, "install", "--yes", "--shell", "bash", "--shell", "fish", "--completer", completer],
            False: [awsmfa, "uninstall", "--yes", "--shell", "bash", "--shell", "fish"]}
    started = time.monotonic()
    subprocess.run(argv[True], env=env, check=True, capture_output=True)
    whole = time.monotonic() - started
    with_block = state(home)
    subprocess.run(argv[False], env=env, check=True, capture_output=True)
    assert state(home) == without

    rng = random.Random(99)
    outcomes = collections.Counter()
    installing = True
    for _ in range(CLI_KILLS):
        before = state(home)
        process = subprocess.Popen(argv[installing], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 1.0) * whole)
        process.send_signal(signal.SIGKILL)
        finished = process.wait() == 0
        outcomes["runs that finished before the kill"] += finished
        now = state(home)
        for rel in FILES:
            assert now[rel] in (without[rel], with_block[rel]), f"{rel}: partial or mixed after a kill"
        outcomes["kills that changed some file"] += now != before
        outcomes["kills that left a temporary file"] += bool(temporaries(home))
        installing = not installing
    result = subprocess.run(argv[True], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert temporaries(home) == [] and state(home) == with_block
    FIGURES["SIGKILLs of the real `awsmfa` install/uninstall"] = (
        f"{CLI_KILLS} ({outcomes['runs that finished before the kill']} had finished, "
        f"{outcomes['kills that changed some file']} came after a write), partial files 0")
    FIGURES["  of which left a temporary file; left after the next run"] = (
        f"{outcomes['kills that left a temporary file']}; 0")
