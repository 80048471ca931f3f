"""AWS_PROFILE naming a session profile that is gone: after `awsmfa logout`, the shell that ran
`mfa` still exports AWS_PROFILE=mfa. The next `mfa` there must lead back to the session's
source (`mfa` -> default, `NAME-mfa` -> NAME), not fail on "no profile [mfa]"; a name that
leads nowhere gets one line saying exactly what to run.
"""
import pexpect
import pytest

from awsenv import AWSMFA, AwsUser


def test_mfa_then_logout_then_mfa_again_in_the_same_shell(user, local_aws, seed_user):
    """The sequence a person runs, in one real interactive bash: eval, logout, eval again."""
    awsmfa = " ".join(AWSMFA)
    shell = pexpect.spawn("bash", ["--norc", "--noprofile"], env=user.environ(), encoding="utf-8", timeout=90)
    said = []

    def run(line, marker):
        shell.sendline(f"{line}; echo {marker}=$? PROFILE=$AWS_PROFILE")
        shell.expect(marker + r"=(\d+) PROFILE=(\S*)")
        said.append(shell.before)
        return shell.match.group(1), shell.match.group(2)

    def mfa(marker):  # what the `mfa` function does, spelled out
        code = local_aws.fresh_code(seed_user.serial_number)
        return run(f'out=$({awsmfa} env --shell bash --token-code {code}) && eval "$out"', marker)

    assert mfa("FIRST") == ("0", "mfa")
    assert run(f"{awsmfa} logout", "LOGOUT") == ("0", "mfa")  # the shell still exports it
    assert mfa("AGAIN") == ("0", "mfa")
    shell.sendline("exit")
    shell.expect(pexpect.EOF)
    assert "new session in profile [mfa] of ~/.aws/credentials, from [default]" in said[-1]
    assert len(local_aws.sessions.all()) == 2 and "[mfa]" in user.read_credentials()


def test_a_removed_name_mfa_session_leads_back_to_its_source(user, local_aws, seed_user):
    with open(user.credentials, "a") as handle:
        handle.write(f"\n[work]\naws_access_key_id = {seed_user.access_key_id}\n"
                     f"aws_secret_access_key = {seed_user.secret_access_key}\n")
    with open(user.config, "a") as handle:
        handle.write(f"\n[profile work]\nmfa_serial = {seed_user.serial_number}\n")
    result = user.awsmfa("login", "--token-code", local_aws.fresh_code(seed_user.serial_number),
                         env={"AWS_PROFILE": "work-mfa"})
    assert result.returncode == 0, result.stderr
    assert "new session in profile [work-mfa]" in result.stderr and "from [work]" in result.stderr


@pytest.mark.parametrize("ambient", ["nosuch", "nosuch-mfa"])
@pytest.mark.parametrize("command", ["env", "login"])
def test_aws_profile_naming_nothing_says_what_to_run(user, local_aws, ambient, command):
    local_aws.faults.seen = 0
    before = user.read_credentials()
    result = user.awsmfa(command, "--token-code", "123456", env={"AWS_PROFILE": ambient})
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0 and result.stdout == "" and len(lines) == 1, result.stderr
    assert f"AWS_PROFILE={ambient}" in lines[0] and "unset AWS_PROFILE" in lines[0] and "--profile" in lines[0]
    assert user.read_credentials() == before and local_aws.requests_seen == 0


def test_the_default_source_must_exist_for_mfa_to_lead_to_it(tmp_path, local_aws, seed_user):
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    user.write_credentials(f"[work]\naws_access_key_id = {seed_user.access_key_id}\n"
                           f"aws_secret_access_key = {seed_user.secret_access_key}\n")
    result = user.awsmfa("env", "--token-code", "123456", env={"AWS_PROFILE": "mfa"})
    assert result.returncode != 0 and "unset AWS_PROFILE" in result.stderr, result.stderr
