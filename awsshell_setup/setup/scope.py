"""Whose account and which shells install, uninstall and status work on, and how we know.

Which shell, without --shell: the shell awsmfa runs under when it is bash, zsh or fish (found
as `env` finds it: shells.running_shell_name), then $SHELL, then the login shell of the passwd
entry. That cannot be trusted without a terminal (cloud-init, a dotfile bootstrap piped to sh)
nor under sudo (the process tree holds the caller's shell): there it refuses and asks for
--shell rather than guess.

For another account (root's --user NAME) the shell is the login shell of NAME's passwd entry:
root's own shell says nothing about NAME, and the passwd entry is what NAME's logins start
(ssh, the console, su -l, a terminal of a desktop session), so it is known, not guessed. A
--shell that leaves that login shell out is said in one note (login_shell_note).
"""
import dataclasses
import os
import pwd

from ..core import roothome
from .. import shells
from ..core.errors import FileProblem, UsageError
from ..core.paths import printable

NAME_IT = "name it with --shell bash|zsh|fish (repeatable, or --shell all)"


@dataclasses.dataclass
class Account:
    """The account running awsmfa (with --user, the child process that became that account)."""
    name: str
    home: str
    uid: int
    gid: int
    environ: dict       # what locates its files: HOME, ZDOTDIR, XDG_CONFIG_HOME, PATH
    note: str = ""      # said to the user
    login_shell: str = ""  # from the passwd entry: the last clue to the shell to set up


def account(environ, getpwuid=pwd.getpwuid, euid=None):
    """The account whose files awsmfa works on: the one running it. (--user NAME runs the whole
    job as NAME: asuser.py.)"""
    euid = os.geteuid() if euid is None else euid
    me = getpwuid(euid)
    home = environ.get("HOME")
    note = ""
    if not home:
        # As bash does for ~: the passwd entry's home. Said, and refused when it is not there
        # (nobody's /nonexistent), rather than creating it or writing in the current folder.
        home = me.pw_dir
        if not home or not os.path.isabs(home) or not os.path.isdir(home):
            raise FileProblem(f"HOME is not set, and {me.pw_name}'s home folder in the passwd database "
                              f"({home or 'none'}) does not exist",
                              hint="set HOME to your home folder")
        note = f"HOME is not set: using {me.pw_name}'s home folder from the passwd database, {home}"
    else:
        roothome.check_absolute_home(home)
    if euid == 0:
        roothome.check_home(home, me.pw_dir, environ.get("SUDO_USER"))
        note = (note + "; " if note else "") + (f"as root: setting up root's own account (home {home}); "
                                                "--user NAME sets up another account")
    return Account(me.pw_name, home, euid, me.pw_gid, dict(environ, HOME=home), note=note, login_shell=me.pw_shell)


def working_account(environ=None, given=None):
    """The account a command works on, resolved once and passed down: `given` when the caller
    has one (tests), else the one running awsmfa, found from `environ` (default: os.environ).
    From then on its own environment (Account.environ) is the only one used."""
    return given or account(dict(os.environ if environ is None else environ))


def named_shells(names):
    """--shell values (repeatable, `all`) as Shell objects, in a stable order, each once."""
    wanted = set(shells.SUPPORTED) if "all" in names else set(names)
    return [shells.by_name(name) for name in shells.SUPPORTED if name in wanted]


def running_shell(acct, is_tty=None):
    """(Shell, how) for install when --shell is absent; refuses when it would be a guess."""
    environ = acct.environ
    is_tty = os.isatty(0) if is_tty is None else is_tty
    if not is_tty:
        raise UsageError(f"no terminal to detect your shell from (cloud-init, scripts): {NAME_IT}")
    if acct.uid == 0 and environ.get("SUDO_USER") not in (None, "", "root"):
        raise UsageError(f"under sudo the detected shell would be {environ['SUDO_USER']}'s, not root's: {NAME_IT}")
    clues = ((shells.running_shell_name(), "detected: awsmfa runs under {shell}"),
             (environ.get("SHELL"), "from $SHELL={name}"),
             (acct.login_shell, "from your login shell {name} (passwd)"))
    for name, how in clues:
        shell = shells.supported_name(name)
        if shell:
            return shells.by_name(shell), how.format(shell=shell, name=name)
    shown = next((os.path.basename(name) for name, _ in clues if name), "unknown")
    raise UsageError(f"your shell is {shown}, which awsmfa does not set up: {NAME_IT}")


def login_shell(acct):
    """(Shell, how) from the passwd entry's login shell (root's --user NAME without --shell);
    refused in one line when it is none awsmfa sets up (sh, tcsh, nologin)."""
    shell = shells.supported_name(acct.login_shell)
    if shell:
        return shells.by_name(shell), f"{acct.name}'s login shell in passwd, {printable(acct.login_shell)}"
    shown = printable(acct.login_shell) if acct.login_shell else "not set"
    raise UsageError(f"{acct.name}'s login shell (passwd) is {shown}, which awsmfa does not set up: {NAME_IT}")


def choose_shells(names, acct, is_tty=None, for_account=False):
    """([Shell], how) from --shell, else the login shell for another account (for_account:
    root's --user), else detected."""
    if names:
        return named_shells(names), "--shell"
    shell, how = login_shell(acct) if for_account else running_shell(acct, is_tty)
    return [shell], how


def login_shell_note(chosen, acct):
    """One line when the shells named leave out the account's login shell (root's --user with
    --shell bash for a zsh account), else ''. A note, not a refusal: an administrator may want
    bash besides the login shell (scripts run with `bash -l`), and a cloud-config that names
    --shell for every account must keep working; but the account's own new terminals start
    its login shell, where `mfa` would be missing, so it is said."""
    login = shells.supported_name(acct.login_shell)
    if not login or login in {shell.name for shell in chosen}:
        return ""
    return (f"note: {acct.name}'s login shell is {login} (passwd), which this leaves out: its new terminals "
            f"will not have mfa; add --shell {login} (or leave --shell out) to set it up too")
