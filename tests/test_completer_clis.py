"""The two AWS CLIs people have, for real: Debian's `awscli` package (AWS CLI v2, `/usr/bin/aws`,
its completer in /usr/libexec and a bash-completion file that names it) and the PyPI AWS CLI v1
of this virtualenv. Each is found, answers, completes `aws ec2 stop-ins<Tab>` in real bash, zsh
and fish through what `awsmfa install` wrote, and runs the seed scenario against the local AWS.
"""
import os
import re
import subprocess
import sys

import pytest

from awsshell_setup import completer, install

from shellkit import Interactive, awsmfa, base_env, new_home, require_awsmfa

DEBIAN_AWS = "/usr/bin/aws"
DEBIAN_COMPLETER = "/usr/libexec/aws_completer"
BASH_COMPLETION_AWS = "/usr/share/bash-completion/completions/aws"
BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"
V1_COMPLETER = os.path.join(os.path.dirname(sys.executable), "aws_completer")
# Only the system's folders: no virtualenv, so no AWS CLI v1 on PATH.
SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
COMPLETED = "aws_ec2_stop-instances_"


def require_debian_v2():
    """Debian's AWS CLI v2, or a failure (never a skip): CI installs it."""
    for path in (DEBIAN_AWS, DEBIAN_COMPLETER, BASH_COMPLETION_AWS):
        if not os.path.exists(path):
            pytest.fail(f"{path} is missing: these tests need Debian's AWS CLI v2 "
                        "(apt-get install awscli)", pytrace=False)
    version = subprocess.run([DEBIAN_AWS, "--version"], capture_output=True, text=True, timeout=60).stdout
    if not version.startswith("aws-cli/2."):
        pytest.fail(f"{DEBIAN_AWS} is not AWS CLI v2 ({version.strip()}): apt-get install awscli", pytrace=False)


def require_bash_completion():
    if not os.path.exists(BASH_COMPLETION):
        pytest.fail(f"{BASH_COMPLETION} is missing: apt-get install bash-completion", pytrace=False)


def require_v1():
    if not os.path.exists(V1_COMPLETER):
        pytest.fail(f"{V1_COMPLETER} is missing: pip install -e '.[test]' installs the AWS CLI v1", pytrace=False)


# --- discovery ------------------------------------------------------------------------------

def test_debian_v2_is_found_in_libexec_with_only_the_system_on_path(tmp_path):
    require_debian_v2()
    env = {"PATH": SYSTEM_PATH, "HOME": str(tmp_path)}
    found, failed = completer.find(env, str(tmp_path))
    assert found is not None, failed
    assert found.path == DEBIAN_COMPLETER and found.answers
    assert BASH_COMPLETION_AWS in found.how


def test_v1_on_path_comes_first(tmp_path):
    require_v1()
    env = {"PATH": os.path.dirname(V1_COMPLETER) + ":" + SYSTEM_PATH, "HOME": str(tmp_path)}
    found, _ = completer.find(env, str(tmp_path))
    assert found.path == V1_COMPLETER and found.how == "on PATH"


def test_libexec_is_searched_even_without_the_bash_completion_file(tmp_path):
    """The folder is a known place of its own, not only through the bash-completion file."""
    assert "/usr/libexec" in completer.KNOWN_FOLDERS


def test_the_completer_the_bash_completion_file_names(tmp_path):
    require_debian_v2()
    assert completer.named_by_bash_completion(BASH_COMPLETION_AWS) == DEBIAN_COMPLETER
    other = tmp_path / "aws"
    other.write_text("# a comment\ncomplete -o nospace -C '/opt/aws cli/aws_completer' aws\n")
    assert completer.named_by_bash_completion(str(other)) == "/opt/aws cli/aws_completer"
    other.write_text("_aws() { :; }\ncomplete -F _aws aws\n")
    assert completer.named_by_bash_completion(str(other)) is None
    assert completer.named_by_bash_completion(str(tmp_path / "absent")) is None
