"""zsh: ${ZDOTDIR:-$HOME}/.zshrc, ZDOTDIR asked of zsh itself when ~/.zshenv sets it."""

import os

from .base import Target
from .posix import BourneLike


class Zsh(BourneLike):
    name = "zsh"
    template = "zsh.zsh"
    # zsh reads ~/.profile only as sh (`emulate sh -c '. ~/.profile'`), where its completion
    # code fails (bashcompinit's functions would be defined in sh mode).
    NOT_FOR_SH_FILES = "which zsh reads there only as sh: put the block in ~/.zshrc"

    def zdotdir(self, home, environ):
        """$ZDOTDIR, else the one ~/.zshenv sets (asked of zsh itself), else the home folder.

        Asking zsh runs ~/.zshenv: through boundedrun (no terminal, a time bound), and as root
        only a zsh no one but root could have changed; another is refused in one line, before
        anything is written (root's PATH naming an account's zsh)."""
        if environ.get("ZDOTDIR"):
            return environ["ZDOTDIR"]
        zshenv = os.path.join(home, ".zshenv")
        if os.path.isfile(zshenv):
            from . import rcblock
            from ..core.errors import AwsmfaError

            try:
                mentions = "ZDOTDIR" in (rcblock.read_rc(zshenv) or "")
            except AwsmfaError:
                mentions = False  # not ours to judge here: zsh reads it, or refuses it, itself
            if mentions:
                asked = self._ask_zdotdir(home, environ)
                if asked:
                    return asked
        return home

    def _ask_zdotdir(self, home, environ):
        """The ZDOTDIR a new zsh of `home` ends up with after ~/.zshenv, or None."""
        import shutil

        from ..core import boundedrun, rootpolicy
        from ..core.errors import UsageError
        from ..core.paths import printable

        search = environ.get("PATH", os.defpath)
        zsh = shutil.which("zsh", path=search)
        if not zsh:
            return None
        if os.geteuid() == 0:
            why = rootpolicy.run_refusal(zsh, search_path=search)
            if why:
                raise UsageError(f"~/.zshenv sets ZDOTDIR, and root will not run {printable(zsh)} to read it "
                                 f"({why}): put root's own zsh first on PATH, or set ZDOTDIR before running awsmfa")
        try:
            answer = boundedrun.run([zsh, "-c", 'print -rn -- "${ZDOTDIR-}"'], {"HOME": home, "PATH": search}, 10,
                                    cwd=home)
        except OSError:
            return None
        return answer.stdout if answer.returncode == 0 and answer.stdout.startswith("/") else None

    def targets(self, home, environ, completion=True):
        zdotdir = self.zdotdir(home, environ)
        result = [Target(os.path.join(zdotdir, ".zshrc"), self.sections(completion), why="interactive zsh")]
        if os.path.realpath(zdotdir) != os.path.realpath(home):
            result.append(Target(os.path.join(home, ".zshrc")))  # a block from before ZDOTDIR was set
        return result

    # The block's `compinit` (run only when the user's rc has not run one) writes its dump to
    # a file of awsmfa's (templates/zsh.zsh: `compinit -i -d`), not to ~/.zcompdump, which a
    # compinit of the user's may share: uninstall removes it, and nothing of the user's.
    COMPDUMP = ".zcompdump-awsmfa"

    def made_by_block(self, home, environ):
        zdotdir = self.zdotdir(home, environ)
        return [os.path.join(zdotdir, self.COMPDUMP), os.path.join(zdotdir, self.COMPDUMP + ".zwc")]
