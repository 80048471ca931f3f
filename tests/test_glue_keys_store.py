"""Long-term keys from a secret store, wired into sessions (sourcekeys.ProcessSource,
keyprocess.py; docs/keys.md): a source profile whose keys come from its credential_process gets
MFA sessions for env (`mfa`), login, exec and roles (shared and per-role), against the local AWS
with the real AWS CLI v1 as the client of what awsmfa writes. The store runs only when a new
MFA session (or a per-role AssumeRole with a code) is certain: every run of it leaves a line in
a counter file, and a reused session, the fast path, logout and status leave none. Its keys are
written nowhere. One end to end uses a real `pass` store (test_keys_pass_e2e's fixture).
"""
import json
import subprocess

from awsenv import AWSMFA, AwsUser
from awscli import aws_command
from awsshell_setup.localaws import provision_roles
from test_keys_pass_e2e import insert, store  # noqa: F401  (pytest fixture)


def counted_store(folder, inner):
    """A credential_process program that notes each run in `folder/runs`, then runs `inner`
    (a shell command printing the JSON); (its path, the counter file)."""
    runs = folder / "runs"
    runs.write_text("")
    program = folder / "counted-store"
    program.write_text(f"#!/bin/sh\necho run >> '{runs}'\n{inner}\n")
    program.chmod(0o755)
    return program, runs


def json_file(folder, access_key_id, secret_access_key, **extra):
    path = folder / "keys.json"
    path.write_text(json.dumps({"Version": 1, "AccessKeyId": access_key_id, "SecretAccessKey": secret_access_key,
                                **extra}))
    return path


def runs_of(runs):
    return len(runs.read_text().splitlines())


def no_secret_in_files(user, secret):
    with open(user.config) as handle:
        config = handle.read()
    assert secret not in user.read_credentials() and secret not in config


