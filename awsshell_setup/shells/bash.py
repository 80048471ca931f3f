"""bash: ~/.bashrc and the one login file bash reads, and ~/.profile's wrapper for sh."""

import os

from .base import Target, read_by_sh
from .completerfiles import provided_for_bash
from .posix import BourneLike


# Matches a line that sources ~/.bashrc: `. ~/.bashrc`, `source "$HOME/.bashrc"`,
# `[ -f ~/.bashrc ] && . ~/.bashrc`, `. ${HOME}/.bashrc` (Debian, Amazon Linux, macOS habits);
# not `. ~/.bashrc.local` nor `. ~/.bashrc.d/x.sh`. Blanks are the shell's: space and tab.
_SOURCES_BASHRC = r"""(^|[ \t;&|({])(\.|source)[ \t]+["']?(~|\$HOME|\$\{HOME\})["']?/\.bashrc(?=$|[ \t\r;&|)"'`])"""


def sources_bashrc(text):
    """True when a line of the user's (not a comment, not inside our block) sources ~/.bashrc."""
    import re

    from . import rcblock  # our block is not the user's text: a completer path in it must not count

    return any(re.search(_SOURCES_BASHRC, line) for _, line in rcblock.lines_outside_blocks(text)
               if not line.lstrip(" \t").startswith("#"))


class Bash(BourneLike):
    name = "bash"
    template = "bash.bash"
    LOGIN_FILES = (".bash_profile", ".bash_login", ".profile")

    def completion_provider(self, completer):
        # Debian's awscli ships a bash-completion file naming its completer: where bash-completion
        # is loaded the block leaves aws to it, and only a bash without it (root's default
        # ~/.bashrc) gets the block's own line (template section completion_provided).
        return provided_for_bash(completer)

    def clash_files(self, home, environ):
        return [os.path.join(home, ".bash_aliases")]  # Debian's and Ubuntu's ~/.bashrc source it

    def rc_file_target(self, path, completion=True):
        if read_by_sh(path):
            # As in the default ~/.profile: the code in a string only bash evaluates.
            return Target(path, self.sections(completion), wrap="profile", why="--rc-file; sh reads it too")
        return super().rc_file_target(path, completion)

    def targets(self, home, environ, completion=True):
        from . import rcblock

        sections = self.sections(completion)
        rc = os.path.join(home, ".bashrc")
        found = [os.path.join(home, name) for name in self.LOGIN_FILES
                 if os.path.lexists(os.path.join(home, name))]
        result = [Target(rc, sections, why="interactive bash")]
        # bash login shells (macOS Terminal, ssh, `bash -l`) read only the first of these.
        login = found[0] if found else os.path.join(home, ".bash_profile")
        for name in self.LOGIN_FILES:
            path = os.path.join(home, name)
            if path != login:
                result.append(Target(path))  # only to clear a block left there by an older layout
            elif found and sources_bashrc(rcblock.read_rc(path) or ""):
                result.append(Target(path, why="login bash: it sources ~/.bashrc"))
            elif path.endswith(".profile"):
                # sh/dash read ~/.profile too: the bash code goes in a string only bash evals.
                result.append(Target(path, sections, wrap="profile", why="login bash reads it; sh too"))
            else:
                # Created only when no login file exists at all: never next to a ~/.profile,
                # which a new ~/.bash_profile would shadow.
                result.append(Target(path, sections, why="login bash"))
        return result
