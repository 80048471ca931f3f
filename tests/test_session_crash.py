"""Crash safety: a writer SIGKILLed at random points, hundreds of times.

A child process writes session after session into a credentials file big enough (about
1 MB, mostly one long comment) that writing it takes a few milliseconds; the parent kills it with
SIGKILL after a random delay, then looks. The file must always be exactly one of the versions
a complete write produces (the old one or a new one, never a mix or a cut), with mode 0600 and
every other byte intact. A kill between creating the temporary file and renaming it leaves
that file behind (0600: it holds the session); the next write sweeps it, under the lock. Both
are counted; `--soak` kills ten times as often.
"""
import collections
import os
import random
import signal
import stat
import time

import tiers
from awsshell_setup.core import timeutil
from awsshell_setup.core.inifile import IniDocument
from awsshell_setup.sessions.profiles import SESSION_KEYS, Credentials, SourceProfile, session_items, write_session

FIGURES = collections.OrderedDict()  # printed by conftest.pytest_terminal_summary
KILLS = tiers.rounds(300)
SOURCE = SourceProfile("default", "AKIALONGTERM0000", "long/term+secret", region="eu-west-1")
EXPIRY = timeutil.parse_utc("2030-01-01T00:00:00Z")


def session(number):
    # The writer's own input, not awsenv's stored_session text: this suite tests write_session
    # itself, so every version of the file must come from it (and from session_items, below).
    return Credentials(f"ASIA{number:016d}", f"secret/{number:08d}+" + "s" * 24, f"token{number:08d}" + "t" * 700,
                       EXPIRY)


def base_text():
    # A long comment (a pasted key file, say): cheap to parse, slow to write and fsync, so
    # kills land inside the write and the rename as well as in the parsing before them.
    profiles = "".join(f"\n# account {n}\n[acct{n}]\naws_access_key_id = AKIA{n:016d}\n"
                       f"aws_secret_access_key = {'k' * 40}\nregion = eu-west-{n % 3 + 1}\n" for n in range(50))
    return ("# my keys\n[default]\naws_access_key_id = AKIALONGTERM0000\naws_secret_access_key = long/term+secret\n"
            + profiles + "\n# " + "0123456789abcdef" * 65536 + "\n")


def version(base, number):
    """The file after the write of session `number`: what a complete write leaves."""
    if number == 0:
        return base
    return IniDocument(base).with_section("mfa", session_items(session(number), SOURCE, 3600), drop=SESSION_KEYS)


def number_in(text):
    marker = "aws_access_key_id = ASIA"
    at = text.find(marker)
    return 0 if at < 0 else int(text[at + len(marker):at + len(marker) + 16])


def write_forever(environ, first):
    """The child: one session after another, until killed."""
    try:
        number = first
        while True:
            write_session(environ, "mfa", session(number), SOURCE, 3600)
            number += 1
    finally:
        os._exit(1)


def temporaries(folder):
    return [name for name in os.listdir(folder) if name != "credentials"]


def test_sigkill_at_random_points_leaves_the_old_or_the_new_file(tmp_path):
    folder = tmp_path / ".aws"
    folder.mkdir()
    path = folder / "credentials"
    base = base_text()
    path.write_text(base)
    environ = {"HOME": str(tmp_path)}

    # How long one write takes here, to spread the kills over it.
    started = time.monotonic()
    for number in range(1, 11):
        write_session(environ, "mfa", session(number), SOURCE, 3600)
    write_time = (time.monotonic() - started) / 10
    current = 10

    rng = random.Random(1234)
    outcomes = collections.Counter()
    left_behind = 0
    for _ in range(KILLS):
        pid = os.fork()
        if pid == 0:
            write_forever(environ, current + 1)
        time.sleep(rng.uniform(0, 2.5 * write_time))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)

        text = path.read_text()
        number = number_in(text)
        assert number >= current, "an older version came back"
        assert text == version(base, number), f"partial or mixed file after a kill (session {number})"
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        outcomes["new version" if number > current else "old version"] += 1
        current = number
        leftovers = temporaries(folder)
        for name in leftovers:
            assert name.startswith(".credentials.") and name.endswith(".awsmfa-tmp"), name
            assert stat.S_IMODE(os.stat(folder / name).st_mode) == 0o600  # it may hold a session
        left_behind += bool(leftovers)
        outcomes["temporary file left by the kill"] += bool(leftovers)

    # The next run sweeps what the last kill left.
    write_session(environ, "mfa", session(current + 1), SOURCE, 3600)
    assert temporaries(folder) == []
    assert path.read_text() == version(base, current + 1)

    FIGURES["SIGKILLs during writes"] = KILLS
    FIGURES["after a kill: old version / new version / partial"] = (
        f"{outcomes['old version']} / {outcomes['new version']} / 0")
    FIGURES["kills that left a temporary file (swept by the next run)"] = left_behind
    FIGURES["sessions written meanwhile; one write takes (ms)"] = f"{current}; {write_time * 1000:.1f}"
    # The kills really landed inside writes, in both halves: before and after the rename.
    assert outcomes["old version"] and outcomes["new version"] and left_behind
