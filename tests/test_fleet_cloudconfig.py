"""The cloud-configs of docs/fleets.md, as a fleet administrator uses them.

Every config passes cloud-init's own schema check (`cloud-init schema`, Debian's cloud-init).
The Debian 12 config's `runcmd` then runs as cloud-init runs it: its lines joined into one sh
script by cloud-init's own `shellify`, as root, with no terminal (a new session, stdin
/dev/null) and cloud-init's PATH, for real accounts whose login shells are bash, zsh and fish.
Each account's new login shell (`su - NAME`, driven on a pseudo-terminal) then has `mfa`,
finds `awsmfa` on PATH, and completes `aws` on Tab.

What the config changes system-wide (/opt/pipx, /usr/local/bin, /opt/awsmfa) happens in a
private mount namespace: `unshare -m` holds it (a sleeping process), tmpfs and bind mounts
cover those folders there, and every command of the test enters it with `nsenter`. Parallel
tests never see the install; the accounts are removed at the end. pipx fetches awsmfa's
dependencies from the package index, as a fleet's machines do at boot.
"""
import collections
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pexpect
import pytest

from accounts import _run_admin, require_root_tools
from shellkit import COMPLETED_STOP, DRIVERS, PROMPT

FLEETS = Path(__file__).resolve().parent.parent / "docs" / "fleets.md"
REPOSITORY = FLEETS.parent.parent
SYSTEMS = ("Debian 12", "Ubuntu 24.04", "Amazon Linux 2023")
# The PATH cloud-init's runcmd gets from systemd (the cloud-final service), and its locale.
CLOUD_INIT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SHELL_PATHS = {"bash": "/bin/bash", "zsh": "/usr/bin/zsh", "fish": "/usr/bin/fish"}
RUNCMD_TIMEOUT = 600  # pipx creates a virtualenv and fetches boto3 and friends
FIGURES = collections.Counter()  # printed by conftest.pytest_terminal_summary


def cloud_configs():
    """{system: the YAML text} of each `#cloud-config` block, named by its `## ` heading."""
    found = {}
    for part in FLEETS.read_text().split("\n## ")[1:]:
        title = part.split("\n", 1)[0].strip()
        for block in re.findall(r"```yaml\n(.*?)```", part, re.S):
            if block.startswith("#cloud-config"):
                found[title] = block
    return found


def runcmd_script(config_text):
    """The runcmd lines as the one sh script cloud-init writes for them (its own shellify,
    from the system's cloud-init package)."""
    program = ("import sys, yaml\nfrom cloudinit import util\n"
               "sys.stdout.write(util.shellify(yaml.safe_load(sys.stdin.read())['runcmd']))\n")
    result = subprocess.run(["/usr/bin/python3", "-c", program], input=config_text, capture_output=True, text=True,
                            timeout=60)
    if result.returncode != 0:
        pytest.fail(f"cloud-init's shellify failed (apt-get install cloud-init): {result.stderr}", pytrace=False)
    return result.stdout


def test_the_doc_has_a_cloud_config_for_each_system():
    assert sorted(cloud_configs()) == sorted(SYSTEMS)


@pytest.mark.parametrize("system", SYSTEMS)
def test_each_cloud_config_passes_cloud_inits_schema(system, tmp_path):
    if shutil.which("cloud-init") is None:
        pytest.fail("cloud-init is missing: .ci/run installs it (apt-get install cloud-init)", pytrace=False)
    path = tmp_path / "user-data"
    path.write_text(cloud_configs()[system])
    result = subprocess.run(["cloud-init", "schema", "--config-file", str(path)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0 and "Valid cloud-config" in result.stdout, result.stdout + result.stderr


def test_every_system_sets_up_each_account_with_the_shell_of_its_passwd_entry():
    """One loop per config, the same everywhere: install --user reads the account's login shell
    from its passwd entry, so the config names no shell but in `users:`."""
    for system, text in cloud_configs().items():
        script = runcmd_script(text)
        assert re.search(r'^\s*awsmfa install --user "\$user" --yes$', script, re.M), system
        assert "--shell" not in script, system


class Namespace:
    """A private mount namespace, held open by a sleeping process, entered with nsenter."""

    def __init__(self):
        self.holder = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sleep", "3600"],
                                       stdin=subprocess.DEVNULL)
        # unshare execs sleep once the namespace is made: wait for that, not for the fork.
        deadline = time.monotonic() + 30
        while os.readlink(f"/proc/{self.holder.pid}/ns/mnt") == os.readlink("/proc/self/ns/mnt"):
            if time.monotonic() > deadline or self.holder.poll() is not None:
                self.close()
                pytest.fail("unshare --mount did not make a namespace (the test needs root)", pytrace=False)
            time.sleep(0.01)

    def argv(self, *argv):
        return ["nsenter", f"--target={self.holder.pid}", "--mount", "--", *argv]

    def run(self, *argv, **kwargs):
        return subprocess.run(self.argv(*argv), capture_output=True, text=True, **kwargs)

    def close(self):
        self.holder.kill()
        self.holder.wait()


ISOLATE = """set -eu
# The machine's /opt stays visible (pip's local wheel folders may live there), each entry
# bound back over a tmpfs that hides the rest; /opt/awsmfa is the copy of the repository.
mkdir "$1/opt"
mount --bind /opt "$1/opt"
mount -t tmpfs -o mode=0755 tmpfs /opt
for entry in "$1"/opt/* "$1"/opt/.[!.]*; do
  [ -e "$entry" ] || continue
  name=${entry##*/}
  if [ -d "$entry" ]; then mkdir "/opt/$name"; else touch "/opt/$name"; fi
  mount --bind "$entry" "/opt/$name"
done
mkdir /opt/awsmfa
mount --bind "$2" /opt/awsmfa
mount -t tmpfs -o mode=0755 tmpfs /usr/local/bin
"""


@pytest.fixture
def namespace(tmp_path):
    require_root_tools()
    for tool in ("unshare", "nsenter", "su", "pipx"):
        if shutil.which(tool) is None and not os.path.exists(f"/usr/sbin/{tool}"):
            pytest.fail(f"{tool} is missing (.ci/run installs pipx; util-linux has the rest)", pytrace=False)
    copy = tmp_path / "awsmfa"
    # The repository as a clone has it (the working tree, so the doc under test is this one).
    shutil.copytree(REPOSITORY, copy, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "__pycache__", ".hypothesis", ".pytest_cache"))
    held = Namespace()
    try:
        result = held.run("sh", "-c", ISOLATE, "isolate", str(tmp_path), str(copy), timeout=60)
        assert result.returncode == 0, result.stderr
        # The isolation holds: outside, none of it is seen.
        assert not os.path.exists("/opt/awsmfa") and not os.path.exists("/usr/local/bin/awsmfa")
        yield held
    finally:
        held.close()


