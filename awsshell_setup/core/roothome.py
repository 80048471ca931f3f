"""Root's credentials commands work in root's own home only (docs/ARCHITECTURE.md §4, "What
runs as which user").

After `su` without `-`, `sudo -E` or sudo's `env_keep += HOME`, root runs with another account's
HOME: `env`, `login`, `logout` and `exec` would then run that account's `mfa_process` (or token
command) as root and write root's session through that account's links (a `~/.aws/credentials`
linked to a file of root's). The rule for HOME is here (`check_home`: SUDO_USER with another
home, and rootpolicy.check_not_anothers on HOME), for `install` (setup.scope.account) and the
credentials half alike; the latter also checks the two AWS files (AWS_SHARED_CREDENTIALS_FILE and
AWS_CONFIG_FILE may point elsewhere), before it reads a file, runs a program or asks a code.

The fast path does not even take that: it calls `fast_path_may_serve`, which
runs the part of the rule that is cheap (rootpolicy's walk) and leaves every other case of root's
to the full command, where `check` refuses it in words.
"""
import os
import pwd

from .errors import ASKED_NOTHING, AwsmfaError, UsageError
from .paths import config_file, credentials_file, printable

# The fix for each way root gets another account's HOME; --user is install's, not env's.
WAY_OUT = ("use `su -` or `sudo -H` (root's own HOME) for root's session, or run awsmfa as that account "
           "for theirs")


def check(environ):
    """As root: refuse (UsageError, one line naming the way out) when HOME or an AWS file is
    another account's or on a way another account could change; nothing for anyone else."""
    if os.geteuid() != 0:
        return
    from . import rootpolicy

    # A HOME that is not set is no other account's (install then takes the passwd entry's;
    # without one, paths refuses "~" in its own words): only the files are checked then.
    files = (credentials_file(environ), config_file(environ))
    try:
        home = environ.get("HOME")
        if home:
            check_absolute_home(home)
            check_home(home, pwd.getpwuid(0).pw_dir, environ.get("SUDO_USER"))
        for path in files:
            rootpolicy.check_not_anothers(path)
    except AwsmfaError as error:
        raise UsageError(f"as root with HOME={printable(environ.get('HOME') or '')}: {_reason(error.message)}; "
                         f"awsmfa keeps root's MFA sessions only where no other account can reach: {WAY_OUT}",
                         done=ASKED_NOTHING) from None


def check_absolute_home(home):
    """HOME, when set, is an absolute path: every file awsmfa reads or writes is found from it."""
    if not os.path.isabs(home):
        raise UsageError(f"HOME={home!r} is not an absolute path", hint="set HOME to your home folder")


def check_home(home, root_home, sudo_user):
    """Root's rule for the HOME it works in, install's and the credentials commands' alike: under
    sudo, HOME is root's own (older sudo kept the caller's: root would write root-owned files into
    it), and, since `su` without `-` keeps the caller's HOME too, no folder on the way to it is
    another account's (rootpolicy.check_not_anothers). Raises UsageError or FileProblem."""
    from . import rootpolicy

    if sudo_user and sudo_user != "root" and os.path.realpath(home) != os.path.realpath(root_home):
        raise UsageError(f"running under sudo with HOME={home}, {sudo_user}'s home: use `sudo awsmfa ... "
                         f"--user {sudo_user}` to set up {sudo_user}, or `sudo -H` to set up root")
    rootpolicy.check_not_anothers(home)


def _reason(message):
    """What check_home/rootpolicy found, without their advice for `install` (`--user NAME`, which
    env, login, logout and exec do not take): the part before it, or the whole message."""
    for advice in ("; as root, awsmfa", ": use `sudo awsmfa"):
        if advice in message:
            return message.split(advice)[0]
    return message


def fast_path_may_serve(environ):
    """True when the cached answer may be printed without `check`'s words: not root, or root
    with HOME set, not under sudo for another account, and HOME and both AWS files passing
    rootpolicy's check. Anything else goes to the full command (False), which refuses it."""
    if os.geteuid() != 0:
        return True
    if not environ.get("HOME") or environ.get("SUDO_USER") not in (None, "", "root"):
        return False  # check decides these, on the full path
    from . import rootpolicy

    try:
        for path in (environ["HOME"], credentials_file(environ), config_file(environ)):
            rootpolicy.check_not_anothers(path)
    except AwsmfaError:
        return False
    return True
