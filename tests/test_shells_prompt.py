"""The prompt helper and the warning, in real bash, zsh and fish (docs/ARCHITECTURE.md §4).

- `mfa_prompt` prints the time left in the session exported in the shell (`mfa 3h12m`, `mfa 4m`,
  `mfa 42s`, `mfa expired`) and nothing without one. Each shell computes it from
  AWS_CREDENTIAL_EXPIRATION with its own clock and arithmetic: checked against Python on dates
  across four centuries (leap days, 2100, offsets, fractions), with PATH emptied so that no
  `date` could help, and under strace: calling it starts no process at all.
- With AWSMFA_WARN set, `mfa` hooks a warning in before each prompt, shown while the session
  has under the reuse margin left or has ended; without it, nothing is hooked in. The hook
  keeps `$?` for prompts and hooks after it.

The interactive sessions are stored ones (the endpoint is a closed port): `mfa` reuses them.
"""
import datetime as dt
import os
import random
import re
import shutil
import subprocess
import time

import pytest

from awsshell_setup.sessions import envoutput, rules
from awsshell_setup import shells
from awsshell_setup.core import timeutil

from awsenv import stamp, stored_session
from shellkit import Interactive, base_env, new_home, require_awsmfa, require_shell

CLOSED = "http://127.0.0.1:9"
UTC = dt.timezone.utc


# --- what the helper should print ----------------------------------------------------------

def expected_text(seconds):
    seconds = int(seconds)
    if seconds <= 0:
        return "mfa expired"
    if seconds >= 3600:
        return f"mfa {seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"mfa {seconds // 60}m"
    return f"mfa {seconds}s"


def acceptable(moment, before, after):
    """What mfa_prompt may print for `moment` when the shell read its clock between `before`
    and `after` (epoch seconds): the texts for every whole second in between."""
    end = moment.timestamp()
    return {expected_text(end - now) for now in range(int(before) - 1, int(after) + 2)}


def rfc3339_forms(moment, rng):
    """`moment` as AWS_CREDENTIAL_EXPIRATION may spell it: Z (awsmfa, aws-vault), an offset,
    with or without a colon, with a fraction of a second."""
    offset = dt.timedelta(minutes=rng.choice([0, 330, -480, 765, -150]))
    local = moment.astimezone(dt.timezone(offset))
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    zone = rng.choice(["Z", "z"]) if not minutes else f"{sign}{minutes // 60:02d}{rng.choice([':', ''])}{minutes % 60:02d}"
    fraction = rng.choice(["", ".5", ".123456"])
    return local.strftime("%Y-%m-%dT%H:%M:%S") + fraction + zone


def moments():
    """Instants that test the date arithmetic: near now (every output form), leap days and
    century years (2000 is a leap year, 2100 is not), month ends, and random instants."""
    now = timeutil.now().replace(microsecond=0)
    near = [now + dt.timedelta(seconds=s) for s in (-86400, -30, 45, 59 * 60 + 50, 3 * 3600 + 12 * 60 + 30,
                                                    12 * 3600 - 20, 36 * 3600 + 61)]
    fixed = [dt.datetime(*fields, tzinfo=UTC) for fields in [
        (2000, 2, 29, 12, 0, 0), (2000, 3, 1, 0, 0, 0), (2100, 2, 28, 23, 59, 59), (2100, 3, 1, 0, 0, 1),
        (2024, 2, 29, 8, 30, 0), (2027, 12, 31, 23, 59, 59), (2028, 1, 1, 0, 0, 0), (2038, 1, 19, 3, 14, 8),
        (2400, 2, 29, 0, 0, 0), (1971, 6, 1, 0, 0, 0), (2099, 12, 31, 0, 0, 0), (2026, 1, 31, 1, 2, 3)]]
    rng = random.Random(20261129)
    spread = [dt.datetime.fromtimestamp(rng.randrange(0, 13_000_000_000), UTC) for _ in range(60)]
    return near + fixed + spread


# --- the helper alone, non-interactive ------------------------------------------------------

def rendered(tmp_path, shell_name):
    """The function and prompt sections, as install writes them, in a file to source."""
    path = tmp_path / f"block.{shell_name}"
    path.write_text(shells.by_name(shell_name).render(("function", "prompt")))
    return path


# Per shell: source the block (with the user's stricter options on), then print one line per
# value of the file given: the value exported, mfa_prompt's answer. `print_form` is bash's and
# zsh's `-v NAME` (no subshell) or fish's plain call (fish runs functions in-process).
LOOPS = {
    "bash": ["bash", "--norc", "--noprofile", "-c", 'set -u; source "$1"; while IFS= read -r value; do '
             'export AWS_CREDENTIAL_EXPIRATION="$value"; mfa_prompt -v answer; '
             'printf "%s|%s|%s\\n" "$value" "$answer" "$(mfa_prompt)"; done < "$2"', "bash"],
    "zsh": ["zsh", "-f", "-c", 'setopt ksh_arrays octal_zeroes bash_rematch no_unset warn_create_global; '
            'source "$1"; while IFS= read -r value; do export AWS_CREDENTIAL_EXPIRATION="$value"; '
            'mfa_prompt -v answer; printf "%s|%s|%s\\n" "$value" "$answer" "$(mfa_prompt)"; done < "$2"', "zsh"],
    "fish": ["fish", "--no-config", "-c", 'source $argv[1]; while read -l value; '
             'set -gx AWS_CREDENTIAL_EXPIRATION $value; set -l answer (mfa_prompt); '
             'printf "%s|%s|%s\\n" $value "$answer" "$answer"; end < $argv[2]'],
}


def check_dates(tmp_path, shell_name, block, path):
    """mfa_prompt of `block` in `shell_name`, with PATH `path`, against Python on moments()."""
    rng = random.Random(shell_name)
    cases = [(moment, rfc3339_forms(moment, rng)) for moment in moments()]
    values = tmp_path / "values"
    values.write_text("".join(text + "\n" for _, text in cases))
    argv = [os.path.realpath(require_shell(shell_name))] + LOOPS[shell_name][1:] + [str(block), str(values)]
    before = time.time()
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120,
                            env={"PATH": path, "HOME": str(tmp_path), "LC_ALL": "C.UTF-8"})
    after = time.time()
    assert result.returncode == 0 and not result.stderr, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(cases), result.stdout
    for (moment, text), line in zip(cases, lines):
        value, answer, printed = line.split("|")
        assert value == text
        assert answer in acceptable(moment, before, after), (text, moment.isoformat(), answer)
        assert printed == answer, (text, printed, answer)


