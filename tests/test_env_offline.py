"""`awsmfa env` and `login` where no AWS call is needed or allowed.

The endpoint is a closed port: a test that passes here made no network call.
"""
import datetime as dt
import json
import os
import re
import subprocess

import pexpect
import pytest

from awsenv import (AWSMFA, BASE, CACHED_KEYS, LONG_TERM, MFA_KEYS, OPS_ARN, AwsUser, offline_user, renewing_profile,
                    stored_role_session, stored_session)
from awsshell_setup.core import timeutil
from awsshell_setup.sessions.profiles import Credentials, SourceProfile, write_session
from awsshell_setup.sessions.rolestore import process_command, process_items, role_session_items, write_renewing_profile


@pytest.fixture
def user(tmp_path):
    return offline_user(tmp_path / "home")


def exported(shell_argv, code, names=("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                       "AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION")):
    """Run `code` in a real shell, then print each variable NUL-separated: what the shell really holds."""
    printer = "; ".join(f"printf '%s\\0' \"${name}\"" for name in names)
    result = subprocess.run(shell_argv + [code + "\n" + printer], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return dict(zip(names, result.stdout.split("\0")))


def test_a_valid_stored_session_is_reused_without_prompt_or_call(user):
    user.write_credentials(LONG_TERM + stored_session())
    before = user.read_credentials()
    result = user.awsmfa("env", "--shell", "bash")
    assert result.returncode == 0, result.stderr
    values = exported(["bash", "-c"], result.stdout)
    assert values == {"AWS_PROFILE": "mfa", "AWS_ACCESS_KEY_ID": "ASIACACHED",
                      "AWS_SECRET_ACCESS_KEY": "sessionsecret", "AWS_SESSION_TOKEN": "cachedtoken",
                      "AWS_CREDENTIAL_EXPIRATION": values["AWS_CREDENTIAL_EXPIRATION"]}
    assert timeutil.parse_utc(values["AWS_CREDENTIAL_EXPIRATION"]) > timeutil.now()
    assert "reusing session in profile [mfa]" in result.stderr
    assert user.read_credentials() == before


def test_the_cached_path_does_not_import_botocore(user):
    user.write_credentials(LONG_TERM + stored_session())
    result = subprocess.run(AWSMFA[:1] + ["-X", "importtime"] + AWSMFA[1:] + ["env", "--shell", "bash"],
                            env=user.environ(), capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and "AWS_SESSION_TOKEN" in result.stdout
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "awsshell_setup.sessions.mfasession" in imported  # the measurement sees our modules...
    assert not {name for name in imported if name.split(".")[0] in ("botocore", "boto3", "click")}


# Python's start-up (site, .pth files, an editable install's finder) may import some of these
# itself; what counts is what awsmfa adds, so compare sys.modules before and after.
_MODULES_ADDED = """
import sys
before = set(sys.modules)
from awsshell_setup.__main__ import main
status = main(sys.argv[1:])
sys.stderr.write("ADDED " + " ".join(sorted(set(sys.modules) - before)) + "\\n")
sys.exit(status)
"""


def modules_added(user, *args):
    result = subprocess.run([AWSMFA[0], "-c", _MODULES_ADDED, *args], env=user.environ(),
                            capture_output=True, text=True, timeout=60)
    line = next(line for line in result.stderr.splitlines() if line.startswith("ADDED "))
    return result, set(line.split()[1:])


def test_the_cached_path_imports_only_what_it_needs(user):
    # Each of these costs 3-15 ms; the whole cached path must stay within a few times
    # `python -c pass` (bench/benchmark.py measures it).
    user.write_credentials(LONG_TERM + stored_session())
    heavy = {"configparser", "logging", "dataclasses", "inspect", "subprocess", "json", "re", "shlex",
             "contextlib", "tempfile", "shellingham", "click", "botocore"}
    result, added = modules_added(user, "env", "--shell", "bash")
    assert result.returncode == 0 and "AWS_SESSION_TOKEN" in result.stdout
    assert "awsshell_setup.sessions.mfasession" in added and not added & heavy
    # The check sees what the full path loads: a value that needs quoting brings shlex in.
    user.write_credentials(LONG_TERM + stored_session(keys=("ASIACACHED", "needs quoting", "cachedtoken")))
    result, added = modules_added(user, "env", "--shell", "bash")
    assert result.returncode == 0 and "shlex" in added


def test_the_uncached_path_does_import_botocore(user):
    # The counterpart of the test above: proves importtime would have shown botocore.
    result = subprocess.run(AWSMFA[:1] + ["-X", "importtime"] + AWSMFA[1:] + ["env", "--token-code", "123456"],
                            env=user.environ(), capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "botocore" in result.stderr


def test_a_session_inside_the_reuse_margin_is_renewed(user):
    # 4 minutes left of a 12-hour session: under aws-vault's 5-minute margin, so awsmfa calls STS.
    user.write_credentials(LONG_TERM + stored_session(expires_in=240))
    before = user.read_credentials()
    result = user.awsmfa("env", "--token-code", "123456")
    assert result.returncode == 1 and result.stdout == ""
    assert "cannot reach http://127.0.0.1:9" in result.stderr
    assert user.read_credentials() == before


def test_short_sessions_keep_a_proportional_margin(user):
    # A 900 s session with 4 minutes left is still reused: its margin is 90 s, not 5 minutes.
    user.write_credentials(LONG_TERM + stored_session(expires_in=240, duration=900))
    result = user.awsmfa("env", "--shell", "zsh")
    assert result.returncode == 0 and "export AWS_SESSION_TOKEN=cachedtoken" in result.stdout


def test_force_ignores_the_stored_session(user):
    user.write_credentials(LONG_TERM + stored_session())
    result = user.awsmfa("env", "--force", "--token-code", "123456")
    assert result.returncode == 1 and result.stdout == "" and "cannot reach" in result.stderr


def test_json_is_credential_process_format(user):
    user.write_credentials(LONG_TERM + stored_session())
    result = user.awsmfa("env", "--json")
    assert result.returncode == 0 and result.stderr == ""
    data = json.loads(result.stdout)
    assert data["Version"] == 1 and data["AccessKeyId"] == "ASIACACHED" and data["SessionToken"] == "cachedtoken"
    assert set(data) == {"Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}


HOSTILE = "a'b\\c\"d$(touch pwned)`touch pwned2`$HOME;e"


@pytest.mark.parametrize("shell, argv", [("bash", ["bash", "-c"]), ("zsh", ["zsh", "-f", "-c"]),
                                         ("fish", ["fish", "--no-config", "-c"]), ("sh", ["sh", "-c"])])
def test_every_value_round_trips_through_the_real_shell(user, tmp_path, shell, argv):
    user.write_credentials(LONG_TERM + stored_session(keys=("ASIACACHED", HOSTILE, "cachedtoken")))
    result = user.awsmfa("env", "--shell", shell)
    assert result.returncode == 0, result.stderr
    os.chdir(tmp_path)
    assert exported(argv, result.stdout)["AWS_SECRET_ACCESS_KEY"] == HOSTILE
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned2").exists()


def test_aws_profile_left_by_mfa_is_not_used_as_the_source(user):
    # After `mfa`, AWS_PROFILE=mfa: the next `mfa` renews [mfa] from [default], it does not fail
    # on [mfa] having no long-term keys.
    user.write_credentials(LONG_TERM + stored_session())
    result = user.awsmfa("env", "--shell", "bash", env={"AWS_PROFILE": "mfa"})
    assert result.returncode == 0 and "export AWS_PROFILE=mfa" in result.stdout


def test_aws_profile_naming_another_account_picks_its_own_session_profile(user):
    user.write_credentials(LONG_TERM + "[work]\naws_access_key_id = AKIAW\naws_secret_access_key = w\n"
                           + stored_session("work-mfa", "work", region=None))
    result = user.awsmfa("env", "--shell", "bash", env={"AWS_PROFILE": "work"})
    assert result.returncode == 0 and "export AWS_PROFILE=work-mfa" in result.stdout


@pytest.mark.parametrize("args, words", [
    (["--token-code", "12345"], "exactly six digits"),
    (["--token-code", "1234567"], "exactly six digits"),
    (["--token-code", "12 456"], "exactly six digits"),
    (["--token-code", "abcdef"], "exactly six digits"),
    (["--duration-seconds", "899"], "between 900 and 129600"),
    (["--duration-seconds", "129601"], "between 900 and 129600"),
    (["--shell", "tcsh"], "is not one of"),
    (["--profile", "nope", "--token-code", "123456"], "no profile [nope]"),
    (["--profile", "bad]name", "--token-code", "123456"], "invalid profile name"),
    (["--update-profile", "default", "--token-code", "123456"], "would overwrite your long-term keys"),
])
def test_bad_input_is_refused_before_any_call_with_one_line(user, args, words):
    before = user.read_credentials()
    result = user.awsmfa("env", *args)
    assert result.returncode != 0 and result.stdout == ""
    assert words in result.stderr and "cannot reach" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert user.read_credentials() == before


def test_unparsable_credentials_are_refused_and_left_alone(user):
    broken = LONG_TERM + "[default]\naws_access_key_id = again\n"
    user.write_credentials(broken)
    result = user.awsmfa("login", "--token-code", "123456")
    assert result.returncode == 1 and "cannot parse" in result.stderr
    assert user.read_credentials() == broken


def test_a_profile_with_session_keys_is_not_a_source(user):
    user.write_credentials("[default]\naws_access_key_id = ASIA\naws_secret_access_key = s\naws_session_token = t\n")
    result = user.awsmfa("env", "--token-code", "123456")
    assert result.returncode == 1 and "holds session credentials" in result.stderr


def test_a_foreign_long_term_profile_is_never_overwritten(user):
    user.write_credentials(LONG_TERM + "[mfa]\naws_access_key_id = AKIAHANDMADE\naws_secret_access_key = x\n")
    result = user.awsmfa("login", "--token-code", "123456")
    assert result.returncode == 1 and "holds long-term keys awsmfa did not write" in result.stderr


def test_ctrl_c_at_the_prompt_changes_nothing(user):
    before = user.read_credentials()
    child = pexpect.spawn(AWSMFA[0], AWSMFA[1:] + ["login"], env=user.environ(), encoding="utf-8", timeout=30)
    child.expect("MFA code for arn:aws:iam::123456789012:mfa/trainee: ")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "cancelled; awsmfa changed nothing" in child.before
    # On a line of its own, not glued to the prompt's `^C`.
    assert re.search(r"(?m)^awsmfa: error: cancelled; awsmfa changed nothing", child.before), repr(child.before)
    assert user.read_credentials() == before


def test_no_terminal_and_no_code_says_how_to_pass_one(user):
    result = subprocess.run(["setsid", "-w"] + AWSMFA + ["env"], env=user.environ(), capture_output=True,
                            text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert "no terminal to ask for the MFA code on; pass --token-code" in result.stderr
    # What a credential_process or cron job can use, which can pass no option, is named too.
    assert "AWSMFA_TOKEN_COMMAND" in result.stderr and "mfa_process" in result.stderr, result.stderr
    assert "run `mfa` in a terminal first" in result.stderr, result.stderr


def test_write_session_keeps_symlinks_mode_and_other_bytes(tmp_path):
    user = AwsUser(tmp_path / "home")
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    (dotfiles / "credentials").write_text(LONG_TERM)
    os.chmod(dotfiles / "credentials", 0o644)
    os.symlink(dotfiles / "credentials", user.credentials)
    creds = Credentials("ASIANEW", "newsecret", "newtoken", timeutil.now() + dt.timedelta(hours=1))
    write_session({"HOME": user.home}, "mfa", creds, SourceProfile("default", "AKIALONGTERM", "x"), 3600)
    assert os.path.islink(user.credentials)
    text = (dotfiles / "credentials").read_text()
    assert text.startswith(LONG_TERM) and "aws_session_token = newtoken" in text
    assert user.credentials_mode() == 0o600
    assert [name for name in os.listdir(dotfiles) if name != "credentials"] == []


def test_the_stored_sessions_tests_start_from_are_what_awsmfa_writes(tmp_path):
    """awsenv's builders, which many tests start from instead of a login, against awsmfa's own
    writers, byte for byte: those tests read files awsmfa could have written."""
    config = "[profile base]\nregion = eu-west-1\n"
    user = AwsUser(tmp_path / "home")
    user.write_credentials(BASE)
    user.write_config(config)
    environ = {"HOME": user.home}
    sessions = {"base-mfa": stored_session("base-mfa", "base", 6 * 3600, keys=MFA_KEYS),
                "ops-mfa": stored_role_session("ops-mfa", "ops", OPS_ARN, mfa_profile="base-mfa"),
                "audit-mfa": stored_role_session("audit-mfa", "audit", OPS_ARN, mfa_profile=None, region=None),
                "mfa": stored_session("mfa", "default", -60, duration=900, region=None, keys=CACHED_KEYS)}
    for name, text in sessions.items():
        # The builder's own values (its expiry most of all: a second may have passed) go to the writer.
        values = dict(line.split(" = ", 1) for line in text.splitlines() if " = " in line)
        credentials = Credentials(values["aws_access_key_id"], values["aws_secret_access_key"],
                                  values["aws_session_token"], timeutil.parse_utc(values["awsmfa_expiration"]))
        source = SourceProfile(values["awsmfa_source_profile"], "AKIAX", "x", region=values.get("region"))
        marks = role_session_items(values["awsmfa_role_arn"], values["awsmfa_role_mfa"],
                                   values.get("awsmfa_mfa_profile")) if "awsmfa_role_arn" in values else None
        write_session(environ, name, credentials, source, int(values["awsmfa_duration_seconds"]), marks)
    assert user.read_credentials() == BASE + "".join(sessions.values())
    for name, region, update in (("ops-mfa-auto", "eu-west-1", None), ("work-ops-auto", None, "work-ops")):
        write_renewing_profile(environ, name, process_items("ops", process_command("ops", update), region), "ops")
        config += renewing_profile(name, "ops", region=region, update_profile=update)
    with open(user.config) as handle:
        assert handle.read() == config


def test_json_with_no_terminal_serves_a_session_inside_the_sdk_window_instead_of_failing(user):
    """`env --json` renews a 12 h session once under 16 minutes are left (so botocore keeps what
    it gets). With no terminal and no token command that renewal cannot get a code: the stored
    session, 12 minutes from its end, is served instead (no network: the endpoint is closed),
    without an Expiration (botocore then holds it rather than running the process before every
    call). Under the ordinary margin too, to its true end; an ended one is refused."""
    user.write_credentials(LONG_TERM + stored_session(expires_in=12 * 60, duration=43200))
    before = user.read_credentials()
    result = subprocess.run(["setsid", "-w"] + AWSMFA + ["env", "--json"], env=user.environ(), capture_output=True,
                            text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["AccessKeyId"] == CACHED_KEYS[0] and "Expiration" not in answer
    assert user.read_credentials() == before
    user.write_credentials(LONG_TERM + stored_session(expires_in=60, duration=43200))
    late = subprocess.run(["setsid", "-w"] + AWSMFA + ["env", "--json"], env=user.environ(), capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert late.returncode == 0 and json.loads(late.stdout)["AccessKeyId"] == CACHED_KEYS[0], late.stderr
    user.write_credentials(LONG_TERM + stored_session(expires_in=-1, duration=43200))
    over = subprocess.run(["setsid", "-w"] + AWSMFA + ["env", "--json"], env=user.environ(), capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert over.returncode == 2 and over.stdout == "" and "no terminal" in over.stderr, over.stderr
