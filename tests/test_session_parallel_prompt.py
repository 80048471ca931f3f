"""Parallel callers share one prompt and one code: Terraform or a shell script running several
`awsmfa env --json` at once (credential_process) must not show a prompt each, when one code can
satisfy only one of them.

The first caller asks for the code; the others wait for it, then find the session it stored
and print that. Against the local AWS, which refuses a code used twice.
"""
import datetime as dt
import json
import os
import subprocess
import time

import pexpect

from awsenv import AWSMFA, add_process_profile
from awsshell_setup.core import timeutil
from awscli import aws_command

WAITING = "waiting for another awsmfa"


def read_until(process, words, timeout=60):
    """stderr of `process` until it holds `words` (the process is left running)."""
    os.set_blocking(process.stderr.fileno(), False)
    seen = b""
    deadline = time.monotonic() + timeout
    while words.encode() not in seen:
        assert time.monotonic() < deadline, f"no {words!r} within {timeout} s: {seen!r}"
        assert process.poll() is None or words.encode() in seen + (process.stderr.read() or b""), \
            f"exited {process.returncode} first: {seen!r}"
        chunk = process.stderr.read()
        if chunk:
            seen += chunk
        else:
            time.sleep(0.05)
    return seen.decode()


def no_terminal(argv, env):
    """A caller that cannot prompt: no controlling terminal, stdin /dev/null, no --token-code."""
    return subprocess.Popen(["setsid", "--wait"] + argv, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_callers_that_start_during_a_prompt_wait_for_it_and_reuse_its_session(user, local_aws, seed_user):
    # Another account's valid session: a reader on the cached path must not wait for the prompt.
    expiration = timeutil.format_utc(timeutil.now() + dt.timedelta(hours=2))
    with open(user.credentials, "a") as handle:
        handle.write("\n[work]\naws_access_key_id = AKIAWORK\naws_secret_access_key = w\n"
                     "\n[work-mfa]\naws_access_key_id = ASIAWORK\naws_secret_access_key = ws\n"
                     "aws_session_token = wt\nawsmfa_source_profile = work\n"
                     f"awsmfa_expiration = {expiration}\nawsmfa_duration_seconds = 43200\n")
    first = pexpect.spawn(AWSMFA[0], AWSMFA[1:] + ["env", "--json"], env=user.environ(), encoding="utf-8", timeout=60)
    first.expect_exact(f"MFA code for {seed_user.serial_number}: ")
    others = [no_terminal(AWSMFA + ["env", "--json"], user.environ()) for _ in range(2)]
    try:
        for other in others:
            read_until(other, WAITING)  # both reached the prompt's lock while the first holds it
        started = time.monotonic()
        reader = subprocess.run(AWSMFA + ["env", "--json", "--profile", "work"], env=user.environ(),
                                capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert reader.returncode == 0 and "ASIAWORK" in reader.stdout, reader.stderr
        # A writer is not held up either, and its rewrite of the file does not end the turn.
        logout = subprocess.run(AWSMFA + ["logout", "--profile", "work"], env=user.environ(),
                                capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert logout.returncode == 0 and "[work-mfa]" not in user.read_credentials(), logout.stderr
        assert time.monotonic() - started < 30  # answered, not queued behind the prompt
        time.sleep(0.5)
        assert [other.poll() for other in others] == [None, None]  # still waiting their turn
        first.sendline(local_aws.fresh_code(seed_user.serial_number))
        first.expect(pexpect.EOF)
        first.close()
        assert first.exitstatus == 0, first.before
        answers = []
        for other in others:
            out, err = other.communicate(timeout=60)
            assert other.returncode == 0, err
            assert b"no terminal" not in err and b"MFA code for" not in err
            answers.append(json.loads(out))
    finally:
        for other in others:
            if other.poll() is None:
                other.kill()
    [session] = local_aws.sessions.all()  # one code, one session, three callers
    assert {answer["AccessKeyId"] for answer in answers} == {session.access_key_id}
    assert session.access_key_id in first.before
    assert sorted(os.listdir(user.aws_dir)) == ["config", "credentials"]  # no lock file stays


def test_parallel_credential_process_calls_spend_one_code(user, local_aws, seed_user, tmp_path):
    """Three AWS CLI processes at once, their profile's credential_process running awsmfa with
    the same code (a token source handing out the current code): one GetSessionToken, three
    answers. Without the lock the code is refused for all but one."""
    code_file = tmp_path / "code"
    add_process_profile(user, tmp_path, code_file)
    code_file.write_text(local_aws.fresh_code(seed_user.serial_number))
    runs = [subprocess.Popen(["setsid", "--wait"] + aws_command() + ["sts", "get-caller-identity"],
                             env=user.environ(AWS_PROFILE="viaprocess"),
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(3)]
    for process in runs:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert seed_user.user_arn in out
    assert len(local_aws.sessions.all()) == 1


def test_the_wait_is_bounded_and_says_so(user, local_aws, seed_user):
    """A caller waiting behind a prompt nobody answers gives up with one line, in the time it
    was given (AWSMFA_PROMPT_WAIT), having asked for nothing and written nothing."""
    first = pexpect.spawn(AWSMFA[0], AWSMFA[1:] + ["login"], env=user.environ(), encoding="utf-8", timeout=60)
    first.expect_exact(f"MFA code for {seed_user.serial_number}: ")
    before = user.read_credentials()
    try:
        started = time.monotonic()
        waiting = subprocess.run(["setsid", "--wait"] + AWSMFA + ["env"], env=user.environ(AWSMFA_PROMPT_WAIT="2"),
                                 capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
        took = time.monotonic() - started
    finally:
        first.sendintr()
        first.expect(pexpect.EOF)
        first.close()
    lines = [line for line in waiting.stderr.splitlines() if WAITING not in line]
    assert waiting.returncode == 1 and waiting.stdout == ""
    assert len(lines) == 1 and "still asking for an MFA code" in lines[0], waiting.stderr
    assert took >= 2
    assert user.read_credentials() == before and local_aws.sessions.all() == []
    assert sorted(os.listdir(user.aws_dir)) == ["config", "credentials"]