@pytest.mark.parametrize("shell_name", shells.SUPPORTED)
def test_prompt_helper_agrees_with_python_on_dates_across_centuries(tmp_path, shell_name):
    require_shell(shell_name)
    # PATH names nothing: the helper must manage with the shell's own builtins.
    check_dates(tmp_path, shell_name, rendered(tmp_path, shell_name), "/nonexistent")


# fish before 3.5 has no `path` builtin: the helper reads the clock with `date` instead.
NO_PATH_BUILTIN = ("contains path (builtin -n)", "false")


def test_fish_before_3_5_reads_the_clock_with_date_and_agrees_with_python(tmp_path):
    """The branch fish 3.0 to 3.4 take (Ubuntu 22.04 ships 3.3), forced on this fish by
    rendering the block with that test false; `date` is on PATH, as it is there."""
    require_shell("fish")
    block = rendered(tmp_path, "fish")
    text = block.read_text()
    assert text.count(NO_PATH_BUILTIN[0]) == 1
    block.write_text(text.replace(*NO_PATH_BUILTIN))
    check_dates(tmp_path, "fish", block, os.path.dirname(shutil.which("date")))


def test_fish_prompt_uses_nothing_newer_than_fish_3_0_but_the_guarded_clock():
    """`string match --groups-only` (-g) is fish 3.4+, `path` 3.5+ (read only behind its
    check): the helper must parse the date on the fish of Ubuntu 22.04 and Debian 11 too."""
    code = shells.load_template(shells.by_name("fish").template)["prompt"]
    for flags in re.findall(r"string match (-\S+(?: -\S+)*)", code):
        assert "g" not in flags.replace("--", "").lstrip("-") and "--groups-only" not in flags, flags
    uses = [line for line in code.splitlines() if re.search(r"\(path ", line)]
    assert len(uses) == 1 and code.index(NO_PATH_BUILTIN[0]) < code.index(uses[0]), uses


