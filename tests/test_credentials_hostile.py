"""Hostile input: names, paths, values and files built to break awsmfa or the shell evaluating it.

For each: the one clear line it gets, and proof that nothing was written (file bytes, mode and
folder listing compared), nothing ran (no file a `$(...)` or `;` would create appears), and no
AWS call was made where none should be (the endpoint is a closed port: "cannot reach" never
shows). Values `env` prints round-trip exactly through real bash, zsh, fish and sh.

Runs as root in CI: "unreadable" and "read-only" are made real for root too by dropping
CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH with setpriv (root then obeys permission bits).
"""
import collections
import datetime as dt
import os
import stat
import subprocess
import sys

import pytest

from awsenv import CLOSED, CONFIG, LONG_TERM, AwsUser
from awsmfarun import AWSMFA
from awsshell_setup.core import timeutil
from awsshell_setup.core.fileio import MAX_FILE_BYTES
from awsshell_setup.sessions.profiles import Credentials, SourceProfile, write_session
from test_env_offline import exported

FIGURES = collections.Counter()  # printed by conftest.pytest_terminal_summary
SHELLS = {"bash": ["bash", "-c"], "zsh": ["zsh", "-f", "-c"], "fish": ["fish", "--no-config", "-c"], "sh": ["sh", "-c"]}
NAMES = ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION")


