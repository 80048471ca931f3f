"""Hostile input on the rc-file side: `awsmfa install`, `uninstall`, `init`, `status`.

Each refusal: a non-zero exit, exactly one `awsmfa: error:` line naming the problem, no
traceback, and proof that nothing was written (every file and folder under the test's root
byte for byte, modes too) and nothing ran (a completer that would leave a trace when run, paths
holding `$(touch pwned)` and backticks, and no such file anywhere afterwards).
* rc files that are a dangling symlink, a symlink loop, a folder, a FIFO, not UTF-8, over
  2 MiB; a login file that is a dangling symlink; a fish file that is a folder; an open block;
* a user's own `mfa` (alias or function) in ~/.bashrc, ~/.zshrc, ~/.bash_aliases, config.fish,
  conf.d/;
* options: --completer with a line break, --rc-file '' or naming a folder; HOME relative;
* as an unprivileged user (setpriv to nobody, so permission checks are real): an unreadable
  ~/.bashrc, a read-only ~/.bashrc, a read-only HOME, HOME unset (nobody's home does not
  exist), a read-only or unreadable ZDOTDIR next to a writable HOME (nothing half installed),
  a dotfile symlinked into a read-only folder.
Paths that are hostile but legal are written literally and nothing in them runs: ZDOTDIR,
XDG_CONFIG_HOME and --rc-file with spaces, quotes, `$(...)`, backticks and a newline; a
completer path with all of those but the newline: the rendered blocks are sourced under
`bash -u`, `sh -u`, `zsh -u` and fish, `init`'s output too, and Tab in real interactive bash,
zsh and fish runs that very completer, with no `pwned` file anywhere.

The number of hostile inputs tried and the writes and runs they caused (0) are printed in the
test summary.
"""
import collections
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

import awsshell_setup
from awsshell_setup.shells import rcblock

from shellkit import Interactive, base_env, require_shell, snapshot

FIGURES = collections.Counter(dict.fromkeys([  # printed by conftest.pytest_terminal_summary, in this order
    "hostile inputs refused with one error line and a non-zero exit",
    "  of which as an unprivileged user (setpriv: real permission checks)",
    "  refused runs",
    "  refused runs (install, uninstall): files written, commands run"], 0))
CANARY = "$(touch pwned) `touch pwned2` 'q' \"dq\" ${HOME} \\ x"
NOBODY = 65534


# --- helpers ----------------------------------------------------------------------------------

def tripwire_completer(folder, log):
    """A completer that answers `stop-instances` and notes every run in `log`."""
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "aws_completer")
    with open(path, "w") as handle:
        handle.write(f"#!/bin/sh\necho ran >> '{log}'\necho stop-instances\n")
    os.chmod(path, 0o755)
    return path


def pwned(*roots):
    found = []
    for root in roots:
        for folder, _, names in os.walk(root):
            found += [os.path.join(folder, name) for name in names if name.startswith("pwned")]
    return found


def assert_refused(result, expect, code=None):
    lines = result.stderr.splitlines()
    errors = [line for line in lines if line.startswith("awsmfa: error:")]
    assert result.returncode != 0 and (code is None or result.returncode == code), (result.returncode, result.stderr)
    assert len(errors) == 1 and expect in errors[0], result.stderr
    assert "Traceback" not in result.stderr and all(line.startswith("awsmfa: ") for line in lines), result.stderr
    assert result.stdout == ""
    return errors[0]