@pytest.mark.parametrize("shell_name", shells.SUPPORTED)
@pytest.mark.parametrize("value", ["", "soon", "2026-11-29", "2026-13-45T99:00:00Z", "2026-11-29T10:00:00",
                                   "1764410400", "2026-11-29T10:00:00+5", "2026-11-00T10:00:00Z",
                                   "2026-11-29T24:00:00Z", "2026-11-29T10:60:00Z", "2026-11-29T10:00:00+24:00",
                                   "2026-11-29T10:00:00Z trailing"])
def test_prompt_helper_prints_nothing_without_a_usable_time(tmp_path, shell_name, value):
    """No session exported (unset or empty), or a value that is not RFC 3339 with a zone: no
    text, status 0, nothing on stderr (a prompt must never print errors)."""
    require_shell(shell_name)
    block = rendered(tmp_path, shell_name)
    if shell_name == "fish":
        script = ('source $argv[1]; set -e AWS_CREDENTIAL_EXPIRATION; test -n "$argv[2]"; '
                  'and set -gx AWS_CREDENTIAL_EXPIRATION $argv[2]; true; mfa_prompt; echo "status=$status"')
        argv = [require_shell("fish"), "--no-config", "-c", script, str(block), value]
    else:
        script = ('source "$1"; unset AWS_CREDENTIAL_EXPIRATION; [ -n "$2" ] && export AWS_CREDENTIAL_EXPIRATION="$2"; '
                  'true; mfa_prompt; echo "status=$?"; mfa_prompt -v answer; echo "answer=[$answer]"')
        argv = [require_shell(shell_name), "-c", script, shell_name, str(block), value]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                            env={"PATH": "/nonexistent", "HOME": str(tmp_path)})
    expected = "status=0\n" + ("" if shell_name == "fish" else "answer=[]\n")
    assert (result.stdout, result.stderr) == (expected, ""), result


def _process_events(log_path):
    """execve calls and new processes (not threads: fish runs a thread pool) in an strace log."""
    events = []
    with open(log_path) as log:
        for line in log:
            if re.search(r"\b(execve|fork|vfork)\(", line) or (re.search(r"\bclone3?\(", line)
                                                               and "CLONE_THREAD" not in line):
                events.append(line.strip())
    return events


CALLS = {
    "bash": "for i in 1 2 3 4 5; do mfa_prompt -v answer; _mfa_warn; done; printf '%s\\n' \"$answer\"",
    "zsh": "for i in 1 2 3 4 5; do mfa_prompt -v answer; _mfa_warn; done; printf '%s\\n' \"$answer\"",
    "fish": "for i in 1 2 3 4 5; set answer (mfa_prompt); mfa_prompt --warn; end; printf '%s\\n' $answer",
}


@pytest.mark.parametrize("shell_name", shells.SUPPORTED)
def test_prompt_helper_starts_no_process(tmp_path, shell_name):
    """Under strace: sourcing the block and calling mfa_prompt (and the warning) five times
    starts exactly the processes sourcing it alone starts (the shell itself), not one more."""
    strace = require_shell("strace")
    block = rendered(tmp_path, shell_name)
    expiration = timeutil.format_utc(timeutil.now() + dt.timedelta(seconds=200))

    def traced(calls):
        log = tmp_path / f"strace-{len(calls)}.log"
        if shell_name == "fish":
            argv = ["fish", "--no-config", "-c", f"source $argv[1]; {calls}", str(block)]
        else:
            argv = [shell_name, "-c", f'source "$1"; {calls}', shell_name, str(block)]
        env = base_env(tmp_path, AWS_CREDENTIAL_EXPIRATION=expiration, AWSMFA_WARN="1")
        result = subprocess.run([strace, "-f", "-qq", "-e", "trace=execve,fork,vfork,clone,clone3", "-o", str(log),
                                 *argv], capture_output=True, text=True, timeout=60, env=env)
        assert result.returncode == 0, result.stderr
        return result, _process_events(log)

    _, alone = traced("true")
    result, with_calls = traced(CALLS[shell_name])
    assert result.stdout.startswith("mfa "), result.stdout
    assert len(alone) == 1 and "execve(" in alone[0], alone  # the shell itself
    assert len(with_calls) == len(alone), with_calls