@pytest.fixture
def fleet_accounts():
    """Real accounts, one per login shell, named as cloud-init's users would be."""
    require_root_tools()
    root = tempfile.mkdtemp(prefix="awsmfa-fleet-")
    os.chmod(root, 0o755)
    made = {}
    try:
        for shell, path in SHELL_PATHS.items():
            if not os.path.exists(path):
                pytest.fail(f"{shell} is missing: .ci/run installs it (apt-get install {shell})", pytrace=False)
            name = f"awsmfa-{shell}-{secrets.token_hex(3)}"
            _run_admin(["useradd", "--create-home", "--home-dir", os.path.join(root, name), "--shell", path,
                        "--comment", "awsmfa fleet test account", name])
            made[shell] = name
        yield made
    finally:
        for name in made.values():
            end_processes_of(pwd.getpwnam(name).pw_uid)
        try:
            for name in made.values():
                _run_admin(["userdel", name])
        finally:
            shutil.rmtree(root, ignore_errors=True)


def end_processes_of(uid):
    """Kill, by pid, what the test started as an account and left behind (a login shell
    that outlived its terminal), so userdel can remove the account."""
    for _ in range(50):
        pids = []
        for entry in os.listdir("/proc"):
            try:
                if entry.isdigit() and os.stat(f"/proc/{entry}").st_uid == uid:
                    pids.append(int(entry))
            except OSError:
                continue
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.05)


def with_accounts(script, names):
    """The runcmd script with the doc's account names replaced by the test's."""
    loop = re.compile(r"^(\s*for user in )[^;]+(; do)$", re.M)
    assert len(loop.findall(script)) == 1, script
    return loop.sub(lambda match: match.group(1) + " ".join(names) + match.group(2), script)


def pip_settings():
    """The machine's pip settings (its local wheel folders), as a fleet's machines have theirs."""
    return {key: value for key, value in os.environ.items() if key.startswith("PIP_")}


def login_shell(namespace, name, shell):
    """A new login shell of the account, as `su - NAME` makes it, on a pseudo-terminal."""
    child = pexpect.spawn("nsenter", namespace.argv("su", "-", name)[1:],
                          env={"TERM": "xterm", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"},
                          encoding="utf-8", timeout=60, dimensions=(50, 250))
    child.sendline(DRIVERS[shell].prompt_command(PROMPT))
    child.expect_exact(PROMPT)
    return child


def ask(child, line):
    child.sendline(line)
    child.expect_exact(PROMPT)
    return child.before


def test_the_debian_runcmd_sets_up_bash_zsh_and_fish_accounts_as_root_without_a_terminal(
        namespace, fleet_accounts, tmp_path):
    script = with_accounts(runcmd_script(cloud_configs()["Debian 12"]), list(fleet_accounts.values()))
    path = tmp_path / "runcmd"
    path.write_text(script)
    started = time.monotonic()
    result = subprocess.run(namespace.argv("setsid", "--wait", "sh", str(path)), stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=RUNCMD_TIMEOUT,
                            env={"PATH": CLOUD_INIT_PATH, "LANG": "C.UTF-8", **pip_settings()})
    took = time.monotonic() - started
    FIGURES["fleet runcmd seconds (pipx install, 3 accounts set up)"] += round(took)
    report = f"runcmd took {took:.0f} s, exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert result.returncode == 0, report
    assert "Traceback" not in result.stderr, report
    assert result.stderr.count("open a new shell to use `mfa`") == len(fleet_accounts), report
    assert not os.path.exists("/usr/local/bin/awsmfa")  # still only inside the namespace

    for shell, name in fleet_accounts.items():
        child = login_shell(namespace, name, shell)
        try:
            seen = ask(child, "type mfa")
            assert "function" in seen, f"{shell}: {seen}"
            seen = ask(child, "command -v awsmfa")
            assert "/usr/local/bin/awsmfa" in seen, f"{shell}: {seen}"
            seen = ask(child, "awsmfa --version")
            assert "awsmfa, version" in seen, f"{shell}: {seen}"
            # Tab completes the AWS CLI: `aws ec2 stop-ins` becomes `aws ec2 stop-instances`;
            # Ctrl-A and `printf %s_ ` then show the completed words, which the echo cannot.
            child.send("aws ec2 stop-ins\t")
            child.expect_exact("tances")
            child.send("\x01printf %s_ \r")
            child.expect_exact(COMPLETED_STOP)
            child.expect_exact(PROMPT)
        finally:
            child.sendline("exit")
            child.close(force=True)
