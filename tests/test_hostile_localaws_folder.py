"""`localaws serve --dir D` writes keys, the MFA seed and the config `awsmfa login` trusts into D:
D must be the caller's alone (awsshell_setup/localaws/demofolder.py). Whoever made /tmp/demo
first, or may write a folder on the way, is refused in one line, before anything is written;
a missing folder is made 0700. Without the localaws extra, one line names it. Real accounts
(tests/accounts.py) play the other account."""
import json
import os
import stat
import subprocess
import sys
import tempfile

import pytest

from accounts import account  # noqa: F401 - the fixture
from awscli import clean_environment, start_serve, stop_serve

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def serve(folder, tmp_path, python=sys.executable, env=None):
    return subprocess.run([python, "-m", "awsshell_setup.localaws", "serve", "--port", "0", "--dir", str(folder)],
                          env=env or clean_environment(tmp_path), capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)


def assert_refused(result, *words):
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


@pytest.fixture
def shared_tmp():
    """A folder like /tmp: everyone may add entries, sticky."""
    folder = tempfile.mkdtemp(prefix="awsmfa-sticky-")
    os.chmod(folder, 0o1777)
    yield folder
    subprocess.run(["rm", "-rf", folder], check=False)


def test_a_folder_another_account_made_first_is_refused(tmp_path, account, shared_tmp):
    demo = os.path.join(shared_tmp, "demo")
    assert account.run(["mkdir", "-m", "755", demo]).returncode == 0
    result = serve(demo, tmp_path)
    assert_refused(result, demo, f"belongs to {account.name}", 'mktemp -d')
    assert os.listdir(demo) == []


def test_another_runs_folder_says_what_it_is(tmp_path, account, shared_tmp):
    demo = os.path.join(shared_tmp, "demo")
    assert account.run(["mkdir", "-m", "755", demo]).returncode == 0
    assert account.run(["sh", "-c", f"umask 077; echo '{{\"pid\": 1}}' > {demo}/localaws.json"]).returncode == 0
    result = serve(demo, tmp_path)
    assert_refused(result, f"is a localaws folder of {account.name}'s, another account", 'mktemp -d')
    assert sorted(os.listdir(demo)) == ["localaws.json"]


def test_a_link_another_account_planted_is_refused(tmp_path, account, shared_tmp):
    mine = tmp_path / "mine"
    mine.mkdir(mode=0o700)
    link = os.path.join(shared_tmp, "demo")
    assert account.run(["ln", "-s", str(mine), link]).returncode == 0
    result = serve(link, tmp_path)
    assert_refused(result, f"belongs to {account.name}, in a folder everyone may write")
    assert os.listdir(mine) == []


def test_a_folder_on_the_way_of_another_account_is_refused(tmp_path, account):
    theirs = os.path.join(account.root, "theirs")
    os.mkdir(theirs, 0o755)
    os.chown(theirs, account.uid, account.gid)
    demo = os.path.join(theirs, "demo")
    os.mkdir(demo, 0o700)  # root's own folder, in a folder the account could swap it out of
    result = serve(demo, tmp_path)
    assert_refused(result, f"on the way to {demo}, belongs to {account.name}")
    assert os.listdir(demo) == []
    missing = os.path.join(theirs, "new")
    assert_refused(serve(missing, tmp_path), f"belongs to {account.name}")
    assert not os.path.exists(missing)  # refused before it was made


@pytest.mark.parametrize("mode, words", [(0o777, "writable by everyone"), (0o1777, "writable by everyone")])
def test_an_own_folder_others_may_write_is_refused(tmp_path, mode, words):
    demo = tmp_path / "demo"
    demo.mkdir()
    os.chmod(demo, mode)
    assert_refused(serve(demo, tmp_path), words, f"chmod 700 {demo}")
    assert os.listdir(demo) == []


def test_a_group_with_another_account_in_it_counts_as_others(tmp_path, account):
    demo = tmp_path / "demo"
    demo.mkdir()
    os.chown(demo, 0, account.gid)  # the account's group: the account is in it
    os.chmod(demo, 0o770)
    assert_refused(serve(demo, tmp_path), "writable by group")


def test_a_missing_folder_is_made_private_and_serve_runs(tmp_path):
    demo = tmp_path / "new" / "demo"
    env = clean_environment(tmp_path)
    server, text = start_serve(demo, env)
    try:
        assert "localaws: MFA codes:" in text, text
        assert stat.S_IMODE(os.stat(demo).st_mode) == 0o700
        # A second serve on the same folder while the first runs: says which process has it.
        second = serve(demo, tmp_path, env=env)
        assert_refused(second, f"localaws serve still running (pid {server.pid})")
        assert json.loads((demo / "localaws.json").read_text())["pid"] == server.pid
    finally:
        stop_serve(server)
    assert server.returncode == 0


def test_without_the_extra_one_line_names_it(tmp_path):
    """A real venv without moto or pyotp, the package from the source tree."""
    venv = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    env = dict(clean_environment(tmp_path), PYTHONPATH=ROOT)
    probe = subprocess.run([python, "-c", "import moto"], env=env, capture_output=True, text=True)
    assert probe.returncode != 0, "the bare venv sees moto: the test would prove nothing"
    for command in (["serve", "--port", "0", "--dir", str(tmp_path / "demo")], ["code", "--dir", str(tmp_path)]):
        result = subprocess.run([python, "-m", "awsshell_setup.localaws", *command], env=env, capture_output=True,
                                text=True, timeout=120, stdin=subprocess.DEVNULL)
        assert result.returncode == 2, result.stderr
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert "pip install 'awsshell-setup[localaws]'" in result.stderr
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "demo").exists()