def test_the_warning_threshold_is_the_reuse_margin():
    """Each template warns from the point where `mfa` stops reusing a session and asks for a
    new code: the margin env exports with the session (render.MARGIN_VARIABLE), else the
    default one (rules.REUSE_MARGIN_SECONDS), and says so."""
    for name in shells.SUPPORTED:
        shell = shells.by_name(name)
        template = shells.load_template(shell.template)
        code = template["prompt"] + template["function"]
        defaults = re.findall(r"(?:_mfa_margin=|set -l margin )(\d+)\b", code)
        assert defaults and set(map(int, defaults)) == {rules.REUSE_MARGIN_SECONDS}, (name, defaults)
        assert re.search(r"(?:< _mfa_margin|-lt \$margin)\b", code), name
        assert f"{envoutput.MARGIN_VARIABLE}-}}" in code or f'"${envoutput.MARGIN_VARIABLE}"' in code, name
        words = re.sub(r"\s*\n\s*#\s*", " ", code)  # comments joined across their lines
        assert "within its reuse margin" in words, name


@pytest.mark.parametrize("shell_name", shells.SUPPORTED)
def test_the_warning_starts_at_the_exported_margin_and_ignores_a_bad_one(tmp_path, shell_name):
    """A 900 s session is reused until 90 s are left, so env exports AWSMFA_REUSE_MARGIN=90:
    no warning with 200 s left, one with 60 s. Without the variable, or with a value that is
    not a plain number (arithmetic that would run a command, octal, a sign, six digits), the
    default 300 holds and nothing runs."""
    require_shell(shell_name)
    block = rendered(tmp_path, shell_name)
    pwned = tmp_path / "pwned"
    cases = [(200, "90", False), (60, "90", True), (200, "-", True), (400, "-", False), (200, "600", True),
             (200, f"a[$(touch {pwned})]", True), (200, f"$(touch {pwned})", True), (200, "090", True),
             (200, "-5", True), (200, "1e2", True), (200, "123456", True), (200, " 90", True), (200, "", True)]
    values = tmp_path / "cases"  # a line each: the end, a tab, the margin
    values.write_text("".join(f"{stamp(left)}\t{margin}\n" for left, margin, _ in cases))
    if shell_name == "fish":
        script = ('source $argv[1]; while read -l line; set -l fields (string split \\t -- $line); '
                  'set -gx AWS_CREDENTIAL_EXPIRATION $fields[1]; set -e AWSMFA_REUSE_MARGIN; '
                  'test "$fields[2]" = -; or set -gx AWSMFA_REUSE_MARGIN $fields[2]; '
                  'printf "%s|" $line; mfa_prompt --warn 2>&1; echo; end < $argv[2]')
        argv = ["fish", "--no-config", "-c", script, str(block), str(values)]
    else:
        script = ('source "$1"; while IFS= read -r line; do export AWS_CREDENTIAL_EXPIRATION="${line%%\t*}"; '
                  'margin="${line#*\t}"; unset AWSMFA_REUSE_MARGIN; '
                  '[ "$margin" = - ] || export AWSMFA_REUSE_MARGIN="$margin"; '
                  'printf "%s|" "$line"; _mfa_warn 2>&1; echo; done < "$2"')
        argv = [shell_name, "-c", script, shell_name, str(block), str(values)]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                            env=base_env(tmp_path, AWSMFA_WARN="1"))
    assert result.returncode == 0 and not result.stderr, result
    lines = [line for line in result.stdout.splitlines() if line]
    assert len(lines) == len(cases), result.stdout
    for (left, margin, warns), line in zip(cases, lines):
        said = line.split("|", 1)[1]
        assert bool(WARN_SOON.search(said + "\n")) == warns, (margin, left, line)
    assert not pwned.exists()


