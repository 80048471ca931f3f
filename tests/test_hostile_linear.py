"""Every parse of a user's file is linear in its size (docs/ARCHITECTURE.md §4, "Users' files").

Each test grows a hostile input 8x and requires the time of a public entry point to grow about
linearly: at most GROWTH_BOUND times (8 for linear, 64 for quadratic), the best of a few runs
each, with inputs big enough that the parse, not the call's fixed cost, is measured. A ratio,
never an absolute time, so a loaded machine slows both sides alike.

The shapes are those an attacker (a shared config, a dotfile repository) can plant within the
size limits: `alias alias ...` in ~/.bash_aliases, a run of blanks inside a config key, a huge
`[profile "..."]` header, a section of many keys, a long continued value, a file of many blocks.
"""
import gc
import os
import signal
import time

import pytest

from awsshell_setup import cli, shells
from awsshell_setup.core import inifile
from awsshell_setup.shells import rcblock
from awsshell_setup.core.errors import AwsmfaError
from awsshell_setup.sessions.profiles import AwsFiles

GROWTH = 8
GROWTH_BOUND = 24  # 3x the linear 8; quadratic is 64
ROUNDS = 3
MEASURED_SECONDS = 0.05


class TooSlow(Exception):
    pass


def _stop(signum, frame):
    raise TooSlow


def best_time(call, argument, limit=None, repeat=1):
    """The best of ROUNDS, the garbage collector off: its passes over everything allocated so
    far are not the parse's, and they come at moments that would make one side look slow.
    A round past `limit` seconds is cut short (a quadratic parse of the large input would run
    for minutes; the regular expression engine and Python code both see the signal): None
    when every round was."""
    best = None
    gc.collect()
    gc.disable()
    previous = signal.signal(signal.SIGALRM, _stop)
    try:
        for _ in range(ROUNDS):
            start = time.perf_counter()
            try:
                if limit:
                    signal.setitimer(signal.ITIMER_REAL, limit)
                for _ in range(repeat):
                    call(argument)
            except TooSlow:
                continue
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            took = time.perf_counter() - start
            best = took if best is None else min(best, took)
    finally:
        signal.signal(signal.SIGALRM, previous)
        gc.enable()
    return best


def assert_linear(call, make, size):
    """call(make(size)) and call(make(8 * size)): the second may take GROWTH_BOUND times the first."""
    small, large = make(size), make(GROWTH * size)
    call(small)  # warm: imports, compiled patterns
    # A call of a few milliseconds is mostly noise on a busy machine: time as many calls in a
    # row as make MEASURED_SECONDS for the small input, and as many for the large one.
    once = best_time(call, small)
    repeat = max(1, min(1000, int(MEASURED_SECONDS / max(once, 1e-6)) + 1))
    small_time = best_time(call, small, repeat=repeat)
    large_time = best_time(call, large, limit=GROWTH_BOUND * small_time, repeat=repeat)
    assert large_time is not None, (f"{GROWTH}x the input took more than {GROWTH_BOUND}x the time "
                                    f"({small_time:.4f}s -> over {GROWTH_BOUND * small_time:.4f}s): not linear")
    ratio = large_time / small_time
    assert ratio < GROWTH_BOUND, (f"{GROWTH}x the input took {ratio:.1f}x the time "
                                  f"({small_time:.4f}s -> {large_time:.4f}s): not linear")


# -- the AWS files: what status, env (both paths) and Tab read -----------------------------

AWS_VARIABLES = ("AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE")


def aws_files(tmp_path, monkeypatch, config_text):
    """An environment naming a credentials file and a config file holding `config_text`, in a
    folder of their own (the small and the large input live side by side)."""
    folder = tmp_path / f"aws-{len(config_text)}"
    folder.mkdir(exist_ok=True)
    (folder / "credentials").write_text("[default]\naws_access_key_id = AKIAEXAMPLE\n"
                                        "aws_secret_access_key = secret\n")
    (folder / "config").write_text(config_text)
    for name in AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)  # restored after the test; set per call
    return dict(os.environ, AWS_SHARED_CREDENTIALS_FILE=str(folder / "credentials"),
                AWS_CONFIG_FILE=str(folder / "config"))


def filler(lines):
    """Ordinary profiles: linear work for the parse to do besides the hostile line."""
    return "".join(f"[profile p{index}]\nregion = us-east-1\n" for index in range(lines))


def read_checked(environ):
    """What status, login and env's full path do first: both files, with configparser's verdict."""
    try:
        AwsFiles(environ)
    except AwsmfaError:
        pass


