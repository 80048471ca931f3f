"""`awsmfa unset`: the code that removes what `env` exported, evaluated in real bash, zsh and fish
(interactive, in a pseudo-terminal) and in sh.

The sessions are stored ones (the endpoint is a closed port): `env` answers from them. After
`eval "$(awsmfa env)"` the variables are there; after `eval "$(awsmfa unset)"` every one of
them is gone, the eval's status is 0 (also when run twice), and other AWS_* variables stay.
"""
import re
import subprocess

import pytest

from awsshell_setup import shells

from awsenv import CLOSED, CONFIG, LONG_TERM, OPS_ARN, renewing_profile, stored_role_session, stored_session
from shellkit import Interactive, base_env, new_home, require_awsmfa

EXPORTED = ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
            "AWS_CREDENTIAL_EXPIRATION")


@pytest.fixture
def env(tmp_path):
    home = new_home(tmp_path)
    (home / ".aws").mkdir()
    (home / ".aws" / "credentials").write_text(
        LONG_TERM + stored_session("mfa", "default", 6 * 3600) + stored_session("default-mfa", "default", 6 * 3600)
        + stored_role_session("ops-mfa", "ops", OPS_ARN, mfa_profile="mfa"))
    (home / ".aws" / "config").write_text(
        CONFIG + f"\n[profile ops]\nrole_arn = {OPS_ARN}\nsource_profile = default\nregion = eu-west-1\n"
        + renewing_profile("ops-mfa-auto", "ops"))
    return base_env(home, AWS_ENDPOINT_URL=CLOSED, AWS_DEFAULT_REGION="eu-west-1", PYTHONDONTWRITEBYTECODE="1")


# Per shell: load the session, remove it, and report which of EXPORTED are set plus the status.
LINES = {
    "bash": ('eval "$(awsmfa env -q {args})"', 'eval "$(awsmfa unset {args})"',
             'echo "ST=$? SET=' + "".join(f"${{{name}+{name},}}" for name in EXPORTED)
             + ' KEEP=${AWS_DEFAULT_REGION-}${AWS_ENDPOINT_URL+,url}"'),
    "fish": ("awsmfa env -q {args} | source", "awsmfa unset {args} | source",
             "set st $pipestatus[2]; set names (string join , (set -n | string match -r '^AWS_(?:PROFILE|"
             "ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|CREDENTIAL_EXPIRATION)$')); "
             'echo "ST=$st SET=$names KEEP=$AWS_DEFAULT_REGION,url"'),
}
LINES["zsh"] = LINES["bash"]


def state(shell, line):
    match = shell.run(line, expect=r"ST=(\d+) SET=(\S*) KEEP=(\S*)\r?\n")
    return match.group(1), [name for name in match.group(2).split(",") if name], match.group(3)


@pytest.mark.shells
@pytest.mark.parametrize("shell_name", shells.SUPPORTED)
@pytest.mark.parametrize("profile", ["plain", "role"])
def test_unset_removes_what_env_exported(env, shell_name, profile):
    require_awsmfa()
    load, remove, report = LINES[shell_name]
    with Interactive(shell_name, env) as shell:
        args = "--profile ops" if profile == "role" else ""
        # The keys an earlier plain `mfa` exported: a role's env removes them, unset too.
        shell.run(load.format(args=""))
        status, names, _ = state(shell, load.format(args=args) + "; " + report)
        assert status == "0"
        assert sorted(names) == sorted(["AWS_PROFILE", "AWS_CREDENTIAL_EXPIRATION"] if profile == "role"
                                       else EXPORTED), names
        # Without --shell, then with it, then once more with nothing left to remove: status 0 each time.
        for extra in ("", f"--shell {shell_name}", ""):
            status, names, kept = state(shell, remove.format(args=extra) + "; " + report)
            assert (status, names, kept) == ("0", [], "eu-west-1,url"), (extra, shell.text()[-2000:])


@pytest.mark.parametrize("shell_argv", [["sh", "-c"], ["bash", "-c"], ["zsh", "-f", "-c"]])
def test_unset_for_sh_in_a_non_interactive_shell(env, shell_argv):
    script = ('eval "$(awsmfa env -q --shell sh)" && eval "$(awsmfa unset --shell sh)" && '
              'echo "ST=$? SET=' + "".join(f"${{{name}+{name},}}" for name in EXPORTED) + '"; '
              'env | grep -c "^AWS_" || true')
    result = subprocess.run(shell_argv + [script], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "ST=0 SET=", result.stdout
    assert result.stdout.splitlines()[1] == "2"  # AWS_ENDPOINT_URL and AWS_DEFAULT_REGION stay


def test_unset_prints_only_shell_code_and_needs_no_files(tmp_path):
    env = base_env(new_home(tmp_path))  # no ~/.aws at all: unset reads nothing
    for shell_name, expected in (("bash", r"^unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY "
                                          r"AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION AWSMFA_REUSE_MARGIN\n$"),
                                 ("fish", r"^set -e -g AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY "
                                          r"AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION AWSMFA_REUSE_MARGIN; or true\n$")):
        result = subprocess.run(["awsmfa", "unset", "--shell", shell_name], env=env, capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0 and result.stderr == "", result.stderr
        assert re.match(expected, result.stdout), result.stdout


def test_unset_refuses_an_unknown_shell_in_one_line(tmp_path):
    result = subprocess.run(["awsmfa", "unset", "--shell", "tcsh"], env=base_env(new_home(tmp_path)),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


# The `mfa` function as `awsmfa init` prints it, loaded into the running shell.
LOAD_MFA = {"bash": 'eval "$(awsmfa init bash --no-completion)"', "zsh": 'eval "$(awsmfa init zsh --no-completion)"',
            "fish": "awsmfa init fish --no-completion | source"}


@pytest.mark.shells
@pytest.mark.parametrize("shell_name", shells.SUPPORTED)
def test_mfa_dash_u_removes_what_mfa_exported(env, shell_name):
    """`mfa` then `mfa -u` (and `--unset`) through the installed function itself."""
    require_awsmfa()
    # No pipeline here: fish's status of the last command is $status, not $pipestatus[2].
    report = LINES[shell_name][2].replace("set st $pipestatus[2]", "set st $status")
    with Interactive(shell_name, env) as shell:
        shell.run(LOAD_MFA[shell_name])
        status, names, _ = state(shell, "mfa -q; " + report)
        assert (status, sorted(names)) == ("0", sorted(EXPORTED)), shell.text()[-2000:]
        for option in ("-u", "--unset"):
            status, names, kept = state(shell, f"mfa {option}; " + report)
            assert (status, names, kept) == ("0", [], "eu-west-1,url"), (option, shell.text()[-2000:])


@pytest.mark.parametrize("command", ["env", "unset"])
def test_help_names_every_variable_env_exports_and_unset_removes(tmp_path, command):
    from awsshell_setup.sessions import envoutput

    result = subprocess.run(["awsmfa", command, "--help"], env=base_env(new_home(tmp_path)), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    words = " ".join(result.stdout.split())
    assert [name for name in envoutput.EXPORTED_VARIABLES if name not in words] == [], words
