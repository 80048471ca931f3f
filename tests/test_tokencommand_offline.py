"""MFA codes from a command (--token-command, AWSMFA_TOKEN_COMMAND, mfa_process), where no AWS
call can succeed.

The endpoint is a closed port: a run that got its code goes on to GetSessionToken and fails
with "cannot reach"; one that did not stops earlier with its own one-line error. Each command
is a small script that leaves a mark (a file named after it) and prints a code, so a test sees
which command ran, and that none ran when none should. awsmfa runs with no controlling
terminal and stdin at /dev/null (as from cron): a prompt would fail, saying so.
"""
import os
import subprocess
import time

import pytest

from awsenv import AWSMFA, CONFIG, LONG_TERM, SERIAL, offline_user, stored_session

NO_TERMINAL = "no terminal to ask for the MFA code on"


class Commands:
    """Scripts in a folder of their own; each leaves a mark when run and prints its output."""

    def __init__(self, folder):
        self.bin = folder / "bin"
        self.marks = folder / "marks"
        self.bin.mkdir()
        self.marks.mkdir()

    def make(self, name, output="987654", status=0, stderr="", extra=""):
        path = self.bin / name
        path.write_text(f"#!/bin/sh\n: > '{self.marks}/{name}'\n{extra}"
                        + (f"printf '%s\\n' '{stderr}' >&2\n" if stderr else "")
                        + (f"printf '%s' '{output}'\n" if output is not None else "")
                        + f"exit {status}\n")
        path.chmod(0o755)
        return str(path)

    def ran(self):
        return sorted(os.listdir(self.marks))


@pytest.fixture
def user(tmp_path):
    return offline_user(tmp_path / "home")


@pytest.fixture
def commands(tmp_path):
    return Commands(tmp_path)


def no_terminal(user, *args, env=None, timeout=60):
    return subprocess.run(["setsid", "-w"] + AWSMFA + list(args), env=user.environ(**(env or {})),
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=timeout)


def one_line(result):
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def got_its_code(result):
    """The run took a code and went on to the (closed) endpoint."""
    return result.returncode == 1 and "cannot reach http://127.0.0.1:9" in result.stderr


def test_a_command_gives_the_code_with_no_terminal(user, commands):
    result = no_terminal(user, "login", "--token-command", commands.make("flag"))
    assert got_its_code(result), result.stderr
    assert commands.ran() == ["flag"]


@pytest.mark.parametrize("given, winner", [
    (("code", "flag", "variable", "process"), None),  # --token-code beats every command
    (("flag", "variable", "process"), "flag"),
    (("variable", "process"), "variable"),
    (("process",), "process"),
])
def test_precedence_flag_then_variable_then_mfa_process(user, commands, given, winner):
    args, env = ["login"], {}
    if "code" in given:
        args += ["--token-code", "654321"]
    if "flag" in given:
        args += ["--token-command", commands.make("flag")]
    if "variable" in given:
        env["AWSMFA_TOKEN_COMMAND"] = commands.make("variable")
    if "process" in given:
        user.write_config(CONFIG + f"mfa_process = {commands.make('process')}\n")
    result = no_terminal(user, *args, env=env)
    assert got_its_code(result), result.stderr
    assert commands.ran() == ([winner] if winner else [])


def test_an_empty_token_command_asks_on_the_terminal_instead(user, commands):
    user.write_config(CONFIG + f"mfa_process = {commands.make('process')}\n")
    result = no_terminal(user, "login", "--token-command", "", env={"AWSMFA_TOKEN_COMMAND": commands.make("variable")})
    assert result.returncode == 2 and NO_TERMINAL in one_line(result)
    assert commands.ran() == []
    # An empty variable is no variable: mfa_process answers.
    result = no_terminal(user, "login", env={"AWSMFA_TOKEN_COMMAND": ""})
    assert got_its_code(result) and commands.ran() == ["process"]


