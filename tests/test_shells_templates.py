"""Every rendering of every template, run through the real shell: syntax check, sourcing with
unset variables fatal, the mfa function's contract (arguments passed, failure exports nothing
and returns non-zero), no process at start, and a user's `alias mfa` survived.

A fake awsmfa on PATH stands in for the real one here: it records its arguments and prints
shell code for the --shell it is given, or partial output and a failure.
"""
import os

import pytest

from awsshell_setup.shells import rcblock
from awsshell_setup import shells

from awsmfarun import run_program
from shellkit import DRIVERS, base_env, require_shell

FAKE_AWSMFA = r"""#!/bin/sh
# fake awsmfa for the template tests
printf '%s\n' "$@" > "$FAKE_AWSMFA_ARGS"
if [ "${FAKE_AWSMFA_MODE:-}" = hostile ]; then
    # what a stored value holding $(...) would become if mfa evaluated non-shell output
    echo 'touch "$FAKE_AWSMFA_ARGS.evaluated"'
    exit 0
fi
if [ "${FAKE_AWSMFA_MODE:-}" = fail ]; then
    echo "export AWSMFA_TEST_VAR=partial"
    echo "set -gx AWSMFA_TEST_VAR partial;"
    echo "awsmfa: error: wrong code" >&2
    exit 3
fi
shell=sh
while [ $# -gt 0 ]; do
    [ "$1" = --shell ] && shell=$2
    shift
done
if [ "$shell" = fish ]; then
    echo "set -gx AWSMFA_TEST_VAR 'o k';"
else
    echo "export AWSMFA_TEST_VAR='o k'"
fi
"""

FAKE_COMPLETER = """#!/bin/sh
echo started >> "$FAKE_COMPLETER_LOG"
echo ec2
"""

# The forms a rendering takes: (sections, completer, wrap) per case.
CASES = {
    "full": lambda shell, c: (shell.sections(True), c, None),
    "no-completion": lambda shell, c: (shell.sections(False), None, None),
    "function-only": lambda shell, c: (("function",), None, None),
    "completion-only": lambda shell, c: (("completion",), c, None),
    "space-in-path": lambda shell, c: (shell.sections(True), c + " with space", None),
    # A bare name (dotfiles): looked up when completion runs, never at start.
    "bare-name": lambda shell, c: (shell.sections(True), "aws_completer", None),
}


@pytest.fixture
def kit(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "awsmfa").write_text(FAKE_AWSMFA)
    (bin_dir / "awsmfa").chmod(0o755)
    completer = bin_dir / "aws_completer"
    completer.write_text(FAKE_COMPLETER)
    completer.chmod(0o755)
    spaced = bin_dir / "aws_completer with space"
    spaced.write_text(FAKE_COMPLETER)
    spaced.chmod(0o755)
    home = tmp_path / "home"
    home.mkdir()
    env = base_env(home, FAKE_AWSMFA_ARGS=tmp_path / "args", FAKE_COMPLETER_LOG=tmp_path / "completer.log")
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    env["ZDOTDIR"] = str(home)  # zsh's compinit writes .zcompdump there: keep it in the throwaway home

    class Kit:
        pass

    kit = Kit()
    kit.tmp, kit.env, kit.completer, kit.args = tmp_path, env, str(completer), tmp_path / "args"
    kit.completer_log = tmp_path / "completer.log"
    return kit


def _render(shell_name, case, kit):
    shell = shells.by_name(shell_name)
    sections, completer, wrap = CASES[case](shell, kit.completer)
    text = rcblock.block_text(shell.render(sections, completer, wrap=wrap))
    path = kit.tmp / f"rendered.{shell_name}"
    path.write_text(text)
    return shell, path, text


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("shell_name", shells.SUPPORTED)
def test_rendering_passes_the_syntax_check(kit, shell_name, case):
    require_shell(shell_name)
    shell, path, text = _render(shell_name, case, kit)
    result = run_program(DRIVERS[shell.name].syntax_check_argv(str(path)), kit.env)
    assert result.returncode == 0 and not result.stderr, f"{result.stderr}\n{text}"
    assert "{{" not in text and "#@" not in text