def test_mfa_with_keys_from_pass_gets_a_session_and_the_next_env_reuses_it_without_the_store(
        local_aws, seed_user, store, tmp_path):  # noqa: F811
    insert(store, "aws/trainee", json.dumps({"Version": 1, "AccessKeyId": seed_user.access_key_id,
                                             "SecretAccessKey": seed_user.secret_access_key}))
    program, runs = counted_store(tmp_path, "exec pass show aws/trainee")
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    user.write_credentials("")
    user.write_config(f"[profile vault]\ncredential_process = {program}\nregion = us-east-1\n"
                      f"mfa_serial = {seed_user.serial_number}\n")
    env = user.environ(GNUPGHOME=store["GNUPGHOME"], PASSWORD_STORE_DIR=store["PASSWORD_STORE_DIR"],
                       AWS_PROFILE="vault")
    code = local_aws.fresh_code(seed_user.seed)
    # What `mfa` runs, then the real AWS CLI with the exported session: an MFA session may stop
    # the instance (the seed policy allows it only with MFA).
    script = (f"eval \"$({' '.join(AWSMFA)} env --shell bash --token-code {code})\" || exit 9; "
              f"{' '.join(aws_command())} ec2 stop-instances --instance-ids {seed_user.instance_id} --output text")
    first = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=120,
                           stdin=subprocess.DEVNULL)
    assert first.returncode == 0 and "stopping" in first.stdout.lower(), (first.stdout, first.stderr)
    assert "new session in profile [vault-mfa]" in first.stderr and runs_of(runs) == 1
    # The second env (the fast path) and a login reuse it: the store is not run.
    again = subprocess.run(AWSMFA + ["env", "--shell", "bash"], env=env, capture_output=True, text=True,
                           timeout=60, stdin=subprocess.DEVNULL)
    assert again.returncode == 0 and "reusing session in profile [vault-mfa]" in again.stderr, again.stderr
    login = subprocess.run(AWSMFA + ["login"], env=env, capture_output=True, text=True, timeout=60,
                           stdin=subprocess.DEVNULL)
    assert login.returncode == 0 and "reusing session" in login.stderr, login.stderr
    for command in (["status"], ["logout"]):
        subprocess.run(AWSMFA + command, env=env, capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    assert runs_of(runs) == 1
    no_secret_in_files(user, seed_user.secret_access_key)
    assert seed_user.secret_access_key not in first.stderr + first.stdout + again.stderr + login.stderr


def _seed_user_with_a_store(local_aws, seed_user, tmp_path):
    """A home whose [default] gets the seed user's keys from a counting store: (user, runs file)."""
    keys = json_file(tmp_path, seed_user.access_key_id, seed_user.secret_access_key)
    program, runs = counted_store(tmp_path, f"cat '{keys}'")
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    user.write_credentials("")
    user.write_config(f"[default]\ncredential_process = {program}\nregion = us-east-1\n"
                      f"mfa_serial = {seed_user.serial_number}\n")
    return user, runs


def test_login_and_exec_with_a_store_run_it_once_per_new_session(local_aws, seed_user, tmp_path):
    user, runs = _seed_user_with_a_store(local_aws, seed_user, tmp_path)
    login = user.awsmfa("login", "--token-code", local_aws.fresh_code(seed_user.seed))
    assert login.returncode == 0 and runs_of(runs) == 1, login.stderr
    who = user.aws("sts", "get-caller-identity", "--profile", "mfa", "--output", "text")
    assert who.returncode == 0 and seed_user.user_arn in who.stdout, who.stderr
    executed = user.awsmfa("exec", "--", *aws_command(), "ec2", "stop-instances", "--instance-ids",
                           seed_user.instance_id, "--output", "text")
    assert executed.returncode == 0 and "stopping" in executed.stdout.lower(), executed.stderr
    assert runs_of(runs) == 1  # exec reused the session login stored
    forced = user.awsmfa("exec", "--force", "--token-code", local_aws.fresh_code(seed_user.seed), "--",
                         *aws_command(), "sts", "get-caller-identity", "--output", "text")
    assert forced.returncode == 0 and runs_of(runs) == 2, forced.stderr
    no_secret_in_files(user, seed_user.secret_access_key)


def roles_user(local_aws, tmp_path):
    scenario = provision_roles(local_aws)
    keys = json_file(tmp_path, scenario.access_key_id, scenario.secret_access_key)
    program, runs = counted_store(tmp_path, f"cat '{keys}'")
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    user.write_credentials("")
    user.write_config(f"[profile base]\ncredential_process = {program}\nregion = us-east-1\n"
                      f"mfa_serial = {scenario.serial_number}\n\n"
                      f"[profile ops]\nrole_arn = {scenario.ops_role_arn}\nsource_profile = base\nregion = us-east-1\n")
    return scenario, user, runs


def test_roles_shared_run_the_store_for_the_mfa_session_only(local_aws, tmp_path):
    scenario, user, runs = roles_user(local_aws, tmp_path)
    first = user.awsmfa("login", "--profile", "ops", "--token-code", local_aws.fresh_code(scenario.serial_number))
    assert first.returncode == 0 and runs_of(runs) == 1, first.stderr
    who = user.aws("sts", "get-caller-identity", "--profile", "ops-mfa-auto", "--output", "text")
    assert who.returncode == 0 and ":assumed-role/ops/" in who.stdout, who.stderr
    # A new role session on the stored MFA session: no code, and the store is not run.
    again = user.awsmfa("env", "--profile", "ops", "--force", "--shell", "bash")
    assert again.returncode == 0 and runs_of(runs) == 1, again.stderr
    no_secret_in_files(user, scenario.secret_access_key)


def test_roles_per_role_run_the_store_for_each_assume_role_with_a_code(local_aws, tmp_path):
    scenario, user, runs = roles_user(local_aws, tmp_path)
    for expected in (1, 2):
        result = user.awsmfa("login", "--profile", "ops", "--role-mfa", "per-role", "--force",
                             "--token-code", local_aws.fresh_code(scenario.serial_number))
        assert result.returncode == 0 and runs_of(runs) == expected, result.stderr
    who = user.aws("sts", "get-caller-identity", "--profile", "ops-mfa", "--output", "text")
    assert who.returncode == 0 and ":assumed-role/ops/" in who.stdout, who.stderr
    assert "[base-mfa]" not in user.read_credentials()
    no_secret_in_files(user, scenario.secret_access_key)


def test_with_no_terminal_and_no_code_the_store_is_not_run(local_aws, seed_user, tmp_path):
    user, runs = _seed_user_with_a_store(local_aws, seed_user, tmp_path)
    result = subprocess.run(["setsid", "-w"] + AWSMFA + ["env", "--shell", "bash"], env=user.environ(),
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode != 0 and result.stdout == "" and "no terminal" in result.stderr, result.stderr
    assert runs_of(runs) == 0


def test_a_session_from_the_store_is_refused_in_one_line_before_the_code(tmp_path):
    keys = json_file(tmp_path, "ASIASESSION", "sessionsecret", SessionToken="sessiontoken")
    program, runs = counted_store(tmp_path, f"cat '{keys}'")
    marker = tmp_path / "code-asked"
    user = AwsUser(tmp_path / "home", endpoint_url="http://127.0.0.1:9")
    user.write_credentials("")
    user.write_config(f"[default]\ncredential_process = {program}\nregion = us-east-1\n"
                      f"mfa_serial = arn:aws:iam::123456789012:mfa/trainee\n"
                      f"mfa_process = touch {marker}; echo 123456\n")
    result = user.awsmfa("env", "--shell", "bash")
    assert result.returncode != 0 and result.stdout == "" and len(result.stderr.splitlines()) == 1, result.stderr
    assert "gave session credentials (a SessionToken)" in result.stderr
    assert "sessionsecret" not in result.stderr and "sessiontoken" not in result.stderr
    assert runs_of(runs) == 1 and not marker.exists()
