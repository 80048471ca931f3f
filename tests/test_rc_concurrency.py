"""Many `awsmfa install` and `awsmfa uninstall` at once on one home, with another writer
appending the user's own lines to ~/.bashrc and ~/.profile through the same lock meanwhile.

* Fast and many: processes that each run install() then uninstall() (the code behind the two
  commands, real locks, real files) round after round, for bash (~/.bashrc and a ~/.profile
  that does not source it, so two files per run) and fish (two owned files, their folders
  created and removed), ending with an install; an appender process adds numbered lines to
  ~/.bashrc and ~/.profile between them, in place or by atomic rename, always under the lock;
  a reader samples both files all along. Every sample: the file parses, holds at most one
  block, starts with the user's original text and holds the lines appended so far, in order.
  Afterwards: exactly one block, every appended line once; then everyone uninstalls at once:
  no block, and the files are the originals plus the appended lines, byte for byte.
* The real console script: `awsmfa install` / `awsmfa uninstall` processes in shell loops,
  at once, with the appender: the same checks.

Figures (processes x rounds, runs, lines appended, samples, losses) are printed in the test
summary. `--soak` runs ten times the rounds.
"""
import collections
import multiprocessing
import os
import shutil
import subprocess
import threading
import time

from awsshell_setup.setup import install, scope
from awsshell_setup.core import fileio
from awsshell_setup.shells import rcblock

import tiers
from shellkit import BIN, SKEL_BASHRC, base_env, fake_completer
from test_rc_props import model_blocks, model_outside  # the tests' own reading of markers

FIGURES = collections.OrderedDict()  # printed by conftest.pytest_terminal_summary
PROCESSES = 8
ROUNDS = tiers.rounds(25)
CLI_PROCESSES = 4
CLI_ROUNDS = tiers.rounds(3)
PROFILE = "# ~/.profile of my own: it does not source ~/.bashrc\nexport PATH=\"$HOME/bin:$PATH\"\n"


def appended_line(name, number):
    return f"export APPENDED_{name}_{number:05d}=1  # the user's tool, line {number}\n"


# --- the processes (module level: run by forkserver) ------------------------------------------


def quiet(*_):
    pass


def installer(home, completer, rounds, start, errors):
    """install then uninstall, `rounds` times, then install: as `awsmfa install --shell bash
    --shell fish --yes` and `awsmfa uninstall --shell bash --shell fish --yes` do."""
    environ = {"HOME": home, "PATH": "/usr/bin:/bin"}
    acct = scope.Account("user", home, os.getuid(), os.getgid(), environ)
    start.wait()
    failures = 0
    for round_number in range(rounds * 2 + 1):
        try:
            if round_number % 2 == 0:
                install.install(["bash", "fish"], environ, completer=completer, account=acct, say=quiet, show=quiet,
                                check_new_shells=False)
            else:
                install.uninstall(["bash", "fish"], environ, account=acct, say=quiet, show=quiet)
        except Exception as error:  # counted, reported, asserted zero
            failures += 1
            errors.put(f"{type(error).__name__}: {error}")
    errors.put(("failures", failures))


def uninstaller(home, start, errors):
    environ = {"HOME": home, "PATH": "/usr/bin:/bin"}
    acct = scope.Account("user", home, os.getuid(), os.getgid(), environ)
    start.wait()
    try:
        install.uninstall(["bash", "fish"], environ, account=acct, say=quiet, show=quiet)
    except Exception as error:
        errors.put(f"{type(error).__name__}: {error}")


def appender(home, start, stop, counts):
    """The user's own tool: adds a numbered line to ~/.bashrc and ~/.profile under the lock,
    half the time appending in place, half the time by writing a new file and renaming it."""
    start.wait()
    number = 0
    while not stop.is_set() or number < 5:
        number += 1
        for name in (".bashrc", ".profile"):
            path = os.path.join(home, name)
            with fileio.locked(path):
                if number % 2:
                    with open(path, "a", encoding="utf-8") as handle:
                        handle.write(appended_line(name, number))
                else:
                    fileio.write_atomic(path, fileio.read_text(path) + appended_line(name, number))
        time.sleep(0.003)
    counts.put(number)