# shellcheck knows bash and sh, not zsh or fish (their renderings pass `zsh -n` and
# `fish --no-execute` above). Every finding counts, style and info included: the block lands in
# users' rc files, where a quirk shellcheck would flag is a quirk someone will copy.
@pytest.mark.parametrize("case", sorted(CASES))
def test_bash_rendering_passes_shellcheck(kit, case):
    _, path, text = _render("bash", case, kit)
    result = run_program(["shellcheck", "--shell=bash", "--severity=style", str(path)], kit.env)
    assert result.returncode == 0, f"{result.stdout}\n{text}"


def test_profile_wrapping_passes_shellcheck_as_sh(kit):
    """~/.profile is read by dash and sh too: the wrapped block must be plain sh to shellcheck."""
    shell = shells.by_name("bash")
    wrapped = kit.tmp / "profile.sh"
    wrapped.write_text(rcblock.block_text(shell.render(shell.sections(True), kit.completer, wrap="profile")))
    result = run_program(["shellcheck", "--shell=sh", "--severity=style", str(wrapped)], kit.env)
    assert result.returncode == 0, result.stdout


def _strict_script(shell, rendered, tail, kit):
    script = kit.tmp / f"strict.{shell.name}"
    script.write_text(rendered.read_text() + tail)
    return DRIVERS[shell.name].strict_source_argv(str(script))


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("shell_name", shells.SUPPORTED)
def test_sourced_strictly_it_starts_nothing_and_mfa_exports(kit, shell_name, case):
    """Under set -u (and -e, pipefail): sourcing prints nothing and runs neither awsmfa nor the
    completer; then `mfa ARGS` passes ARGS to `awsmfa env --shell S` and exports its output."""
    require_shell(shell_name)
    shell, path, _ = _render(shell_name, case, kit)
    source_only = run_program(_strict_script(shell, path, "", kit), kit.env)
    assert source_only.returncode == 0, source_only.stderr
    assert source_only.stdout == "" and source_only.stderr == ""
    assert not kit.args.exists() and not kit.completer_log.exists(), "sourcing the block started a process"
    if "function" not in CASES[case](shell, kit.completer)[0]:
        return
    result = run_program(_strict_script(shell, path, "mfa --profile 'a b'\nprintenv AWSMFA_TEST_VAR\n", kit), kit.env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "o k\n"
    assert kit.args.read_text().splitlines() == ["env", "--shell", shell_name, "--profile", "a b"]


@pytest.mark.parametrize("shell_name", shells.SUPPORTED)
def test_failed_awsmfa_exports_nothing_and_mfa_fails(kit, shell_name):
    require_shell(shell_name)
    shell, path, _ = _render(shell_name, "full", kit)
    env = dict(kit.env, FAKE_AWSMFA_MODE="fail")
    tail = "mfa || echo mfa-failed\nprintenv AWSMFA_TEST_VAR || echo not-exported\n"
    result = run_program(_strict_script(shell, path, tail, kit), env)
    assert result.stdout == "mfa-failed\nnot-exported\n", result.stderr
    assert "wrong code" in result.stderr


def _status_check(shell_name, command):
    """`command`, then its exit status on a line of its own (each shell spells it its way)."""
    if shell_name == "fish":
        return f"{command}; echo \"status $status\"\n"
    return f"{command} && echo 'status 0' || echo \"status $?\"\n"


# Options that make awsmfa print something other than this shell's code: mfa evaluates what
# awsmfa prints, so with these a stored value holding $(...) would run.
REFUSED = [["--json"], ["--shell", "fish"], ["--shell=zsh"], ["--shell"], ["--profile", "work", "--json"],
           ["--profile=work", "--shell", "bash"]]


@pytest.mark.parametrize("args", REFUSED, ids=" ".join)
@pytest.mark.parametrize("shell_name", shells.SUPPORTED)
def test_mfa_refuses_options_that_change_the_output(kit, shell_name, args):
    """Refused in one line on stderr with a non-zero status, before awsmfa runs: nothing is
    evaluated, nothing exported (under set -u in bash and zsh)."""
    require_shell(shell_name)
    shell, path, _ = _render(shell_name, "full", kit)
    env = dict(kit.env, FAKE_AWSMFA_MODE="hostile")
    words = " ".join(shells.by_name(shell_name).quote(arg) for arg in args)
    tail = _status_check(shell_name, f"mfa {words}") + "printenv AWSMFA_TEST_VAR || echo not-exported\n"
    result = run_program(_strict_script(shell, path, tail, kit), env)
    assert result.stdout.splitlines() == ["status 2", "not-exported"], (result.stdout, result.stderr)
    refused = next(arg for arg in args if arg.startswith(("--json", "--shell")))
    assert len(result.stderr.splitlines()) == 1 and refused in result.stderr, result.stderr
    assert f"awsmfa env {refused}" in result.stderr  # says what to run instead
    assert not kit.args.exists(), "awsmfa ran"
    assert not os.path.exists(f"{kit.args}.evaluated"), "mfa evaluated awsmfa's output"


@pytest.mark.parametrize("shell_name", shells.SUPPORTED)
def test_mfa_help_is_shown_not_evaluated(kit, shell_name):
    """`mfa --help` shows awsmfa env's help; evaluated, its text (`eval "$(awsmfa env)"`) would run."""
    require_shell(shell_name)
    shell, path, _ = _render(shell_name, "full", kit)
    env = dict(kit.env, FAKE_AWSMFA_MODE="hostile")
    for option in ("--help", "-h"):
        result = run_program(_strict_script(shell, path, _status_check(shell_name, f"mfa --profile work {option}"), kit),
                      env)
        assert result.stdout == 'touch "$FAKE_AWSMFA_ARGS.evaluated"\nstatus 0\n', (result.stdout, result.stderr)
        assert kit.args.read_text().splitlines() == ["env", "--help"]
        assert not os.path.exists(f"{kit.args}.evaluated"), "mfa evaluated awsmfa's output"


@pytest.mark.parametrize("args", [["--profile", "x", "--token-code", "123456"], ["--profile=x", "-q"],
                                  ["--update-profile", "--json-like-name"], ["--force", "--duration-seconds", "900"]],
                         ids=" ".join)
@pytest.mark.parametrize("shell_name", shells.SUPPORTED)
def test_mfa_passes_other_options_through(kit, shell_name, args):
    require_shell(shell_name)
    shell, path, _ = _render(shell_name, "full", kit)
    words = " ".join(shells.by_name(shell_name).quote(arg) for arg in args)
    tail = _status_check(shell_name, f"mfa {words}") + "printenv AWSMFA_TEST_VAR\n"
    result = run_program(_strict_script(shell, path, tail, kit), kit.env)
    assert result.stdout == "status 0\no k\n", result.stderr
    assert kit.args.read_text().splitlines() == ["env", "--shell", shell_name, *args]


@pytest.mark.parametrize("shell_name", ["bash", "zsh"])
def test_a_users_alias_mfa_does_not_break_the_block(kit, shell_name):
    """`mfa() {` would be a syntax error after `alias mfa=...`; `function mfa {` is not."""
    require_shell(shell_name)
    shell, path, _ = _render(shell_name, "full", kit)
    rc = kit.tmp / f"rc.{shell_name}"
    rc.write_text("alias mfa='echo my-own-mfa'\n" + path.read_text() + "echo rc-loaded\n")
    # Interactive, so aliases expand as in the user's terminal (bash -i reads --rcfile).
    argv = {"bash": ["bash", "--rcfile", str(rc), "-i", "-c", "mfa"],
            "zsh": ["zsh", "-i", "-c", "mfa"]}[shell_name]
    if shell_name == "zsh":
        (kit.tmp / "home" / ".zshrc").write_text(rc.read_text())
    result = run_program(argv, kit.env)
    assert "syntax error" not in result.stderr and "parse error" not in result.stderr, result.stderr
    assert "rc-loaded" in result.stdout or shell_name == "bash"
    assert "my-own-mfa" in result.stdout  # their alias still wins at the prompt


def test_bash_alias_in_interactive_bashrc(kit):
    """The real case: ~/.bashrc defines `alias mfa`, then our block; bash -i starts cleanly."""
    require_shell("bash")
    _, path, _ = _render("bash", "full", kit)
    home = kit.tmp / "home"
    (home / ".bashrc").write_text("alias mfa='echo my-own-mfa'\n" + path.read_text() + "echo rc-loaded\n")
    result = run_program(["bash", "-i", "-c", "mfa; type -t mfa"], kit.env)
    assert "syntax error" not in result.stderr, result.stderr
    assert result.stdout.splitlines()[:3] == ["rc-loaded", "my-own-mfa", "alias"]


def test_profile_wrapping_is_plain_sh(kit):
    """~/.profile is read by dash (Debian's sh): the wrapped block parses and runs there,
    defines nothing there, and gives bash the function and the completion."""
    require_shell("bash")
    shell, path, text = _render("bash", "full", kit)
    wrapped = kit.tmp / "profile"
    wrapped.write_text(rcblock.block_text(shell.render(shell.sections(True), kit.completer, wrap="profile")))
    # /bin/sh: dash on Debian and Ubuntu, bash in POSIX mode on Amazon Linux and macOS.
    for argv in (["sh", "-n", str(wrapped)], ["sh", "-e", "-u", "-c", '. "$1"; command -v mfa || echo no-mfa', "sh",
                                              str(wrapped)]):
        result = run_program(argv, kit.env)
        assert result.returncode == 0 and not result.stderr, (argv, result.stderr)
    assert result.stdout == "no-mfa\n"
    result = run_program(["bash", "-u", "-c", '. "$1"; type -t mfa; complete -p aws', "bash", str(wrapped)], kit.env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "function"
    assert result.stdout.splitlines()[1].startswith("complete -C ") and kit.completer in result.stdout


# The completion function of a bare-name block, called as the shell's completion would call it.
CALL_BARE_NAME = {
    "bash": 'COMP_LINE="aws "; COMP_POINT=4; _awsmfa_complete_aws aws "" aws\n'
            'for word in ${COMPREPLY[@]+"${COMPREPLY[@]}"}; do echo "$word"; done\n',
    "zsh": 'export COMP_LINE="aws " COMP_POINT=4; _awsmfa_aws_completer\n',
}


@pytest.mark.parametrize("shell_name", ["bash", "zsh"])  # fish's reads the line, only at a prompt
def test_a_bare_name_runs_what_is_on_path_when_completion_runs(kit, shell_name):
    """Under set -eu: the completion of a bare-name block runs the completer PATH has at that
    moment; with the name found nowhere, it prints nothing and fails nothing."""
    require_shell(shell_name)
    shell = shells.by_name(shell_name)
    for name, answer in (("aws_completer", "ec2\n"), ("aws_completer_in_no_folder", "")):
        if kit.completer_log.exists():
            kit.completer_log.unlink()
        rendered = kit.tmp / f"bare.{shell_name}"
        rendered.write_text(rcblock.block_text(shell.render(("completion",), name)))
        result = run_program(_strict_script(shell, rendered, CALL_BARE_NAME[shell_name] + "echo called\n", kit), kit.env)
        assert (result.returncode, result.stdout, result.stderr) == (0, answer + "called\n", ""), name
        assert kit.completer_log.exists() == bool(answer)


def test_template_sections_are_complete():
    for name in shells.SUPPORTED:
        shell = shells.by_name(name)
        sections = shells.load_template(shell.template)
        assert {"about", "function", "completion", "completion_lookup"} <= set(sections), name
        assert sections["completion"].startswith(shells.COMPLETER_COMMENT)
        assert sections["completion_lookup"].startswith(shells.COMPLETER_COMMENT)
    assert "profile" in shells.load_template("bash.bash")