# --- in real interactive shells ---------------------------------------------------------------

def home_with_session(tmp_path, expires_in, duration=43200):
    """A home with a stored session (`expires_in` seconds left, `duration` long) and awsmfa's
    block installed for every shell; its environment."""
    require_awsmfa()
    home = new_home(tmp_path)
    (home / ".aws").mkdir()
    (home / ".aws" / "credentials").write_text(
        "[default]\naws_access_key_id = AKIALONGTERM\naws_secret_access_key = longtermsecret\n"
        + stored_session("mfa", "default", expires_in, duration, keys=("ASIASTORED", "s3cr3t", "t0ken")))
    (home / ".aws" / "config").write_text("[default]\nregion = eu-west-1\n"
                                          "mfa_serial = arn:aws:iam::123456789012:mfa/trainee\n")
    env = base_env(home, AWS_ENDPOINT_URL=CLOSED, PYTHONDONTWRITEBYTECODE="1")
    subprocess.run(["awsmfa", "install", "--shell", "all", "--yes", "--no-completion"], env=env, check=True,
                   capture_output=True, stdin=subprocess.DEVNULL, timeout=120)
    return env


@pytest.fixture
def installed(tmp_path):
    """A home with a stored session (6 h left) and awsmfa's block installed for every shell."""
    return home_with_session(tmp_path, 6 * 3600)


def shown(shell, shell_name, line, pattern):
    """Type `line`; the prompt drawn next shows `pattern`: before bash's and zsh's PS1, as fish's
    right prompt (drawn after the left one)."""
    shell.child.sendline(line)
    if shell_name == "fish":
        shell.wait_prompt()
        shell.child.expect(pattern)
    else:
        shell.child.expect(pattern)
        shell.wait_prompt()


def readme_prompt_lines():
    """{shell: its lines} from the prompt example of docs/usage.md (the README links it), as a
    user copies them."""
    text = open(os.path.join(os.path.dirname(__file__), os.pardir, "docs", "usage.md"), encoding="utf-8").read()
    section = text[text.index("## The time left, in your prompt"):]
    block = section[section.index("```sh\n") + 6:]
    block = block[:block.index("```")]
    lines, current = {}, None
    for line in block.splitlines():
        found = re.match(r"# ~/(?:\.bashrc|\.zshrc|\.config/fish/config\.fish)", line)
        if found:
            current = {".bashrc": "bash", ".zshrc": "zsh"}.get(line.split("/")[1].split(",")[0], "fish")
            lines[current] = []
        elif line.strip():
            lines[current].append(line)
    return lines


SET_END = {"bash": "export AWS_CREDENTIAL_EXPIRATION={}", "zsh": "export AWS_CREDENTIAL_EXPIRATION={}",
           "fish": "set -gx AWS_CREDENTIAL_EXPIRATION {}"}
# Hooked in by the test after mfa's: what $? the hooks after _mfa_warn see.
STATUS_PROBE = {
    "bash": "PROMPT_COMMAND=\"$PROMPT_COMMAND\"$'\\n''echo probe=$?'",
    "zsh": "function _probe { echo probe=$? }; precmd_functions+=(_probe)",
    "fish": "function _probe --on-event fish_prompt; echo probe=$status; end",
}
HOOKED = {
    "bash": 'case "$PROMPT_COMMAND" in *_mfa_warn*) echo hooked=yes;; *) echo hooked=no;; esac',
    "zsh": 'if (( ${precmd_functions[(Ie)_mfa_warn]} )); then echo hooked=yes; else echo hooked=no; fi',
    "fish": "if functions -q __mfa_warn; echo hooked=yes; else; echo hooked=no; end",
}
WARN_SOON = re.compile(r"mfa: the AWS session in this shell ends in (\d)m (\d\d)s; renew it with mfa\r?\n")
WARN_ENDED = "mfa: the AWS session in this shell has ended; renew it with mfa, or clear it with mfa -u"