@pytest.fixture
def user(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where a `touch pwned` that ran would leave its file
    user = AwsUser(tmp_path / "home", endpoint_url=CLOSED)
    user.write_credentials(LONG_TERM)
    user.write_config(CONFIG)
    return user


def pwned(root):
    return sorted(str(path) for path in root.rglob("*pwned*"))


def snapshot(user):
    """Everything under the home folder: paths, bytes and modes (for 'nothing was written')."""
    found = {}
    for folder, dirs, files in os.walk(user.home):
        for name in dirs + files:
            path = os.path.join(folder, name)
            info = os.lstat(path)
            content = None
            if stat.S_ISREG(info.st_mode):
                with open(path, "rb") as handle:
                    content = handle.read(MAX_FILE_BYTES + 1)
            found[path] = (stat.S_IFMT(info.st_mode), stat.S_IMODE(info.st_mode), content)
    return found


def assert_refused(result, *words, code=None):
    """Non-zero, nothing on stdout, one line on stderr naming the problem, and no AWS call."""
    assert result.returncode != 0 and (code is None or result.returncode == code), result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("awsmfa: error: "), result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    assert "cannot reach" not in result.stderr and "Traceback" not in result.stderr


def store_session(user, name, key="ASIAHOSTILE", secret="hostilesecret", token="hostiletoken", path=None):
    """A valid session stored by awsmfa's own writer (so the stored file is real too)."""
    creds = Credentials(key, secret, token, timeutil.now() + dt.timedelta(hours=1))
    environ = {"HOME": user.home}
    if path:
        environ["AWS_SHARED_CREDENTIALS_FILE"] = path
    write_session(environ, name, creds, SourceProfile("default", "AKIALONGTERM", "x"), 3600)


# --- profile names ------------------------------------------------------------------------------

VALID_NAMES = ["$(touch pwned)", "`touch pwned2`", "a;touch pwned3", "a'b", 'a"b', "a b", "a\\b", "x|y&z>pwned4",
               "ünï ☃", "-x", "a$HOME", "%(x)s", "#hash", ";semi", "a=b:c", "~", "*", "{a,b}"]


@pytest.mark.parametrize("name", VALID_NAMES)
def test_odd_but_valid_profile_names_round_trip_through_every_shell(user, tmp_path, name):
    store_session(user, name)
    for shell, argv in SHELLS.items():
        result = user.awsmfa("env", "--update-profile", name, "--shell", shell)
        assert result.returncode == 0, result.stderr
        assert exported(argv, result.stdout)["AWS_PROFILE"] == name
        FIGURES["hostile profile names x shells round-tripped"] += 1
    # and from AWS_PROFILE naming that session profile (the `mfa` function's next run)
    result = user.awsmfa("env", "--shell", "bash", env={"AWS_PROFILE": name})
    assert result.returncode == 0 and exported(SHELLS["bash"], result.stdout)["AWS_PROFILE"] == name
    assert pwned(tmp_path) == []


BAD_NAMES = ["a\nb", "a\rb", "[x]", "x]", "a[b", " edge", "edge ", "DEFAULT", "a\x1b[31mred", "tab\there",
             "line\u2028sep"]


@pytest.mark.parametrize("flag", ["--profile", "--update-profile", "AWS_PROFILE"])
@pytest.mark.parametrize("name", BAD_NAMES)
def test_names_that_cannot_round_trip_are_refused_before_anything(user, tmp_path, flag, name):
    before = snapshot(user)
    if flag == "AWS_PROFILE":
        result = user.awsmfa("login", "--token-code", "123456", env={"AWS_PROFILE": name})
    else:
        result = user.awsmfa("login", flag, name, "--token-code", "123456")
    if flag == "AWS_PROFILE" and name != name.strip():
        # Edge blanks of AWS_PROFILE are dropped (a stray space in an export): no such profile.
        assert_refused(result, f"no profile [{name.strip()}]", code=2)
    else:
        assert_refused(result, "profile name", code=2)
    assert snapshot(user) == before and pwned(tmp_path) == []
    FIGURES["hostile profile names refused"] += 1


@pytest.mark.parametrize("args, env", [(["--profile", ""], {}), (["--update-profile", ""], {}),
                                       ([], {"AWS_PROFILE": ""}), ([], {"AWS_PROFILE": "  "})])
def test_an_empty_name_means_the_default(user, args, env):
    # As for the AWS CLI, an empty AWS_PROFILE is no AWS_PROFILE; an empty option likewise.
    result = user.awsmfa("login", *args, "--token-code", "123456", env=env)
    assert result.returncode == 1 and "cannot reach" in result.stderr  # [default] -> [mfa], then the call


# --- paths --------------------------------------------------------------------------------------

HOSTILE_FOLDERS = ["$(touch pwned)", "`touch pwned`", "a b;touch pwned", "quote'd\"", "new\nline", "ünï"]


@pytest.mark.parametrize("folder", HOSTILE_FOLDERS)
def test_hostile_credentials_paths_are_used_literally(user, tmp_path, folder):
    where = tmp_path / folder
    where.mkdir()
    path = str(where / "credentials")
    with open(path, "w") as handle:
        handle.write(LONG_TERM)
    store_session(user, "mfa", path=path)
    env = {"AWS_SHARED_CREDENTIALS_FILE": path}
    result = user.awsmfa("env", "--shell", "bash", env=env)
    assert result.returncode == 0, result.stderr
    assert exported(SHELLS["bash"], result.stdout)["AWS_ACCESS_KEY_ID"] == "ASIAHOSTILE"
    assert len(result.stderr.strip().splitlines()) == 1  # the summary names the path on one line
    # Missing files there: one line naming them (escaped), nothing created.
    before = snapshot(user)
    missing = str(where / "nope" / "credentials")
    result = user.awsmfa("login", "--token-code", "123456",
                         env={"AWS_SHARED_CREDENTIALS_FILE": missing, "AWS_CONFIG_FILE": missing + "-config"})
    assert_refused(result, "no profile [default] in", repr(missing)[1:-1] if "\n" in folder else missing)
    assert snapshot(user) == before and not os.path.exists(os.path.dirname(missing))
    assert pwned(tmp_path) == ([str(where)] if "pwned" in folder else [])
    FIGURES["hostile credentials paths"] += 1


def test_variables_in_the_credentials_path_expand_as_the_aws_cli_expands_them(user, tmp_path):
    """botocore expands $VAR and ~ in AWS_SHARED_CREDENTIALS_FILE; awsmfa writes that same file
    (it wrote a literal '$HOME' folder before), and leaves $(...) alone as botocore does."""
    alt = os.path.join(user.home, "alt")
    os.mkdir(alt)
    with open(os.path.join(alt, "credentials"), "w") as handle:
        handle.write(LONG_TERM)
    store_session(user, "mfa", path=os.path.join(alt, "credentials"))
    env = {"AWS_SHARED_CREDENTIALS_FILE": "$HOME/alt/credentials"}
    result = user.awsmfa("env", "--shell", "bash", env=env)
    assert result.returncode == 0, result.stderr
    assert "ASIAHOSTILE" in result.stdout
    cli = user.aws("configure", "get", "aws_access_key_id", "--profile", "mfa", env=env)
    assert cli.stdout.strip() == "ASIAHOSTILE", cli.stderr
    assert not os.path.exists(tmp_path / "$HOME")


# --- values that would inject into eval or fish output ---------------------------------------------

HOSTILE_VALUES = [
    ("a'b", '"', "\\"), ("$(touch pwned)", "`touch pwned`", "${HOME}"), ("'; touch pwned; '", '"; touch pwned; "', "\\'"),
    ("(touch pwned)", "%self", "{a,b}"), ("abc\\", "\\\\'\\", "*?[a]"), ("~root", "!!", "$'\\x41'"),
    ("ünï☃", "sp ace", "semi;colon&amp|pipe"), ("#notcomment", "a  b", "\"'\"'\"'"),
]


@pytest.mark.parametrize("key, secret, token", HOSTILE_VALUES)
def test_stored_values_round_trip_exactly_through_every_shell(user, tmp_path, key, secret, token):
    store_session(user, "mfa", key=key, secret=secret, token=token)
    for shell, argv in SHELLS.items():
        result = user.awsmfa("env", "--shell", shell)
        assert result.returncode == 0, result.stderr
        values = exported(argv, result.stdout)
        assert (values["AWS_ACCESS_KEY_ID"], values["AWS_SECRET_ACCESS_KEY"], values["AWS_SESSION_TOKEN"]) == (
            key, secret, token), shell
        FIGURES["hostile values x shells round-tripped"] += 3
    assert pwned(tmp_path) == []


@pytest.mark.parametrize("line", ["aws_secret_access_key = abc\n  export PWNED=1\n",
                                  "aws_secret_access_key = abc\x1b]0;pwned\x07\n",
                                  "aws_secret_access_key = abc\x00def\n"])
def test_a_stored_session_with_control_characters_is_not_reused(user, tmp_path, line):
    """No real key holds a line break, NUL or escape; a session that does is not printed (it is
    renewed: here the endpoint is closed, so one line and nothing on stdout)."""
    expiration = timeutil.format_utc(timeutil.now() + dt.timedelta(hours=1))
    user.write_credentials(LONG_TERM + "\n[mfa]\naws_access_key_id = ASIAX\n" + line +
                           f"aws_session_token = t\nawsmfa_source_profile = default\nawsmfa_expiration = {expiration}\n"
                           "awsmfa_duration_seconds = 3600\n")
    before = snapshot(user)
    result = user.awsmfa("env", "--shell", "bash", "--token-code", "123456")
    assert result.returncode == 1 and result.stdout == "" and "cannot reach" in result.stderr
    assert snapshot(user) == before and pwned(tmp_path) == []
    FIGURES["sessions with control characters not reused"] += 1


# --- files that are not what they seem ---------------------------------------------------------------


def unprivileged(argv):
    """argv run so that permission bits bind: as root, without CAP_DAC_OVERRIDE/READ_SEARCH."""
    if os.geteuid() != 0:
        return argv
    drop = "-dac_override,-dac_read_search"
    return ["setpriv", f"--bounding-set={drop}", f"--inh-caps={drop}"] + argv


def run_unprivileged(user, *args, env=None):
    return subprocess.run(unprivileged(AWSMFA + list(args)), env=user.environ(**(env or {})), capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)


def test_setpriv_really_drops_root_access(tmp_path):
    """The technique the next tests rely on: a 0000 file is unreadable to the wrapped process."""
    secret = tmp_path / "secret"
    secret.write_text("x")
    secret.chmod(0)
    result = subprocess.run(unprivileged([sys.executable, "-c", f"open({str(secret)!r}).read()"]),
                            capture_output=True, text=True)
    assert result.returncode == 1 and "Permission denied" in result.stderr


def make_directory(user):
    os.remove(user.credentials)
    os.mkdir(user.credentials)


def make_fifo(user):
    os.remove(user.credentials)
    os.mkfifo(user.credentials)


def make_dev_zero(user):
    os.remove(user.credentials)
    os.symlink("/dev/zero", user.credentials)


def make_dangling(user):
    os.remove(user.credentials)
    os.symlink(os.path.join(user.home, "dotfiles", "credentials"), user.credentials)


def make_latin1(user):
    with open(user.credentials, "wb") as handle:
        handle.write(LONG_TERM.encode() + b"# caf\xe9\n")


def make_huge(user):
    with open(user.credentials, "w") as handle:
        handle.write(LONG_TERM)
        block = "".join(f"[p{n}]\naws_access_key_id = AKIA{n:016d}\n" for n in range(1000))
        while handle.tell() < 50 * 2**20:
            handle.write(block)


def make_unreadable(user):
    os.chmod(user.credentials, 0)


FILES = {
    "directory": (make_directory, "is a directory, not a file"),
    "FIFO": (make_fifo, "is not a regular file (a FIFO, socket or device)"),
    "symlink to /dev/zero": (make_dev_zero, "is not a regular file"),
    "dangling symlink": (make_dangling, "is missing (a dangling symlink)"),
    "not UTF-8": (make_latin1, f"is not UTF-8 text (byte {len(LONG_TERM) + 5})"),
    "50 MB": (make_huge, "is over 2 MiB, too big for an AWS credentials or config file"),
    "unreadable": (make_unreadable, "permission denied"),
}


@pytest.mark.parametrize("command", ["env", "login"])
@pytest.mark.parametrize("kind", list(FILES))
def test_credentials_files_that_are_not_plain_text_are_refused_quickly(user, tmp_path, kind, command):
    make, words = FILES[kind]
    make(user)
    before = snapshot(user)
    probe = ("import resource, subprocess, sys, time; t = time.monotonic(); "
             "r = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=30); "
             "sys.stdout.write(r.stdout); sys.stderr.write(r.stderr); "
             "print(f'{time.monotonic() - t:.2f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}', "
             "file=sys.stderr); sys.exit(r.returncode)")
    args = [command, "--token-code", "123456"]
    result = subprocess.run(unprivileged([sys.executable, "-c", probe] + AWSMFA + args), env=user.environ(),
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    *lines, figures = result.stderr.strip().splitlines()
    took, peak_kb = figures.split()
    result = subprocess.CompletedProcess(result.args, result.returncode, result.stdout, "\n".join(lines) + "\n")
    assert_refused(result, words, code=1)
    assert float(took) < 5 and int(peak_kb) < 150_000, figures  # bounded: no hang, no 2 GB parse
    assert snapshot(user) == before and pwned(tmp_path) == []
    FIGURES["credentials files not plain text, refused"] += 1
    FIGURES[f"{kind} file: seconds, peak KB"] = f"{took}, {peak_kb}"


def test_a_config_file_that_is_a_fifo_is_refused_too(user):
    os.remove(user.config)
    os.mkfifo(user.config)
    before = snapshot(user)
    result = user.awsmfa("login", "--token-code", "123456", timeout=20)
    assert_refused(result, "config", "is not a regular file")
    assert snapshot(user) == before


# --- MFA codes -------------------------------------------------------------------------------------

# Beyond test_env_offline's (five or seven digits, a space inside, letters): what `$` let through.
CODES = ["123456\n", " 123456", "123456 ", "١٢٣٤٥٦", "１２３４５６", "12345６", "", "0x1234", "+12345", "12345\n6"]


@pytest.mark.parametrize("code", CODES)
def test_codes_that_are_not_six_ascii_digits_are_refused_before_any_call(user, tmp_path, code):
    before = snapshot(user)
    result = user.awsmfa("login", "--token-code", code)
    assert_refused(result, "exactly six digits", code=2)
    assert snapshot(user) == before
    FIGURES["malformed MFA codes refused"] += 1


# --- HOME ----------------------------------------------------------------------------------------------


def test_home_read_only_is_refused_before_the_code_is_spent(user, tmp_path):
    os.chmod(user.aws_dir, 0o555)
    os.chmod(user.home, 0o555)
    try:
        before = snapshot(user)
        result = run_unprivileged(user, "login", "--token-code", "123456")
        assert_refused(result, "is not writable", "asked for no code and changed nothing")
        assert snapshot(user) == before
    finally:
        os.chmod(user.aws_dir, 0o755)
        os.chmod(user.home, 0o755)


def test_a_read_only_home_without_aws_folder_is_refused_before_the_code_is_spent(tmp_path):
    # Long-term keys in the config file (botocore allows it), no ~/.aws: it would have to be made.
    bare = AwsUser(tmp_path / "bare", endpoint_url=CLOSED)
    os.rmdir(bare.aws_dir)
    config = tmp_path / "config"
    config.write_text(LONG_TERM + "mfa_serial = arn:aws:iam::123456789012:mfa/trainee\n")
    os.chmod(bare.home, 0o555)
    try:
        result = subprocess.run(unprivileged(AWSMFA + ["login", "--token-code", "123456"]),
                                env=bare.environ(AWS_CONFIG_FILE=str(config)), capture_output=True, text=True,
                                timeout=60, stdin=subprocess.DEVNULL)
        assert_refused(result, f"folder {bare.home} is not writable")
        assert os.listdir(bare.home) == []
    finally:
        os.chmod(bare.home, 0o755)


def test_a_valid_session_is_still_printed_from_a_read_only_home(user):
    store_session(user, "mfa")
    os.chmod(user.aws_dir, 0o555)
    os.chmod(user.home, 0o555)
    try:
        result = run_unprivileged(user, "env", "--shell", "bash")
        assert result.returncode == 0 and "ASIAHOSTILE" in result.stdout, result.stderr
    finally:
        os.chmod(user.aws_dir, 0o755)
        os.chmod(user.home, 0o755)


def test_credentials_under_a_file_instead_of_a_folder_is_refused(user, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    before = snapshot(user)
    result = user.awsmfa("login", "--token-code", "123456",
                         env={"AWS_SHARED_CREDENTIALS_FILE": str(blocker / "credentials")})
    assert_refused(result, "cannot read", "Not a directory")
    assert snapshot(user) == before and blocker.read_text() == "not a folder"


NO_HOME = ("import os, pwd, sys; real = pwd.getpwuid\n"
           "def missing(uid): raise KeyError(uid)\n"
           "pwd.getpwuid = missing\n"
           "from awsshell_setup.__main__ import main; sys.exit(main())")


def test_home_unset_and_no_passwd_entry_gives_one_line_and_no_stray_folder(user, tmp_path):
    """HOME unset for a uid the passwd database does not know (containers run so): '~' cannot
    be expanded. awsmfa used to carry on with a relative '~/.aws/credentials' and create a
    folder named '~' in the current folder."""
    work = tmp_path / "cwd"
    work.mkdir()
    env = user.environ(HOME=None)
    result = subprocess.run([sys.executable, "-c", NO_HOME, "login", "--token-code", "123456"], env=env, cwd=work,
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert_refused(result, "HOME is not set", code=1)
    assert os.listdir(work) == []


def test_home_unset_with_explicit_files_works(user, tmp_path):
    store_session(user, "mfa")
    env = {"HOME": None, "AWS_SHARED_CREDENTIALS_FILE": user.credentials, "AWS_CONFIG_FILE": user.config}
    work = tmp_path / "cwd"
    work.mkdir()
    result = subprocess.run([sys.executable, "-c", NO_HOME, "env", "--shell", "bash"], env=user.environ(**env),
                            cwd=work, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 0 and "ASIAHOSTILE" in result.stdout, result.stderr
    assert os.listdir(work) == []
