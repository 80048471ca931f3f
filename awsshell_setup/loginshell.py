"""Will a new shell of this account find `awsmfa`? Asked of the account's login shell itself.

`mfa` calls awsmfa by name, so it works only where a new shell's PATH holds awsmfa. That PATH
is not the one awsmfa runs with now: a virtualenv's bin folder is on PATH only while it is
activated, and root's PATH is not the account's. A new shell builds its PATH from the login
defaults and its startup files, so the account's login shell (passwd) is started as a new
login, interactive shell would be (it reads ~/.profile and ~/.bashrc, ~/.zprofile and ~/.zshrc,
config.fish) and asked, in a few seconds at most:
- as the process running awsmfa: the account itself (with --user, the child that became it);
  never root for another account;
- from the login defaults (ENV_PATH/ENV_SUPATH of /etc/login.defs), not from the PATH now;
- with no terminal and no standard input (boundedrun: a new session, so nothing can prompt or
  reach awsmfa's terminal), its whole process group killed on timeout;
- reading only what comes between two marker lines carrying a random word: a banner an rc
  file prints, even one that looks like the markers, does not count.
When it cannot answer (no login shell we know how to ask, no answer in time), it says so.
"""
import os

TIMEOUT_SECONDS = 5
# The same words in sh, bash, zsh and fish (`||` and `command -v` since fish 3.0).
_SCRIPT = 'echo; echo {begin}; command -v awsmfa || true; echo {path}; echo "$PATH"; echo {end}'
ASKABLE = ("bash", "zsh", "fish", "sh", "dash", "ksh", "mksh")
# A new login starts with these (login(1), sshd, su -l), before /etc/profile adds to them.
_DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"
_DEFAULT_SUPATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# What a new shell of the account keeps from the session that starts it.
_KEPT = ("TERM", "LANG", "LANGUAGE", "ZDOTDIR", "XDG_CONFIG_HOME")


class Answer:
    __slots__ = ("shell", "awsmfa", "path", "problem")

    def __init__(self, shell, awsmfa="", path=None, problem=""):
        self.shell = shell        # the shell asked, e.g. "bash"
        self.awsmfa = awsmfa      # where it finds awsmfa; '' when it does not
        self.path = path          # its PATH; None when it did not answer
        self.problem = problem    # why it could not tell; '' when it answered

    @property
    def answered(self):
        return not self.problem


_answers = {}


def ask(home, environ, uid=None):
    """An Answer from a new login shell of the account running awsmfa (uid: os.geteuid())."""
    import pwd

    uid = os.geteuid() if uid is None else uid
    try:
        entry = pwd.getpwuid(uid)
        shell_path, name = entry.pw_shell, entry.pw_name
    except KeyError:
        return Answer("", problem=f"uid {uid} has no passwd entry")
    shell = os.path.basename(shell_path or "")
    if shell not in ASKABLE:
        return Answer(shell, problem=f"its login shell {shell_path or '(none)'} is not one awsmfa knows how to ask")
    env = {key: value for key, value in environ.items() if key in _KEPT or key.startswith("LC_")}
    env.update(HOME=home, USER=name, LOGNAME=name, SHELL=shell_path, PATH=login_path(uid))
    key = (shell_path, home, tuple(sorted(env.items())))
    if key not in _answers:
        _answers[key] = _ask(shell, shell_path, home, env)
    return _answers[key]


def _ask(shell, shell_path, home, env):
    import secrets

    from . import boundedrun

    word = secrets.token_hex(8)
    markers = {name: f"AWSMFA-{word}-{name.upper()}" for name in ("begin", "path", "end")}
    try:
        result = boundedrun.run([shell_path, "-l", "-i", "-c", _SCRIPT.format(**markers)], env, TIMEOUT_SECONDS,
                                cwd=home, keep_stderr=False)
    except OSError as error:
        return Answer(shell, problem=f"cannot start {shell_path}: {error.strerror}")
    answer = _parse(result.stdout, markers)  # even after a timeout: the answer may be there
    if answer is None:
        why = f"no answer within {TIMEOUT_SECONDS} s" if result.timed_out else "its startup files ended it before it answered"
        return Answer(shell, problem=f"a new login {shell} gave {why}")
    awsmfa, path = answer
    return Answer(shell, awsmfa=awsmfa, path=path)


def _parse(text, markers):
    """(awsmfa or '', PATH) from the lines between the markers, or None."""
    lines = text.split("\n")
    try:
        begin = lines.index(markers["begin"])
        middle = lines.index(markers["path"], begin)
        end = lines.index(markers["end"], middle)
    except ValueError:
        return None
    found = [line for line in lines[begin + 1:middle] if line.strip()]
    path = "\n".join(lines[middle + 1:end])
    return (found[-1] if found else ""), path


def login_path(uid):
    """The PATH a new login of `uid` starts from (/etc/login.defs, else the usual default)."""
    wanted = "ENV_SUPATH" if uid == 0 else "ENV_PATH"
    try:
        with open("/etc/login.defs", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                words = line.split()
                if len(words) == 2 and words[0] == wanted:
                    value = words[1]
                    return value[len("PATH="):] if value.startswith("PATH=") else value
    except OSError:
        pass
    return _DEFAULT_SUPATH if uid == 0 else _DEFAULT_PATH


def awsmfa_on_path(environ):
    """Where awsmfa is on the PATH of `environ` (this process's, not a new shell's), or None."""
    import shutil

    return shutil.which("awsmfa", path=environ.get("PATH", os.defpath))


def advice(shell, home=None):
    """What to do when a new shell does not find awsmfa, in a few words, naming the file that
    shell's logins read (`home`: the account's; default $HOME, which --user's child has set)."""
    where = {"zsh": "~/.zprofile", "fish": "config.fish (fish_add_path)"}.get(shell, "~/.profile")
    if shell == "bash":
        # A login bash reads the first of these and no other: with ~/.bash_profile there (one
        # awsmfa may have just written), a line added to ~/.profile is never read.
        home = home or os.environ.get("HOME", "")
        where = next((f"~/{name}" for name in (".bash_profile", ".bash_login")
                      if home and os.path.isfile(os.path.join(home, name))), where)
    # The distribution is awsshell-setup (`awsmfa` on PyPI is another project): pipx installs
    # it from a clone with `pipx install .`, into ~/.local/bin, which ensurepath puts on PATH.
    return f"install it with pipx (`pipx install .` in a clone, then `pipx ensurepath`), or add its folder to PATH in {where}"