class Scene:
    """A root holding the home, a working folder and a tripwire completer; runs awsmfa there."""

    def __init__(self, root):
        self.root = str(root)
        self.home = os.path.join(self.root, "home")
        self.cwd = os.path.join(self.root, "cwd")
        os.makedirs(self.home)
        os.makedirs(self.cwd)
        self.log = os.path.join(self.root, "completer-ran")
        self.completer = tripwire_completer(os.path.join(self.root, "bin"), self.log)
        self.env = base_env(self.home)

    def path(self, rel):
        return os.path.join(self.home, rel)

    def write(self, rel, data, mode=0o644):
        path = self.path(rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb" if isinstance(data, bytes) else "w") as handle:
            handle.write(data)
        os.chmod(path, mode)
        return path

    def run(self, *args, env=None):
        result = subprocess.run([sys.executable, "-m", "awsshell_setup", *args], env=env or self.env, cwd=self.cwd,
                                capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        return result


def check_untouched(scene, before, result):
    assert snapshot(scene.root) == before, "something was written"
    assert not os.path.exists(scene.log), "the completer ran"
    assert not pwned(scene.root), "a $(...) or backtick in a path ran"
    FIGURES["  refused runs (install, uninstall): files written, commands run"] += 0
    FIGURES["  refused runs"] += 1


# --- refusals as root ---------------------------------------------------------------------------

def _dangling(scene):
    os.symlink(os.path.join(scene.root, "dotfiles", "bashrc"), scene.path(".bashrc"))
    return ["--shell", "bash"], "which does not exist"


def _loop(scene):
    os.symlink(scene.path(".bashrc"), scene.path(".bashrc"))
    return ["--shell", "bash"], "Too many levels of symbolic links"


def _folder(scene):
    os.mkdir(scene.path(".bashrc"))
    return ["--shell", "bash"], "is a folder, not a file"


def _fifo(scene):
    os.mkfifo(scene.path(".zshrc"))
    return ["--shell", "zsh"], "not a regular file"


def _not_utf8(scene):
    scene.write(".bashrc", b"export A=1\n# caf\xe9 in latin-1\n")
    return ["--shell", "bash"], "is not UTF-8 text"


def _huge(scene):
    scene.write(".zshrc", b"# " + b"x" * (3 * 2**20) + b"\n")
    return ["--shell", "zsh"], "too big for a shell startup file"


def _login_dangling(scene):
    scene.write(".bashrc", "export A=1\n")
    os.symlink(os.path.join(scene.root, "gone", "profile"), scene.path(".bash_profile"))
    return ["--shell", "bash"], "which does not exist"


def _fish_folder(scene):
    os.makedirs(scene.path(".config/fish/functions/mfa.fish"))
    return ["--shell", "fish"], "is a folder, not a file"


def _open_block(scene):
    scene.write(".bashrc", "export A=1\n" + rcblock.BEGIN + "\nfunction mfa { :; }\n")
    return ["--shell", "bash"], "never ends"


def _alias_bashrc(scene):
    scene.write(".bashrc", "export A=1\nalias mfa='eval \"$(awsmfa env)\"'\n")
    return ["--shell", "bash"], "line 2 defines mfa already"


def _function_zshrc(scene):
    scene.write(".zshrc", "setopt autocd\nmfa () {\n  eval \"$(my-own-tool)\"\n}\n")
    return ["--shell", "zsh"], "line 2 defines mfa already"


def _bash_aliases(scene):
    scene.write(".bashrc", "[ -f ~/.bash_aliases ] && . ~/.bash_aliases\n")
    scene.write(".bash_aliases", "alias ll='ls -l' mfa='my-mfa'\n")
    return ["--shell", "bash"], ".bash_aliases line 1 defines mfa already"


def _config_fish(scene):
    scene.write(".config/fish/config.fish", "if status is-interactive\n    function mfa\n        my-mfa\n    end\nend\n")
    return ["--shell", "fish"], "config.fish line 2 defines mfa already"


def _conf_d(scene):
    scene.write(".config/fish/conf.d/aws.fish", "alias mfa 'my-mfa --profile work'\n")
    return ["--shell", "fish"], "conf.d/aws.fish line 1 defines mfa already"


def _completer_newline(scene):
    return ["--shell", "bash", "--completer", scene.completer + "\n" + CANARY], "line break", 2


def _rc_file_empty(scene):
    return ["--shell", "bash", "--rc-file", ""], "--rc-file: empty path", 2


def _rc_file_folder(scene):
    folder = os.path.join(scene.root, "dot " + CANARY)
    os.mkdir(folder)
    return ["--shell", "zsh", "--rc-file", folder], "is a folder, not a file"


def _home_relative(scene):
    scene.env = dict(scene.env, HOME="home")
    return ["--shell", "bash"], "is not an absolute path", 2


REFUSALS = {"rc file a dangling symlink": _dangling, "rc file a symlink loop": _loop, "rc file a folder": _folder,
            "rc file a FIFO": _fifo, "rc file not UTF-8": _not_utf8, "rc file over 2 MiB": _huge,
            "login file a dangling symlink": _login_dangling, "fish file a folder": _fish_folder,
            "block that never ends": _open_block, "alias mfa in ~/.bashrc": _alias_bashrc,
            "mfa () function in ~/.zshrc": _function_zshrc, "alias mfa in ~/.bash_aliases": _bash_aliases,
            "function mfa in config.fish": _config_fish, "alias mfa in conf.d": _conf_d,
            "--completer with a line break": _completer_newline, "--rc-file ''": _rc_file_empty,
            "--rc-file a folder": _rc_file_folder, "HOME relative": _home_relative}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_hostile_rc_files_are_refused_with_one_line_and_nothing_written(tmp_path, case):
    scene = Scene(tmp_path)
    spec = REFUSALS[case](scene)
    args, expect = spec[0], spec[1]
    code = spec[2] if len(spec) > 2 else 1
    before = snapshot(scene.root)
    completer = [] if "--completer" in args else ["--completer", scene.completer]
    result = scene.run("install", "--yes", *args, *completer)
    assert_refused(result, expect, code)
    check_untouched(scene, before, result)
    FIGURES["hostile inputs refused with one error line and a non-zero exit"] += 1
    # uninstall reads the same files: what it cannot read it refuses too; a user's own mfa or
    # a bad --completer is no reason to refuse it, and it then finds nothing of ours to remove.
    if "--completer" in args:
        return
    removed = scene.run("uninstall", "--yes", *args)
    if "defines mfa" in expect:
        assert removed.returncode == 0 and "nothing to remove" in removed.stderr, removed.stderr
    else:
        assert_refused(removed, expect, code)
    check_untouched(scene, before, removed)


# --- refusals as an unprivileged user -----------------------------------------------------------

@pytest.fixture(scope="module")
def nobody():
    """Runs awsmfa as nobody (uid 65534) with setpriv: a copy of the package and of click in a
    folder nobody can read, and a Python nobody can run (this one may live under /root)."""
    require = shutil.which("setpriv")
    if not require or os.geteuid() != 0:
        pytest.fail("these cases need root and setpriv (util-linux): the suite runs as root in CI", pytrace=False)
    import click

    root = tempfile.mkdtemp(prefix="awsmfa-nobody-")
    os.chmod(root, 0o755)
    ignore = shutil.ignore_patterns("__pycache__")
    package = os.path.dirname(awsshell_setup.__file__)
    shutil.copytree(package, os.path.join(root, "awsshell_setup"), ignore=ignore)
    shutil.copytree(os.path.dirname(click.__file__), os.path.join(root, "click"), ignore=ignore)
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            os.chmod(os.path.join(folder, name), 0o755 if name in dirs else 0o644)
    base = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    env = {"PYTHONPATH": root, "PYTHONDONTWRITEBYTECODE": "1", "PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"}
    python = None
    for candidate in (os.path.realpath(sys.executable), "/usr/bin/python3", shutil.which("python3")):
        if candidate and subprocess.run(base + [candidate, "-c", "import awsshell_setup.cli"], env=env, cwd=root,
                                        capture_output=True).returncode == 0:
            python = candidate
            break
    if python is None:
        pytest.fail("no Python that nobody can run and import awsmfa with", pytrace=False)

    def run(args, env_extra, cwd):
        full = dict(env, **env_extra)
        return subprocess.run(base + [python, "-m", "awsshell_setup", *args], env=full, cwd=cwd,
                              capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)

    yield run
    shutil.rmtree(root)


@pytest.fixture
def world(tmp_path):
    """A root nobody can reach (pytest's own tmp folders are 0700): home owned by nobody."""
    root = tempfile.mkdtemp(prefix="awsmfa-hostile-")
    os.chmod(root, 0o755)
    home = os.path.join(root, "home")
    cwd = os.path.join(root, "cwd")
    for folder in (home, cwd):
        os.mkdir(folder)
        os.chown(folder, NOBODY, NOBODY)
    log = os.path.join(root, "completer-ran")
    completer = tripwire_completer(os.path.join(root, "bin"), log)
    os.chmod(root, 0o755)
    yield root, home, cwd, completer, log
    shutil.rmtree(root)


def _owned_by_nobody(path, mode):
    os.chown(path, NOBODY, NOBODY)
    os.chmod(path, mode)


def _unreadable(root, home):
    path = os.path.join(home, ".bashrc")
    with open(path, "w") as handle:
        handle.write("export SECRET_HABITS=1\n")
    _owned_by_nobody(path, 0o000)
    return ["--shell", "bash"], {}, "permission denied"


def _read_only_file(root, home):
    path = os.path.join(home, ".bashrc")
    with open(path, "w") as handle:
        handle.write("# I made this read-only on purpose\n")
    _owned_by_nobody(path, 0o444)
    return ["--shell", "bash"], {}, "is read-only (mode 0444)"


def _read_only_home(root, home):
    path = os.path.join(home, ".bashrc")
    with open(path, "w") as handle:
        handle.write("export A=1\n")
    _owned_by_nobody(path, 0o644)
    os.chown(home, 0, 0)
    os.chmod(home, 0o755)  # nobody may write the file, not the folder: no atomic replace possible
    return ["--shell", "bash"], {}, "is not writable (it belongs to root, mode 0755)"


def _unreadable_zdotdir(root, home):
    zdot = os.path.join(root, "zdot")
    os.mkdir(zdot)
    _owned_by_nobody(zdot, 0o333)  # writable and searchable, not readable: the lock cannot open it
    return ["--shell", "bash", "--shell", "zsh"], {"ZDOTDIR": zdot}, "is not readable"


def _home_unset(root, home):
    return ["--shell", "bash"], {"HOME": None}, "HOME is not set, and nobody's home folder"


def _read_only_zdotdir(root, home):
    zdot = os.path.join(root, "zdot " + CANARY)
    os.mkdir(zdot)
    os.chmod(zdot, 0o755)  # root's: nobody cannot write there
    return ["--shell", "bash", "--shell", "zsh"], {"ZDOTDIR": zdot}, "is not writable (it belongs to root, mode 0755)"


def _dotfiles_read_only(root, home):
    dotfiles = os.path.join(root, "dotfiles")
    os.mkdir(dotfiles)
    target = os.path.join(dotfiles, "bashrc")
    with open(target, "w") as handle:
        handle.write("export FROM_DOTFILES=1\n")
    _owned_by_nobody(target, 0o644)
    link = os.path.join(home, ".bashrc")
    os.symlink(target, link)
    os.lchown(link, NOBODY, NOBODY)
    return ["--shell", "bash"], {}, "is not writable (it belongs to root, mode 0755)"


def _linked_to_a_file_it_cannot_read(root, home):
    """The refusal names where the link leads: the file it cannot read is not ~/.bashrc."""
    target = os.path.join(root, "roots-file")
    with open(target, "w") as handle:
        handle.write("root's\n")
    os.chmod(target, 0o600)
    link = os.path.join(home, ".bashrc")
    os.symlink(target, link)
    os.lchown(link, NOBODY, NOBODY)
    return ["--shell", "bash"], {}, f"(a link to {target}): permission denied"


NOBODY_CASES = {"unreadable ~/.bashrc": _unreadable, "read-only ~/.bashrc": _read_only_file,
                "read-only HOME": _read_only_home, "HOME unset, no home in passwd": _home_unset,
                "read-only ZDOTDIR next to a writable HOME": _read_only_zdotdir,
                "unreadable (0333) ZDOTDIR next to a writable HOME": _unreadable_zdotdir,
                "~/.bashrc linked into a read-only folder": _dotfiles_read_only,
                "~/.bashrc linked to a file it cannot read": _linked_to_a_file_it_cannot_read}


@pytest.mark.parametrize("case", sorted(NOBODY_CASES))
def test_permission_problems_as_an_unprivileged_user(nobody, world, case):
    root, home, cwd, completer, log = world
    args, extra, expect = NOBODY_CASES[case](root, home)
    env = {"HOME": home}
    env.update(extra)
    env = {key: value for key, value in env.items() if value is not None}
    before = snapshot(root)
    result = nobody(["install", "--yes", *args, "--completer", completer], env, cwd)
    assert_refused(result, expect)
    assert snapshot(root) == before and not os.path.exists(log) and not pwned(root)
    removed = nobody(["uninstall", "--yes", *args], env, cwd)
    if case in ("unreadable ~/.bashrc", "HOME unset, no home in passwd", "~/.bashrc linked to a file it cannot read"):
        assert_refused(removed, expect)
    else:  # nothing of ours there: nothing to write, so nothing to refuse
        assert removed.returncode == 0 and "nothing to remove" in removed.stderr, removed.stderr
    assert snapshot(root) == before and not pwned(root)
    FIGURES["hostile inputs refused with one error line and a non-zero exit"] += 1
    FIGURES["  of which as an unprivileged user (setpriv: real permission checks)"] += 1
    FIGURES["  refused runs"] += 1 + (removed.returncode != 0)
    FIGURES["  refused runs (install, uninstall): files written, commands run"] += 0


# --- hostile but legal paths: written literally, nothing runs -----------------------------------

WEIRD = "dir " + CANARY  # (zsh 5.9 does not read a ZDOTDIR with non-ASCII letters at all)
WEIRD_NEWLINE = "new\nline " + CANARY


@pytest.mark.parametrize("weird", [WEIRD, WEIRD_NEWLINE], ids=["metacharacters", "newline"])
def test_zdotdir_xdg_and_rc_file_paths_are_taken_literally(tmp_path, weird):
    scene = Scene(tmp_path)
    zdot = os.path.join(scene.home, "z " + weird)
    xdg = os.path.join(scene.home, "x " + weird)
    rc = os.path.join(scene.root, "rc " + weird, "aws.bash")
    os.makedirs(zdot)
    env = dict(scene.env, ZDOTDIR=zdot, XDG_CONFIG_HOME=xdg)
    result = scene.run("install", "--yes", "--shell", "zsh", "--shell", "fish", "--completer", scene.completer,
                       env=env)
    assert result.returncode == 0, result.stderr
    assert all(line.startswith("awsmfa: ") for line in result.stderr.splitlines()), result.stderr  # one line each
    assert rcblock.BEGIN in open(os.path.join(zdot, ".zshrc")).read()
    assert open(os.path.join(xdg, "fish", "functions", "mfa.fish")).read().startswith(rcblock.OWNED_MARK)
    assert not os.path.exists(scene.path(".zshrc")) and not os.path.exists(scene.path(".config"))
    result = scene.run("install", "--yes", "--shell", "bash", "--rc-file", rc, "--completer", scene.completer)
    assert result.returncode == 0 and rcblock.BEGIN in open(rc).read(), result.stderr
    # The shells find them there, and start without running anything in the names.
    require_shell("zsh")
    require_shell("fish")
    zsh = subprocess.run(["zsh", "-i", "-c", "whence -w mfa"], env=env, cwd=scene.cwd, capture_output=True,
                         text=True, timeout=60)
    assert zsh.stdout.strip() == "mfa: function", zsh.stderr
    fish = subprocess.run(["fish", "-c", "functions -q mfa; and echo mfa-autoloaded"], env=env, cwd=scene.cwd,
                          capture_output=True, text=True, timeout=60)
    assert fish.stdout.strip() == "mfa-autoloaded", fish.stderr
    status = scene.run("status", "--shell", "zsh", "--shell", "fish", env=env)
    assert status.stdout.count(": current") == 6, status.stdout  # .zshrc and 5 fish files
    assert scene.run("uninstall", "--yes", env=env).returncode == 0
    assert scene.run("uninstall", "--yes", "--shell", "bash", "--rc-file", rc).returncode == 0
    assert not os.path.exists(os.path.join(zdot, ".zshrc"))  # install created it: uninstall deletes it
    assert not os.path.exists(rc) and not os.path.exists(os.path.join(xdg, "fish", "functions", "mfa.fish"))
    assert not pwned(scene.root), "a $(...) or backtick in a path ran"
    FIGURES["hostile but legal paths written literally (ZDOTDIR, XDG_CONFIG_HOME, --rc-file), commands run 0"] += 3


@pytest.fixture
def weird_completer(tmp_path):
    """A real completer behind a path with every metacharacter but a line break."""
    folder = os.path.join(str(tmp_path), "bin " + CANARY)
    log = os.path.join(str(tmp_path), "completer-ran")
    return tripwire_completer(folder, log), log


def test_a_hostile_completer_path_is_inert_in_every_rendering(tmp_path, weird_completer):
    completer, log = weird_completer
    scene = Scene(tmp_path / "scene")
    scene.write(".profile", "# does not source ~/.bashrc\nexport EDITOR=vi\n")
    result = scene.run("install", "--yes", "--shell", "all", "--completer", completer)
    assert result.returncode == 0, result.stderr
    rcs = {"bash": scene.path(".bashrc"), "zsh": scene.path(".zshrc")}
    fish = [scene.path(".config/fish/functions/mfa.fish"), scene.path(".config/fish/completions/aws.fish")]
    init = {name: os.path.join(scene.root, f"init.{name}") for name in ("bash", "zsh", "fish")}
    for name, path in init.items():
        out = scene.run("init", name, "--completer", completer)
        assert out.returncode == 0, out.stderr
        with open(path, "w") as handle:
            handle.write(out.stdout)
    os.unlink(log)  # install's and init's own checks ran it (as they should): count afresh
    runs = [
        ["bash", "-e", "-u", "-o", "pipefail", "-c", 'source "$1"; source "$2"; complete -p aws', "bash", rcs["bash"],
         init["bash"]],
        ["bash", "-u", "-c", 'source "$1"; complete -p aws', "bash", scene.path(".profile")],
        ["sh", "-e", "-u", "-c", '. "$1"; command -v mfa || echo no-mfa-in-sh', "sh", scene.path(".profile")],
        ["zsh", "-e", "-u", "-c", 'source "$1"; source "$2"; complete -p aws', "zsh", rcs["zsh"], init["zsh"]],
        ["fish", "--no-config", "-c",
         "source $argv[1]; and source $argv[2]; and source $argv[3]; and functions __awsmfa_complete_aws",
         *fish, init["fish"]],
    ]
    for argv in runs:
        require_shell(argv[0])
        ran = subprocess.run(argv, env=scene.env, cwd=scene.cwd, capture_output=True, text=True, timeout=60)
        assert ran.returncode == 0 and "rror" not in ran.stderr, (argv[:3], ran.stderr)
        if argv[0] != "sh":
            assert completer in ran.stdout or "aws_completer" in ran.stdout, (argv[:3], ran.stdout)
        FIGURES["renderings with a hostile completer path sourced (bash -u, sh -u, zsh -u, fish), pwned 0"] += 1
    assert not os.path.exists(log), "sourcing a block ran the completer"
    assert not pwned(scene.root, str(tmp_path)), "a $(...) or backtick in the completer path ran"
    status = scene.run("status", "--shell", "all")  # it asks a new login bash too, which reads both blocks
    assert f"completer: {completer}: answers" in status.stdout, status.stdout
    assert status.stdout.count(": current") == 8, status.stdout  # .bashrc, .profile, .zshrc, 5 fish files
    assert not pwned(scene.root, str(tmp_path)), "status ran a $(...) or backtick in the completer path"


@pytest.mark.parametrize("shell_name", ["bash", "zsh", "fish"])
def test_tab_runs_the_hostile_completer_path_literally(tmp_path, weird_completer, shell_name):
    completer, log = weird_completer
    scene = Scene(tmp_path / "scene")
    result = scene.run("install", "--yes", "--shell", shell_name, "--completer", completer)
    assert result.returncode == 0, result.stderr
    os.unlink(log)
    with Interactive(shell_name, scene.env) as session:
        session.child.send("aws ec2 stop-ins\t")
        session.child.expect_exact("tances")
        session.child.send("\x03")
        session.wait_prompt()
    assert open(log).read().count("ran") >= 1, "Tab did not run the completer at its literal path"
    assert not pwned(scene.root, str(tmp_path)), "a $(...) or backtick in the completer path ran"
    FIGURES["Tab in real interactive bash/zsh/fish ran the hostile completer path literally, pwned 0"] += 1
