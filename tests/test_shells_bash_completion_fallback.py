"""bash and aws completion when the system's bash-completion file already completes aws with the
completer awsmfa found (Debian's `awscli`: /usr/share/bash-completion/completions/aws runs
/usr/libexec/aws_completer): that file counts only in a shell where bash-completion is loaded.

Debian's /etc/skel/.bashrc loads bash-completion, and so does /etc/profile.d for a login shell;
root's default ~/.bashrc (/usr/share/base-files/dot.bashrc: a fresh root account, `docker exec
... bash`) does not, and /etc/bash.bashrc has those lines commented out. The block must complete
aws there, and leave aws to bash-completion where it is loaded, starting no process either way.
"""
import os
import re
import shutil
import subprocess

import pytest

from awsshell_setup.shells import rcblock
from awsshell_setup import shells

from shellkit import SKEL_BASHRC, SKEL_PROFILE, Interactive, awsmfa, base_env, complete_aws_line, require_shell
from test_completer_clis import (BASH_COMPLETION, BASH_COMPLETION_AWS, DEBIAN_COMPLETER, SYSTEM_PATH,
                                 require_bash_completion, require_debian_v2)

# What a fresh root account and `docker exec CONTAINER bash` get on Debian: no bash-completion.
ROOT_BASHRC = "/usr/share/base-files/dot.bashrc"
ROOT_PROFILE = "/usr/share/base-files/dot.profile"
NO_SPEC = "aws: no completion specification"
# `complete -p aws` once aws runs Debian's completer (bash 5 quotes the command, older bash did not)
DEBIAN_SPEC = re.compile(rf"complete -C '?{re.escape(DEBIAN_COMPLETER)}'? aws(\r|$)", re.M)


def _require():
    require_debian_v2()
    require_bash_completion()
    require_shell("bash")
    for path in (ROOT_BASHRC, ROOT_PROFILE):
        if not os.path.exists(path):
            pytest.fail(f"{path} is missing: it comes with Debian's base-files", pytrace=False)


def _installed_home(tmp_path, bashrc, profile, own_lines=""):
    """A home with these startup files (and the user's own lines at the end of ~/.bashrc), set
    up by `awsmfa install --shell bash` with only the system's folders on PATH, so the completer
    found is Debian's, the one its bash-completion file names."""
    _require()
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text(open(bashrc).read() + own_lines)
    shutil.copyfile(profile, home / ".profile")
    env = base_env(home)
    env["PATH"] = SYSTEM_PATH
    out = awsmfa("install", "--shell", "bash", "--yes", env=env)
    assert f"aws completion: {DEBIAN_COMPLETER} (" in out.stdout + out.stderr, out.stderr
    return home, env


def _aws_spec(session):
    """What `complete -p aws` says in this shell: the compspec line, or bash's complaint."""
    return session.run("complete -p aws 2>&1")


def test_root_default_bashrc_completes_aws(tmp_path):
    """No bash-completion in this shell: the block's own line completes aws."""
    home, env = _installed_home(tmp_path, ROOT_BASHRC, ROOT_PROFILE)
    with Interactive("bash", env) as session:
        assert "_completion_loader" not in session.run("complete -p -D 2>&1")  # the premise: not loaded
        assert DEBIAN_SPEC.search(_aws_spec(session))
        complete_aws_line(session)
    status = awsmfa("status", "--shell", "bash", env=env, check=False)
    assert "~/.bashrc: current, with aws completion" in status.stdout, status.stdout


def test_root_default_bashrc_with_the_users_own_default_completion(tmp_path):
    """A `complete -D` of the user's own is not bash-completion's loader: it loads no file for
    aws, so the block still completes aws."""
    home, env = _installed_home(tmp_path, ROOT_BASHRC, ROOT_PROFILE, own_lines="complete -D -o default\n")
    with Interactive("bash", env) as session:
        assert "complete -o default -D" in session.run("complete -p -D 2>&1")
        assert DEBIAN_SPEC.search(_aws_spec(session))
        complete_aws_line(session)