def test_no_command_and_no_terminal_names_the_ways_to_give_a_code(user):
    result = no_terminal(user, "login")
    line = one_line(result)
    assert result.returncode == 2 and NO_TERMINAL in line and "--token-command" in line


def test_a_cached_session_runs_no_command_on_either_path(user, commands):
    user.write_credentials(LONG_TERM + stored_session())
    user.write_config(CONFIG + f"mfa_process = {commands.make('process')}\n")
    env = {"AWSMFA_TOKEN_COMMAND": commands.make("variable")}
    for args in (["env", "--shell", "bash"], ["env", "--json"], ["env", "--token-command", commands.make("flag")],
                 ["env", "--debug"], ["login"], ["exec", "--", "true"]):
        result = no_terminal(user, *args, env=env)
        assert result.returncode == 0, (args, result.stderr)
    assert commands.ran() == []


def test_the_fast_path_only_notices_the_option(user, commands):
    # The cached answer with --token-command given stays the fast path: no click, no
    # subprocess, no shlex (see test_env_offline.test_the_cached_path_imports_only_what_it_needs).
    user.write_credentials(LONG_TERM + stored_session())
    probe = ("import sys\nbefore = set(sys.modules)\nfrom awsshell_setup.__main__ import main\n"
             "status = main(sys.argv[1:])\n"
             "sys.stderr.write('ADDED ' + ' '.join(sorted(set(sys.modules) - before)) + '\\n')\nsys.exit(status)\n")
    result = subprocess.run([AWSMFA[0], "-c", probe, "env", "--shell", "bash", "--token-command",
                             commands.make("flag") + " 'unclosed"], env=user.environ(), capture_output=True,
                            text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 0 and "AWS_SESSION_TOKEN=cachedtoken" in result.stdout, result.stderr
    added = set(result.stderr.split("ADDED ")[1].split())
    assert not added & {"click", "subprocess", "shlex", "botocore", "awsshell_setup.sessions.codesource"}, added
    assert commands.ran() == []


def test_a_value_without_shell_syntax_runs_without_a_shell(user, commands):
    script = commands.make("flag", extra=f"cat /proc/$PPID/comm > '{commands.marks}/parent'\n")
    result = no_terminal(user, "login", "--token-command", f"'{script}' 'two words'")
    assert got_its_code(result), result.stderr
    assert (commands.marks / "parent").read_text().startswith("python")  # awsmfa itself, no sh between


def test_a_value_with_shell_syntax_runs_with_sh(user, commands):
    script = commands.make("flag", output=None, extra=f"cat /proc/$PPID/comm > '{commands.marks}/parent'\n")
    result = no_terminal(user, "login", "--token-command", f"{script} && echo $((987000 + 654))")
    assert got_its_code(result), result.stderr
    assert (commands.marks / "parent").read_text().strip() == "sh"


def test_a_code_with_spaces_and_a_newline_is_taken(user, commands):
    result = no_terminal(user, "login", "--token-command", commands.make("flag", output="987 654\n"))
    assert got_its_code(result), result.stderr


@pytest.mark.parametrize("case", ["not found", "exit status", "no six digits", "five digits", "extra text",
                                  "unclosed quote", "killed"])
def test_failures_are_one_line_with_nothing_written_and_no_secret(user, commands, case):
    args = {
        "not found": lambda: ["no-such-token-program-awsmfa", "SEEDSECRET"],
        "exit status": lambda: [commands.make("flag", status=3, stderr="ykman: no YubiKey found"), "SEEDSECRET"],
        "no six digits": lambda: [commands.make("flag", output="SEEDSECRET")],
        "five digits": lambda: [commands.make("flag", output="98765")],
        "extra text": lambda: [commands.make("flag", output="code 987654")],
        "unclosed quote": lambda: [commands.make("flag"), "'SEEDSECRET"],
        "killed": lambda: [commands.make("flag", output=None, extra="kill -9 $$\n"), "SEEDSECRET"],
    }[case]()
    words = {"not found": "not found", "exit status": "exit status 3", "no six digits": "printed no six-digit code",
             "five digits": "printed no six-digit code", "extra text": "printed no six-digit code",
             "unclosed quote": "cannot split", "killed": "killed by signal 9"}[case]
    before = user.read_credentials()
    value = " ".join(args)
    result = no_terminal(user, "--debug", "login", "--token-command", value)
    assert result.returncode in (1, 2) and result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if line.startswith("awsmfa: error:")]
    assert len(errors) == 1 and words in errors[0], result.stderr
    assert "--token-command" in errors[0]
    for secret in ("SEEDSECRET", "98765"):
        assert secret not in result.stderr.replace("ykman: no YubiKey found", ""), result.stderr
    assert "cannot reach" not in result.stderr
    assert user.read_credentials() == before


