"""Finding aws_completer: PATH, next to aws, the known folders; a version manager's shim is
looked behind; a completer that does not answer is passed over. As root, a completer or a
shim's manager that anyone but root could change is never run (a real account plays "anyone")."""
import os
import pathlib
import shutil
import tempfile

import pytest

from awsshell_setup.setup import completer

from accounts import account  # noqa: F401 (fixture)

FAKE = '#!/bin/sh\n[ "$COMP_LINE" = "aws " ] && echo ec2\n'


def _exe(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return str(path)


def test_a_pyenv_style_shim_is_resolved_to_the_program_behind_it(tmp_path):
    real = _exe(tmp_path / "versions" / "3.11" / "bin" / "aws_completer", FAKE)
    manager = _exe(tmp_path / "libexec" / "pyenv",
                   f'#!/bin/sh\n[ "$1" = which ] && [ "$2" = aws_completer ] && echo {real}\n')
    shim = _exe(tmp_path / "shims" / "aws_completer",
                '#!/usr/bin/env bash\nset -e\nprogram="${0##*/}"\nexport PYENV_ROOT="/nowhere"\n'
                f'exec "{manager}" exec "$program" "$@"\n')
    env = {"PATH": str(tmp_path / "shims") + ":/usr/bin:/bin", "HOME": str(tmp_path)}
    found = completer.candidates(env, str(tmp_path))
    assert found[0][0] == real and "behind the shim" in found[0][1]
    assert (shim, "on PATH") in found
    assert completer.find(env, str(tmp_path))[0].path == real


def test_next_to_aws_and_symlinks_kept(tmp_path):
    v2 = tmp_path / "aws-cli" / "v2" / "2.15.0" / "bin"
    _exe(v2 / "aws", "#!/bin/sh\n")
    _exe(v2 / "aws_completer", FAKE)
    links = tmp_path / "local-bin"
    links.mkdir()
    (links / "aws").symlink_to(v2 / "aws")
    (links / "aws_completer").symlink_to(v2 / "aws_completer")
    env = {"PATH": f"{links}:/usr/bin:/bin", "HOME": str(tmp_path)}
    found, _ = completer.find(env, str(tmp_path))
    # The link, not the versioned folder it points into (that changes on every update).
    assert found.path == str(links / "aws_completer")


def test_a_completer_that_does_not_answer_is_passed_over(tmp_path):
    broken = _exe(tmp_path / "a" / "aws_completer", "#!/bin/sh\necho 'pyenv: aws_completer: command not found' >&2\n"
                                                  "exit 127\n")
    home = tmp_path / "home"
    good = _exe(home / ".local" / "bin" / "aws_completer", FAKE)
    env = {"PATH": f"{tmp_path / 'a'}:/usr/bin:/bin", "HOME": str(home)}
    found, failed = completer.find(env, str(home))
    if found.path != good:  # a real completer of the system's (/usr/bin, Debian's /usr/libexec) comes first
        assert os.path.dirname(found.path) in ("/usr/bin", "/usr/local/bin", "/usr/libexec")
    assert failed[0].path == broken and "command not found" in failed[0].problem


def test_given_bare_name_is_looked_up_at_each_tab(tmp_path):
    _exe(tmp_path / "bin" / "aws_completer", FAKE)
    found = completer.given("aws_completer", {"PATH": str(tmp_path / "bin")}, str(tmp_path))
    assert found.path == "aws_completer" and found.answers
    assert found.how.startswith("looked up at each Tab on PATH, then in /usr/bin, ")
    assert found.how.endswith(f"; now {tmp_path}/bin/aws_completer")
    # Off PATH: the folders where systems put it, in KNOWN_FOLDERS's order (~/.local/bin last).
    _exe(tmp_path / "home" / ".local" / "bin" / "aws_completer_here", FAKE)
    home = completer.given("aws_completer_here", {"PATH": str(tmp_path / "nothing")}, str(tmp_path / "home"))
    assert home.answers and home.how.endswith(f"; now {tmp_path}/home/.local/bin/aws_completer_here")
    missing = completer.given("aws_completer_here", {"PATH": str(tmp_path / "nothing")}, str(tmp_path))
    assert not missing.answers and missing.problem == "none found now: install the AWS CLI, or put it on PATH"
    assert missing.how.endswith("; now none found") and missing.how.count("/usr/bin") == 1


# --- as root: never run what anyone but root could have changed ----------------------------

def _recorder(path, marker):
    """A completer that notes each run in `marker`, then answers."""
    return _exe(path, f"#!/bin/sh\nid -u >> {marker}\necho ec2\n")


def test_as_root_a_completer_others_could_change_is_not_run(account, tmp_path):
    if os.geteuid() != 0:
        pytest.fail("this suite runs as root (.ci/run): these cases are about root", pytrace=False)
    marker = str(tmp_path / "ran")
    theirs = _recorder(pathlib.Path(account.path("evil")), marker)
    os.chown(theirs, account.uid, account.gid)
    open_folder = tmp_path / "open"
    open_folder.mkdir()
    open_folder.chmod(0o777)  # everyone may swap what is inside
    in_open = _recorder(open_folder / "aws_completer", marker)
    group_folder = tmp_path / "group"
    group_folder.mkdir()
    os.chown(group_folder, 0, account.gid)
    group_folder.chmod(0o775)  # the account's group may swap what is inside
    in_group = _recorder(group_folder / "aws_completer", marker)
    writable = _recorder(tmp_path / "safe" / "aws_completer", marker)
    os.chmod(writable, 0o777)
    link = tmp_path / "safe" / "link-to-theirs"
    link.symlink_to(theirs)
    for path, why in ((theirs, f"belongs to {account.name}"), (in_open, "writable by everyone"),
                      (in_group, f"writable by group {account.name}"), (writable, "writable by everyone"),
                      (str(link), f"belongs to {account.name}")):
        problem = completer.check(path, {"PATH": "/usr/bin:/bin"})
        assert problem.startswith("not run as root: ") and why in problem, (path, problem)
    assert not os.path.exists(marker), "root ran a program someone else could change"


def test_as_root_sticky_folders_are_safe_only_for_roots_own_entries(account, tmp_path):
    sticky = pathlib.Path(tempfile.mkdtemp(prefix="awsmfa-sticky-"))
    try:
        sticky.chmod(0o1777)  # as /tmp
        marker = str(tmp_path / "ran")
        ours = _recorder(sticky / "aws_completer", marker)
        assert completer.check(ours, {"PATH": "/usr/bin:/bin"}) == ""  # root's entry: nobody can swap it
        theirs = sticky / "theirs"
        theirs.symlink_to(ours)
        os.lchown(theirs, account.uid, account.gid)  # the account's link: it may point it elsewhere
        problem = completer.check(str(theirs), {"PATH": "/usr/bin:/bin"})
        assert "belongs to" in problem and "others may write" in problem, problem
        with open(marker) as handle:
            assert handle.read().split() == ["0"]
    finally:
        shutil.rmtree(sticky)


def test_as_root_a_shims_manager_others_could_change_is_not_run(account, tmp_path):
    marker = str(tmp_path / "ran")
    real = _exe(tmp_path / "versions" / "bin" / "aws_completer", FAKE)
    manager = _exe(pathlib.Path(account.path(".pyenv/libexec/pyenv")),
                   f'#!/bin/sh\nid -u >> {marker}\n[ "$1" = which ] && echo {real}\n')
    os.chown(manager, account.uid, account.gid)
    shim = _exe(tmp_path / "shims" / "aws_completer", '#!/usr/bin/env bash\nprogram="${0##*/}"\n'
                                                     f'exec "{manager}" exec "$program" "$@"\n')
    env = {"PATH": str(tmp_path / "shims") + ":/usr/bin:/bin", "HOME": str(tmp_path)}
    found = completer.candidates(env, str(tmp_path))
    assert (shim, "on PATH") in found and not any("behind the shim" in how for _, how in found)
    assert not os.path.exists(marker), "root ran the manager a shim names, which the account controls"


def test_as_root_status_and_init_do_not_run_an_accounts_completer(account, tmp_path):
    from awsshell_setup.shells import rcblock
    from awsshell_setup import shells

    from shellkit import awsmfa, base_env, new_home

    marker = str(tmp_path / "ran")
    theirs = _recorder(pathlib.Path(account.path("evil")), marker)
    os.chown(theirs, account.uid, account.gid)
    env = base_env(new_home(tmp_path, "roothome"))
    rc = tmp_path / "roots.bashrc"  # root's own file, naming the account's program
    bash = shells.by_name("bash")
    rc.write_text(rcblock.block_text(bash.render(bash.sections(True), theirs)))
    result = awsmfa("status", "--shell", "bash", "--rc-file", str(rc), env=env, check=False)
    assert f"completer: {theirs}: does not answer (not run as root: " in result.stdout, result.stdout + result.stderr
    assert result.returncode == 1
    init = awsmfa("init", "bash", "--completer", theirs, env=env)
    assert "not run as root" in init.stderr and f"complete -C {theirs} aws" in init.stdout
    assert not os.path.exists(marker), "root ran the account's program"


def test_as_root_dot_dot_after_a_link_is_followed_as_the_kernel_does(account, tmp_path):
    """`safe/link/../aws_completer`: the kernel goes up from where the link leads (the
    account's home), not from `safe/` as the text suggests."""
    marker = str(tmp_path / "ran")
    _recorder(tmp_path / "safe" / "aws_completer", marker)  # root's: what the text seems to name
    theirs = _recorder(pathlib.Path(account.path("aws_completer")), marker)  # what the kernel runs
    os.chown(theirs, account.uid, account.gid)
    sub = pathlib.Path(account.path("sub"))
    sub.mkdir()
    os.chown(sub, account.uid, account.gid)
    (tmp_path / "safe" / "link").symlink_to(sub)
    problem = completer.check(str(tmp_path / "safe" / "link" / ".." / "aws_completer"), {"PATH": "/usr/bin:/bin"})
    assert problem.startswith("not run as root: ") and account.name in problem, problem
    assert not os.path.exists(marker)
