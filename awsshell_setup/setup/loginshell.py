"""Will a new shell of this account find `awsmfa`? Asked of the account's shells themselves.

`mfa` calls awsmfa by name, so it works only where a new shell's PATH holds awsmfa. That PATH
is not the one awsmfa runs with now: a virtualenv's bin folder is on PATH only while it is
activated, and root's PATH is not the account's. A new shell builds its PATH from what starts
it and its startup files, and only bash reads ~/.profile (where Debian's and Ubuntu's put
~/.local/bin, pipx's folder): a login zsh or fish misses it. So each shell is started as the
new shell would be, and asked, in a few seconds at most (new_shells says which, and how):
- a login shell (the account's own, from passwd; ssh, the console, tmux) from the login
  defaults (ENV_PATH/ENV_SUPATH of /etc/login.defs), reading ~/.profile and ~/.bashrc,
  ~/.zprofile and ~/.zshrc, config.fish;
- a shell started from this session (a terminal, `zsh` typed in bash): not a login shell,
  from this session's PATH less an activated virtualenv's bin folder (`deactivate` drops it;
  a new terminal never had it). So a session that began before pipx made ~/.local/bin (its
  ~/.profile adds it only when it exists) is seen to miss it, as its new terminals do;
- as the process running awsmfa: the account itself (with --user, the child that became it);
  never root for another account;
- with no terminal and no standard input (boundedrun: a new session, so nothing can prompt or
  reach awsmfa's terminal), its whole process group killed on timeout;
- reading only what comes between two marker lines carrying a random word: a banner an rc
  file prints, even one that looks like the markers, does not count.
When it cannot answer (no login shell we know how to ask, no answer in time), it says so.
What to do when one misses it (fix) is the line that puts awsmfa's folder on that shell's PATH,
in the file every new interactive shell of that kind reads, or, for root setting up another
account whose shells find no awsmfa of its own, where to install it for every account.
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
    __slots__ = ("shell", "awsmfa", "path", "problem", "login")

    def __init__(self, shell, awsmfa="", path=None, problem="", login=True):
        self.shell = shell        # the shell asked, e.g. "bash"
        self.awsmfa = awsmfa      # where it finds awsmfa; '' when it does not
        self.path = path          # its PATH; None when it did not answer
        self.problem = problem    # why it could not tell; '' when it answered
        self.login = login        # asked as a login shell, or as one started from this session

    @property
    def answered(self):
        return not self.problem

    @property
    def which(self):
        """'a new login zsh', or 'a new zsh started from this session'."""
        return f"a new login {self.shell}" if self.login else f"a new {self.shell} started from this session"


_answers = {}


def ask(home, environ, uid=None, shell=None, login=True, keep_made=False):
    """An Answer from a new shell of the account running awsmfa (uid: os.geteuid()): its login
    shell (passwd), or the shell named `shell` (bash, zsh, fish: the login shell's program when
    it is that shell, else the one on the login defaults' PATH); started as a login shell, or
    (login=False) as a terminal of this session starts it (see the module's docstring).
    keep_made: keep what awsmfa's own block made as the shell ran (zsh's completion dump: a
    file of awsmfa's, which uninstall removes) after a real install, where the user's next
    shell would make it anyway; the next question then costs no compinit without a dump."""
    import pwd

    uid = os.geteuid() if uid is None else uid
    try:
        entry = pwd.getpwuid(uid)
        shell_path, name = entry.pw_shell, entry.pw_name
    except KeyError:
        return Answer(shell or "", problem=f"uid {uid} has no passwd entry", login=login)
    if shell and shell != os.path.basename(shell_path or ""):
        import shutil

        shell_path = shutil.which(shell, path=login_path(uid))
        if not shell_path:
            return Answer(shell, problem=f"{shell} is not installed (not on {login_path(uid)})", login=login)
        if os.geteuid() == 0:
            # Not root's own login shell: root runs it only if no one but root could change it.
            from ..core import rootpolicy

            why = rootpolicy.run_refusal(shell_path, search_path=login_path(uid))
            if why:
                return Answer(shell, problem=f"root will not run {shell_path} ({why})", login=login)
    shell = os.path.basename(shell_path or "")
    if shell not in ASKABLE:
        return Answer(shell, problem=f"its login shell {shell_path or '(none)'} is not one awsmfa knows how to ask",
                      login=login)
    env = {key: value for key, value in environ.items() if key in _KEPT or key.startswith("LC_")}
    env.update(HOME=home, USER=name, LOGNAME=name, SHELL=entry.pw_shell or shell_path,
               PATH=login_path(uid) if login else session_path(environ))
    key = (shell_path, login, home, tuple(sorted(env.items())))
    if key not in _answers:
        _answers[key] = _ask(shell, shell_path, home, env, login, keep_made)
    return _answers[key]


def session_path(environ):
    """The PATH a new terminal of this session starts with: this one, less the bin folder of an
    activated virtualenv (only the shell that sourced `activate` has it)."""
    path = environ.get("PATH", os.defpath)
    venv = environ.get("VIRTUAL_ENV")
    if not venv:
        return path
    drop = os.path.join(venv, "bin")
    return os.pathsep.join(folder for folder in path.split(os.pathsep) if folder.rstrip("/") != drop.rstrip("/"))


def new_shells(home, environ, uid, login_shell, set_up, keep_made=False):
    """[Answer] of the new shells `mfa` will run in: the account's login shell as a new login
    starts it, and each shell set up (names) as this session starts it; the login shell both
    ways when it is set up. Each once, the login shell first."""
    from .. import shells

    login = shells.supported_name(login_shell) or os.path.basename(login_shell or "")
    asked = [ask(home, environ, uid, keep_made=keep_made)]
    for name in dict.fromkeys([login] * (login in set_up) + list(set_up)):
        asked.append(ask(home, environ, uid, shell=name, login=False, keep_made=keep_made))
    return asked


def _ask(shell, shell_path, home, env, login=True, keep_made=False):
    import secrets

    from ..core import boundedrun

    word = secrets.token_hex(8)
    markers = {name: f"AWSMFA-{word}-{name.upper()}" for name in ("begin", "path", "end")}
    traces, made = _traces(shell, home, env)
    traces = [path for path in traces if not (keep_made and path in made)]
    existed = {path: os.path.lexists(path) for path in traces}
    try:
        result = boundedrun.run([shell_path, *(["-l"] if login else []), "-i", "-c", _SCRIPT.format(**markers)],
                                env, TIMEOUT_SECONDS, cwd=home, keep_stderr=False)
    except OSError as error:
        return Answer(shell, problem=f"cannot start {shell_path}: {error.strerror}", login=login)
    finally:
        _wipe([path for path in traces if not existed[path]])
    answer = _parse(result.stdout, markers)  # even after a timeout: the answer may be there
    if answer is None:
        why = f"no answer within {TIMEOUT_SECONDS} s" if result.timed_out else "its startup files ended it before it answered"
        return Answer(shell, problem=f"{Answer(shell, login=login).which} gave {why}", login=login)
    awsmfa, path = answer
    return Answer(shell, awsmfa=awsmfa, path=path, login=login)


def _traces(shell, home, env):
    """What starting `shell` in `home` may leave behind when it was not there: fish makes its
    config and data folders at every start, and a zsh whose rc runs compinit (awsmfa's block
    does, when the user's rc has not) writes its dump. Asking is not setting up: install
    --dry-run writes nothing, and uninstall gives a home back as it was, so what the question
    made goes again (_wipe). Parents before what they hold. Returns (those paths, the ones
    awsmfa's own block makes)."""
    if shell == "fish":
        config = env.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
        data = env.get("XDG_DATA_HOME") or os.path.join(home, ".local", "share")
        return [config, os.path.join(config, "fish"), os.path.dirname(data), data, os.path.join(data, "fish")], []
    if shell == "zsh":
        from .. import shells
        from ..core.errors import AwsmfaError

        zsh = shells.by_name("zsh")
        try:
            made = zsh.made_by_block(home, env)
            return [os.path.join(zsh.zdotdir(home, env), ".zcompdump")] + made, made
        except AwsmfaError:  # ~/.zshenv moves ZDOTDIR and root will not run that zsh: the home's
            return [os.path.join(env.get("ZDOTDIR") or home, name) for name in (".zcompdump", zsh.COMPDUMP)], []
    return [], []


def _wipe(paths):
    """Remove what the question made: files, and folders once empty, innermost first."""
    import stat

    for path in reversed(paths):
        try:
            info = os.lstat(path)
        except OSError:
            continue
        try:
            if stat.S_ISDIR(info.st_mode):
                os.rmdir(path)  # only when empty: anything else in it is not the question's
            elif stat.S_ISREG(info.st_mode):
                os.unlink(path)
        except OSError:
            pass


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


# Where an administrator puts awsmfa for every account: a folder on every login's default PATH
# (ENV_PATH and ENV_SUPATH of /etc/login.defs both hold it), with pipx's own files beside it.
FLEET_INSTALL = "PIPX_HOME=/opt/pipx PIPX_BIN_DIR=/usr/local/bin pipx install {source}"


def fix(missed, answers, home, environ, for_account=False):
    """What to do when the shells of `missed` (one kind, answered: a login one, one started
    from this session, or both) do not find awsmfa: the one line that puts awsmfa's folder on
    that shell's PATH, and the file (for bash, files) to add it to; for root working
    for another account (for_account) that has no awsmfa of its own, where to install awsmfa
    for every account. The folder: where another new shell of the account found it, else (not
    for another account: root's awsmfa is not the account's) where this awsmfa runs from."""
    # Not `pipx ensurepath`: it changes nothing when the PATH it runs with has the folder
    # already (a desktop session's, from ~/.profile: the very case of a login zsh missing it),
    # and it writes only the files of the shell it runs under.
    folder = next((os.path.dirname(each.awsmfa) for each in answers if each.awsmfa), None)
    own = os.path.join(home, ".local", "bin")  # where pipx puts the account's own (PIPX_BIN_DIR)
    if folder is None and os.access(os.path.join(own, "awsmfa"), os.X_OK):
        folder = own
    if folder is None and not for_account:
        running = awsmfa_on_path(environ) or _running_awsmfa()
        folder = os.path.dirname(running) if running else None
    inside = folder is not None and (folder == home or folder.startswith(home.rstrip("/") + "/"))
    if for_account and not inside:
        return ("as root, install awsmfa where every account's shells find it: `"
                + FLEET_INSTALL.format(source=install_source()) + "`")
    if folder is None:
        return ("no awsmfa was found to add: install it with pipx (`pipx install .` in a copy of its "
                "repository), then run `awsmfa install` again")
    files = list(dict.fromkeys(startup_file(answer, home, environ) for answer in missed))
    return f"add `{path_line(missed[0].shell, folder, home)}` to {' and '.join(files)}"


def path_line(shell, folder, home):
    """The line of `shell`'s language that appends `folder` to PATH (appended: a virtualenv's
    python, or anything else beside awsmfa there, then never shadows the system's)."""
    under = folder.startswith(home.rstrip("/") + "/") and home != "/"
    if shell == "fish":
        from ..shells import by_name

        quote = by_name("fish").quote
        word = "~/" + quote(folder[len(home.rstrip("/")) + 1:]) if under else quote(folder)
        return f"fish_add_path --path --append {word}"
    if under:
        inner = "$HOME/" + _in_double_quotes(folder[len(home.rstrip("/")) + 1:])
    else:
        inner = _in_double_quotes(folder)
    return f'export PATH="$PATH:{inner}"'


def _in_double_quotes(text):
    return "".join("\\" + each if each in '\\"$`' else each for each in text)


def startup_file(answer, home, environ):
    """The file every new interactive shell of answer's kind reads (as the account shows it:
    ~/...), or for bash the ones the shells that missed it read."""
    from ..core import paths
    from .. import shells

    if answer.shell == "zsh":
        return paths.display(os.path.join(shells.by_name("zsh").zdotdir(home, environ), ".zshrc"), environ)
    if answer.shell == "fish":
        return paths.display(os.path.join(shells.by_name("fish").config_dir(home, environ), "config.fish"), environ)
    if answer.shell != "bash":
        return "~/.profile"  # sh, dash, ksh: what their logins read
    # Every interactive bash that is not a login shell reads ~/.bashrc; a login bash reads the
    # first of its login files and no other, which sources ~/.bashrc or not.
    login = next((name for name in shells.Bash.LOGIN_FILES if os.path.isfile(os.path.join(home, name))),
                 ".bash_profile")
    if not answer.login or _sources_bashrc(os.path.join(home, login)):
        return "~/.bashrc"
    return f"~/{login}"


def _sources_bashrc(path):
    from ..shells import rcblock
    from .. import shells
    from ..core.errors import AwsmfaError

    try:
        return shells.sources_bashrc(rcblock.read_rc(path) or "")
    except AwsmfaError:
        return False


def _running_awsmfa():
    """The awsmfa program running now, when it was started by a path (`~/.local/bin/awsmfa
    install`, as pipx's own message suggests before PATH has that folder), else None."""
    import sys

    program = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return program if os.path.basename(program) == "awsmfa" and os.path.isfile(program) else None


_sources = []


def install_source():
    """Where the running awsmfa was installed from (pip's direct_url.json of a local copy), for
    the administrator's command; a placeholder when that is not known. Read once: asuser
    reads it while still root (root's pipx keeps it under /root, which the account cannot read)."""
    if not _sources:
        _sources.append(_read_source())
    return _sources[0]


def _read_source():
    import json
    from importlib import metadata
    from urllib.parse import unquote, urlparse

    try:
        url = json.loads(metadata.distribution("awsshell-setup").read_text("direct_url.json") or "{}").get("url", "")
    except (metadata.PackageNotFoundError, ValueError, OSError, AttributeError):
        url = ""
    parsed = urlparse(url)
    if parsed.scheme == "file" and parsed.path:
        from ..shells import by_name

        return by_name("sh").quote(unquote(parsed.path))
    return "/path/to/awsmfa"