def read_cached(environ):
    """What env's cached path does: the scanner only; an odd file goes to the full path."""
    files = AwsFiles(environ, check=False)
    if not files.odd:
        files.config_profiles()


class Tab:
    """Tab after `mfa --profile `: click's completion callback for the option."""
    name = "profile"

    def __call__(self, environ):
        os.environ.update({name: environ[name] for name in AWS_VARIABLES})  # it reads os.environ
        cli._profile_names(None, self, "")


@pytest.mark.parametrize("read", [read_checked, read_cached, Tab()], ids=["checked", "cached", "tab"])
def test_blanks_inside_a_config_key(tmp_path, monkeypatch, read):
    # configparser's option pattern retried its blank-skip at each character: "a", 40k blanks,
    # "b" kept status busy 11 s.
    def make(size):
        return aws_files(tmp_path, monkeypatch, filler(size // 4) + "[profile x]\na" + " " * size + "b = c\n")

    assert_linear(read, make, 3000)


def test_blanks_inside_a_config_key_are_refused_in_one_line(tmp_path, monkeypatch):
    environ = aws_files(tmp_path, monkeypatch, "[default]\nregion = x\na" + " " * 5000 + "b = c\n")
    with pytest.raises(AwsmfaError) as refused:
        AwsFiles(environ)
    assert "line 3 has 5000 blanks in a row inside a key" in str(refused.value)
    assert "\n" not in str(refused.value)
    assert AwsFiles(environ, check=False).odd  # the cached path leaves it to the full one


@pytest.mark.parametrize("read", [read_checked, read_cached, Tab()], ids=["checked", "cached", "tab"])
def test_a_huge_quoted_profile_header(tmp_path, monkeypatch, read):
    # shlex (botocore's reading of `[profile "..."]`, and ours) copies its token per character.
    def make(size):
        return aws_files(tmp_path, monkeypatch, '[profile "' + "a" * size + '"]\nregion = x\n')

    assert_linear(read, make, 120000)


def test_padded_keys_and_ordinary_headers_still_read():
    text = ("[profile " + "p" * 200 + "]\nregion" + " " * 200 + "= us-east-1\n"
            "credential_process = a  b   c\n")
    document = inifile.IniDocument(text)
    assert document.section("profile " + "p" * 200)["region"] == "us-east-1"
    assert not document.odd


@pytest.mark.parametrize("check", [True, False], ids=["checked", "cached"])
def test_a_section_of_many_keys(check):
    # The scanner's repeated-key test looked through every key before it for each key.
    assert_linear(lambda text: inifile.IniDocument(text, check=check),
                  lambda size: "[default]\n" + "".join(f"k{index} = 1\n" for index in range(size)), 4000)


def test_a_long_continued_value():
    assert_linear(lambda text: inifile.IniDocument(text, check=False),
                  lambda size: "[default]\nk = 1\n" + "  x\n" * size + "\n  y\n" * size, 20000)


# -- rc files: what install (--user too), uninstall and status read -------------------------

@pytest.mark.parametrize("shell_name, line", [("bash", "alias "), ("zsh", "alias "), ("fish", "alias -x;")])
def test_alias_words_in_an_rc_file(shell_name, line):
    # `alias alias ...` in a 96 KB ~/.bash_aliases kept `install --user` busy 31 s: the pattern
    # for `alias ... mfa=` walked the rest of the line again from each `alias`.
    shell = shells.by_name(shell_name)
    assert_linear(shell.own_mfa, lambda size: line * size + "\n", 1500)


@pytest.mark.parametrize("shell_name, text, found", [
    ("bash", "alias ll='ls -l' mfa='echo'\n", True),
    ("bash", "alias -g  mfa=x\n", True),
    ("bash", "alias ll=ls; echo mfa=x\n", False),
    ("zsh", "(alias mfa=x)\n", True),
    ("fish", "alias -s mfa 'echo'\n", True),
    ("fish", "alias 'mfa=echo'\n", True),
    ("fish", "x;alias mfa=echo\n", True),
    ("fish", "alias mfax echo\n", False),
])
def test_own_mfa_aliases_still_found(shell_name, text, found):
    assert (shells.by_name(shell_name).own_mfa(text) is not None) is found


def blocks(count):
    return (rcblock.BEGIN + "\n" + rcblock.END + "\n") * count


def test_a_file_of_many_blocks():
    # Cutting the blocks out one by one copied the whole text per block.
    assert_linear(lambda text: rcblock.without_blocks(text, "rc"), blocks, 4000)
    assert_linear(lambda text: rcblock.with_block(text, "body\n", "rc"), blocks, 4000)