def test_skel_bashrc_leaves_aws_to_bash_completion(tmp_path):
    """Debian's usual ~/.bashrc loads bash-completion: the block sets no compspec for aws, and
    the first Tab after aws loads bash-completion's file, which completes."""
    home, env = _installed_home(tmp_path, SKEL_BASHRC, SKEL_PROFILE)
    with Interactive("bash", env) as session:
        assert "_completion_loader" in session.run("complete -p -D 2>&1")
        assert NO_SPEC in _aws_spec(session)
        complete_aws_line(session)
        assert DEBIAN_SPEC.search(_aws_spec(session))  # what bash-completion's file loaded


def test_login_bash_with_root_default_files_completes_aws(tmp_path):
    """A login bash (`bash -l`, ssh, su -): /etc/profile.d loads bash-completion before ~/.profile
    sources root's ~/.bashrc, so aws is bash-completion's there too, and Tab completes."""
    home, env = _installed_home(tmp_path, ROOT_BASHRC, ROOT_PROFILE)
    with Interactive("bash", env, extra_argv=["-l"]) as session:
        assert "_completion_loader" in session.run("complete -p -D 2>&1")
        assert NO_SPEC in _aws_spec(session)
        complete_aws_line(session)


# --- the rendered block, sourced in bash -c: strict options, what it sets, no process ----------

def _block(tmp_path):
    _require()
    shell = shells.by_name("bash")
    body = shell.render(shell.sections(True), DEBIAN_COMPLETER)
    assert shell.completion_provider(DEBIAN_COMPLETER) == BASH_COMPLETION_AWS
    path = tmp_path / "block.bash"
    path.write_text(rcblock.block_text(body))
    return path


# What ran before the block, and whether the block must set aws's compspec after it.
BEFORE = {
    "nothing": ("", True),
    "bash-completion": (f". {BASH_COMPLETION}\n", False),
    # bash-completion 2.12 and later name their loader _comp_complete_load
    "loader-2.12": ("_comp_complete_load() { return 124; }\ncomplete -D -F _comp_complete_load\n", False),
    "own-default": ("complete -D -o default\n", True),
    "own-default-function": ("_my_default() { return 1; }\ncomplete -D -F _my_default\n", True),
}


@pytest.mark.parametrize("before", sorted(BEFORE))
def test_block_sets_aws_completion_only_without_bash_completion(tmp_path, before):
    """Sourced with unset variables and errors fatal (after what came before it, not strict:
    bash-completion itself is not written for `set -u`), silently; then aws has our compspec
    exactly when no bash-completion loader is active."""
    block = _block(tmp_path)
    preamble, sets = BEFORE[before]
    script = preamble + f'set -euo pipefail\nsource "{block}"\necho sourced\ncomplete -p aws 2>&1 || true\n'
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60,
                            env=base_env(tmp_path, PATH=SYSTEM_PATH), stdin=subprocess.DEVNULL)
    assert result.returncode == 0 and result.stderr == "", result
    lines = result.stdout.splitlines()
    assert lines[0] == "sourced", result.stdout
    if sets:
        assert len(lines) == 2 and DEBIAN_SPEC.search(lines[1]), result.stdout
    else:
        assert len(lines) == 2 and lines[1].endswith(f"complete: {NO_SPEC}"), result.stdout


@pytest.mark.parametrize("before", ["nothing", "bash-completion"])
def test_block_starts_no_process(tmp_path, before):
    """Under strace: sourcing the block starts exactly what sourcing nothing starts."""
    strace = require_shell("strace")
    block = _block(tmp_path)
    preamble = BEFORE[before][0]

    def process_events(script, name):
        log = tmp_path / f"strace-{name}.log"
        result = subprocess.run([strace, "-f", "-qq", "-e", "trace=execve,fork,vfork,clone,clone3", "-o", str(log),
                                 "bash", "-c", script], capture_output=True, text=True, timeout=60,
                                env=base_env(tmp_path, PATH=SYSTEM_PATH), stdin=subprocess.DEVNULL)
        assert result.returncode == 0, result.stderr
        return [line for line in log.read_text().splitlines()
                if re.search(r"\b(execve|fork|vfork|clone3?)\(", line) and "CLONE_THREAD" not in line]

    alone = process_events(preamble + "true", "alone")
    sourced = process_events(preamble + f'source "{block}"', "sourced")
    assert len(alone) == 1 and "execve(" in alone[0], alone  # bash itself
    assert len(sourced) == len(alone), sourced