def test_the_command_is_bounded_in_time(user, commands):
    script = commands.make("flag", output=None, extra="sleep 30\n")
    started = time.monotonic()
    result = no_terminal(user, "login", "--token-command", script, env={"AWSMFA_TOKEN_COMMAND_TIMEOUT": "1"})
    elapsed = time.monotonic() - started
    line = one_line(result)
    assert result.returncode == 1 and "gave no code within 1 s" in line and "AWSMFA_TOKEN_COMMAND_TIMEOUT" in line
    assert elapsed < 20, elapsed  # 1 s and a Python start; the sleep's 30 s would show


def test_a_bad_timeout_setting_is_refused_before_the_command_runs(user, commands):
    result = no_terminal(user, "login", "--token-command", commands.make("flag"),
                         env={"AWSMFA_TOKEN_COMMAND_TIMEOUT": "soon"})
    assert result.returncode == 2 and "AWSMFA_TOKEN_COMMAND_TIMEOUT" in one_line(result)
    assert commands.ran() == []


def test_stderr_reaches_awsmfas_stderr_when_there_is_no_terminal(user, commands):
    result = no_terminal(user, "login", "--token-command", commands.make("flag", stderr="Touch your YubiKey..."))
    assert got_its_code(result) and "Touch your YubiKey..." in result.stderr


def test_a_refusal_comes_before_the_command_runs(user, commands):
    # The session profile cannot be written (it holds the user's own keys): nothing is run.
    user.write_credentials(LONG_TERM + "\n[mfa]\naws_access_key_id = AKIAHAND\naws_secret_access_key = x\n")
    result = no_terminal(user, "login", "--token-command", commands.make("flag"))
    assert result.returncode == 1 and "holds long-term keys awsmfa did not write" in one_line(result)
    assert commands.ran() == []


ROLE_CONFIG = (f"[profile base]\nregion = eu-west-1\nmfa_serial = {SERIAL}\nBASE\n"
               "[profile jump]\nrole_arn = arn:aws:iam::111111111111:role/jump\nsource_profile = base\nJUMP\n"
               "[profile ops]\nrole_arn = arn:aws:iam::111111111111:role/ops\nsource_profile = jump\nOPS\n")


@pytest.mark.parametrize("where, winner", [("base", "base"), ("jump", "jump"), ("ops", "ops"), ("all", "ops")])
def test_a_role_takes_the_nearest_mfa_process_down_its_chain(user, commands, where, winner):
    user.write_credentials("[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = basesecret\n")
    keys = {name: (f"mfa_process = {commands.make(name)}" if where in (name, "all") else "")
            for name in ("base", "jump", "ops")}
    user.write_config(ROLE_CONFIG.replace("BASE", keys["base"]).replace("JUMP", keys["jump"]).replace("OPS", keys["ops"]))
    result = no_terminal(user, "login", "--profile", "ops")
    assert got_its_code(result), result.stderr
    assert commands.ran() == [winner]