# --- checks -------------------------------------------------------------------------------------


def check_version(text, original, name, at_least=0, sampled=False):
    """What must hold of any version of the file: it parses, it holds at most one block, the
    user's original text comes first, then the appended lines in order, none missing, none twice.
    Returns how many lines were appended in this version.

    sampled: read without the lock while the user's tool may be appending in place; the last
    line may then be caught half written (the tool's write, not ours)."""
    blocks = model_blocks(text)
    assert blocks is not None and len(blocks) <= 1, text
    user = model_outside(text)
    assert user.startswith(original), user[:300]
    added = user[len(original):].splitlines(keepends=True)
    if sampled and added and not added[-1].endswith("\n"):
        assert appended_line(name, len(added)).startswith(added[-1]), added[-1]
        added.pop()
    assert added == [appended_line(name, number) for number in range(1, len(added) + 1)], added[:5]
    assert len(added) >= at_least
    return len(added), len(blocks)


class Sampler(threading.Thread):
    """Reads both files without the lock, as a new shell would, until told to stop."""

    def __init__(self, home, originals):
        super().__init__(daemon=True)
        self.home, self.originals = home, originals
        self.stop = threading.Event()
        self.samples, self.problems, self.seen = 0, [], collections.Counter()

    def run(self):
        last = {name: 0 for name in self.originals}
        while not self.stop.is_set():
            for name, original in self.originals.items():
                try:
                    with open(os.path.join(self.home, name), encoding="utf-8") as handle:
                        text = handle.read()
                    # Appended lines only grow: a sample never shows fewer than one before.
                    last[name], blocks = check_version(text, original, name, at_least=last[name], sampled=True)
                    self.seen[blocks] += 1
                    self.samples += 1
                except AssertionError as error:
                    self.problems.append(f"{name}: {error}"[:500])
                except Exception as error:
                    self.problems.append(f"{name}: {type(error).__name__}: {error}"[:500])
            time.sleep(0.001)


def prepare_home(root):
    home = os.path.join(root, "home")
    os.mkdir(home)
    shutil.copyfile(SKEL_BASHRC, os.path.join(home, ".bashrc"))
    with open(os.path.join(home, ".profile"), "w") as handle:
        handle.write(PROFILE)
    originals = {}
    for name in (".bashrc", ".profile"):
        with open(os.path.join(home, name), encoding="utf-8") as handle:
            originals[name] = handle.read()
    return home, originals


def final_checks(home, originals, appended, blocks_expected):
    losses = 0
    for name, original in originals.items():
        with open(os.path.join(home, name), encoding="utf-8") as handle:
            text = handle.read()
        count, blocks = check_version(text, original, name)
        assert blocks == blocks_expected, (name, blocks)
        losses += appended - count
        if blocks_expected == 0:
            # Byte for byte: the original, then the appended lines, nothing of ours left.
            assert text == original + "".join(appended_line(name, n) for n in range(1, appended + 1))
    fish = os.path.join(home, ".config", "fish")
    for rel in ("functions/mfa.fish", "completions/aws.fish"):
        present = os.path.exists(os.path.join(fish, rel))
        assert present == bool(blocks_expected), rel
        if present:
            with open(os.path.join(fish, rel)) as handle:
                assert rcblock.is_owned(handle.read())
    leftovers = [name for folder, _, names in os.walk(home) for name in names if name.endswith(fileio.TEMP_SUFFIX)]
    assert not leftovers, leftovers
    return losses


def drain(queue):
    items = []
    while not queue.empty():
        items.append(queue.get())
    return items


# --- the tests ----------------------------------------------------------------------------------