@pytest.mark.parametrize("shell_name", shells.SUPPORTED)
def test_the_readme_prompt_shows_the_time_left_after_mfa(installed, shell_name):
    """The README's lines for each shell, typed into it: the prompt shows the time left."""
    lines = readme_prompt_lines()
    assert sorted(lines) == sorted(shells.SUPPORTED), lines
    with Interactive(shell_name, installed) as shell:
        for line in lines[shell_name]:
            assert not re.search(r"mfa (?:\d|expired)", shell.run(line))  # nothing exported: nothing shown
        shown(shell, shell_name, "mfa", r"mfa (?:6h00m|5h5\dm)")  # 6h00m within the first second
        shown(shell, shell_name, SET_END[shell_name].format(stamp(-5)), "mfa expired")
        shown(shell, shell_name, SET_END[shell_name].format(stamp(130)), r"mfa (?:2m|1m)")
        cleared = shell.run("mfa -u; echo cleared")
        assert "mfa expired" not in cleared and not re.search(r"mfa \d", cleared.split("cleared")[-1]), cleared


@pytest.mark.parametrize("shell_name", shells.SUPPORTED)
def test_warning_before_prompts_near_the_end_when_asked_for(installed, shell_name):
    env = dict(installed, AWSMFA_WARN="1")
    with Interactive(shell_name, env) as shell:
        assert "hooked=no" in shell.run(HOOKED[shell_name])  # nothing before mfa
        shell.run("mfa")
        assert "hooked=yes" in shell.run(HOOKED[shell_name])
        shell.run("mfa")  # again: hooked once, not twice
        assert "mfa: the AWS session" not in shell.run("echo six-hours-left")
        shell.run(STATUS_PROBE[shell_name])
        shell.child.sendline(SET_END[shell_name].format(stamp(150)) + "; false")
        shell.child.expect(WARN_SOON)
        minutes, seconds = map(int, shell.child.match.groups())
        assert 60 <= minutes * 60 + seconds <= 150
        shell.child.expect(r"probe=(\d+)")
        assert shell.child.match.group(1) == "1"  # `false`'s status, not the warning's
        shell.wait_prompt()
        ended = shell.run(SET_END[shell_name].format(stamp(-1)))
        assert WARN_ENDED in ended
        assert ended.count(WARN_ENDED) == 1
        cleared = shell.run("mfa -u")
        assert "mfa: the AWS session" not in cleared
        if shell_name == "bash":
            assert shell.run("echo \"$PROMPT_COMMAND\"").count("_mfa_warn") == 1


@pytest.mark.parametrize("shell_name", shells.SUPPORTED)
def test_a_short_session_warns_only_once_mfa_would_ask_for_a_code(tmp_path, shell_name):
    """A 900 s session is reused until a tenth of it (90 s) is left: with 200 s left, `mfa`
    reuses it without a code and no warning shows; the warning starts under 90 s."""
    env = dict(home_with_session(tmp_path, 200, duration=900), AWSMFA_WARN="1")
    with Interactive(shell_name, env) as shell:
        said = shell.run("mfa")
        assert "reusing session" in said and "mfa: the AWS session" not in said, said
        assert "margin=90" in shell.run("echo margin=$AWSMFA_REUSE_MARGIN")
        assert "mfa: the AWS session" not in shell.run("echo 200-seconds-left")
        shell.child.sendline(SET_END[shell_name].format(stamp(60)))
        shell.child.expect(WARN_SOON)
        minutes, seconds = map(int, shell.child.match.groups())
        assert 0 < minutes * 60 + seconds <= 60
        shell.wait_prompt()


@pytest.mark.parametrize("shell_name", shells.SUPPORTED)
def test_no_warning_and_no_hook_by_default(installed, shell_name):
    with Interactive(shell_name, installed) as shell:
        shell.run("mfa")
        assert "hooked=no" in shell.run(HOOKED[shell_name])
        out = shell.run(SET_END[shell_name].format(stamp(-1)))
        assert "mfa: the AWS session" not in out