def test_parallel_install_and_uninstall_with_an_appender_lose_nothing(tmp_path):
    home, originals = prepare_home(str(tmp_path))
    completer = fake_completer(tmp_path / "bin")
    context = multiprocessing.get_context("forkserver")
    start, stop = context.Event(), context.Event()
    errors, counts = context.Queue(), context.Queue()
    workers = [context.Process(target=installer, args=(home, completer, ROUNDS, start, errors))
               for _ in range(PROCESSES)]
    feeder = context.Process(target=appender, args=(home, start, stop, counts))
    sampler = Sampler(home, originals)
    for process in workers + [feeder]:
        process.start()
    sampler.start()
    began = time.monotonic()
    start.set()
    for process in workers:
        process.join(timeout=600)
    stop.set()
    feeder.join(timeout=60)
    took = time.monotonic() - began
    sampler.stop.set()
    sampler.join()
    reported = drain(errors)
    failures = sum(item[1] for item in reported if isinstance(item, tuple))
    messages = [item for item in reported if not isinstance(item, tuple)]
    assert all(process.exitcode == 0 for process in workers + [feeder])
    assert not messages, messages[:5]
    assert not sampler.problems, sampler.problems[:3]
    appended = counts.get(timeout=10)
    losses = final_checks(home, originals, appended, blocks_expected=1)
    assert losses == 0

    # Then everyone uninstalls at once.
    start = context.Event()
    removers = [context.Process(target=uninstaller, args=(home, start, errors)) for _ in range(PROCESSES)]
    for process in removers:
        process.start()
    start.set()
    for process in removers:
        process.join(timeout=120)
    assert not drain(errors)
    assert final_checks(home, originals, appended, blocks_expected=0) == 0

    runs = PROCESSES * (ROUNDS * 2 + 1)
    FIGURES["install/uninstall processes x rounds (bash+fish, 6 files a run)"] = (
        f"{PROCESSES} x {ROUNDS} (+1 final install each, then {PROCESSES} uninstalls at once)")
    FIGURES["runs; failed runs"] = f"{runs} in {took:.1f} s; {failures}"
    FIGURES["lines appended meanwhile (~/.bashrc + ~/.profile), lost"] = f"{appended * 2}, {losses}"
    FIGURES["file versions sampled, all intact (with 0 / 1 block)"] = (
        f"{sampler.samples} ({sampler.seen[0]} / {sampler.seen[1]})")


def test_parallel_awsmfa_console_scripts_lose_nothing(tmp_path):
    home, originals = prepare_home(str(tmp_path))
    completer = fake_completer(tmp_path / "bin")
    env = base_env(home)
    awsmfa = os.path.join(BIN, "awsmfa")
    assert os.path.exists(awsmfa), awsmfa
    loop = (f'for i in $(seq {CLI_ROUNDS}); do '
            f'"$AWSMFA" install --yes --shell bash --shell fish --completer "$COMPLETER" || echo FAILED install; '
            f'"$AWSMFA" uninstall --yes --shell bash --shell fish || echo FAILED uninstall; done; '
            f'"$AWSMFA" install --yes --shell bash --shell fish --completer "$COMPLETER" || echo FAILED install')
    context = multiprocessing.get_context("forkserver")
    start, stop, counts = context.Event(), context.Event(), context.Queue()
    feeder = context.Process(target=appender, args=(home, start, stop, counts))
    feeder.start()
    sampler = Sampler(home, originals)
    sampler.start()
    start.set()
    began = time.monotonic()
    shells = [subprocess.Popen(["bash", "-c", loop], env=dict(env, AWSMFA=awsmfa, COMPLETER=completer),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for _ in range(CLI_PROCESSES)]
    outputs = [shell.communicate(timeout=600) for shell in shells]
    took = time.monotonic() - began
    stop.set()
    feeder.join(timeout=60)
    sampler.stop.set()
    sampler.join()
    failed = [line for out, err in outputs for line in (out + err).splitlines() if "FAILED" in line or "error" in line]
    assert not failed, failed[:4]
    assert not sampler.problems, sampler.problems[:3]
    appended = counts.get(timeout=10)
    losses = final_checks(home, originals, appended, blocks_expected=1)
    assert losses == 0
    result = subprocess.run([awsmfa, "uninstall", "--yes"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert final_checks(home, originals, appended, blocks_expected=0) == 0
    FIGURES["real `awsmfa` console-script processes x rounds (install + uninstall)"] = (
        f"{CLI_PROCESSES} x {CLI_ROUNDS} in {took:.1f} s, failed runs 0")
    FIGURES["  lines appended meanwhile, lost; samples intact"] = f"{appended * 2}, {losses}; {sampler.samples}"
