"""What every shell is asked (the Shell class) and the files install writes for it (Target).

No `if shell == "fish"` anywhere else (awsume's tangle): callers ask the Shell object.
- quoting for `env` output (`assignment`, `exports`, `unsets`): on the fast path of `env`, so
  this module imports nothing heavy at load time;
- for install/uninstall/init/status: the files that receive the integration (`targets`), the
  template sections and how they are rendered (`render`), how to quote the completer, and the
  user's own `mfa` that would clash with ours.
Each shell is a subclass in a file of its own: posix.py (and the Bourne family), bash.py,
zsh.py, fish.py."""

import os

from .completerfiles import KNOWN_FOLDERS
from .template import fill, load_template


# `re` and `shlex` are imported where needed, not here: together with what they pull in they
# are a fifth of the cached `env` path, whose values (base64 keys, ISO times) never need them.
# So is `rcblock` (and the dataclasses it uses): only the installer's methods read rc files.
_LETTERS_DIGITS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"  # `string` imports re


_PLAIN = frozenset(_LETTERS_DIGITS + "_@%+=:,./-")  # shlex.quote's safe set


_NAME_CHARS = frozenset(_LETTERS_DIGITS + "_")


def is_plain(text):
    """True when shlex.quote would return `text` unchanged (no quoting needed)."""
    return bool(text) and all(char in _PLAIN for char in text)


def is_variable_name(name):
    return bool(name) and not name[0].isdigit() and all(char in _NAME_CHARS for char in name)


def shlex_quote(text):
    if is_plain(text):
        return text
    import shlex

    return shlex.quote(text)


class Target:
    """One file install writes to.

    owned: the whole file is ours (fish autoload files, with a header line); else a marker
    block inside the user's file. sections: the template sections that belong there; empty
    means nothing of ours belongs there (uninstall/clean-up only). wrap: a template section
    the code is wrapped in (bash's ~/.profile, which sh/dash also read).
    (A plain class: `env`'s fast path imports this module and must not pay for dataclasses.)
    """

    __slots__ = ("path", "sections", "owned", "wrap", "why")

    def __init__(self, path, sections=(), owned=False, wrap=None, why=""):
        self.path, self.sections, self.owned, self.wrap, self.why = path, tuple(sections), owned, wrap, why

    def __eq__(self, other):
        return isinstance(other, Target) and all(getattr(self, name) == getattr(other, name)
                                                  for name in self.__slots__)

    def __repr__(self):
        return "Target(" + ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__) + ")"


class Shell:
    name = None
    template = None  # file name in shells/templates/

    def assignment(self, variable, value):
        raise NotImplementedError

    def exports(self, variables):
        """Shell code that exports each (name, value) pair into the calling shell."""
        lines = []
        for variable, value in variables:
            if not is_variable_name(variable):
                raise ValueError(f"not a variable name: {variable!r}")
            lines.append(self.assignment(variable, value))
        return "".join(line + "\n" for line in lines)

    def unsets(self, names):
        """Shell code removing the exported variables `names`; its status is 0 whether or not
        they were set."""
        for name in names:
            if not is_variable_name(name):
                raise ValueError(f"not a variable name: {name!r}")
        return self.removal(names) + "\n"

    def removal(self, names):
        raise NotImplementedError

    # --- shell integration: install, uninstall, init, status ------------------------------

    def quote(self, text):
        raise NotImplementedError

    def completer_word(self, path):
        """The completer as a word of this shell's completion command."""
        return self.quote(path)

    def folder_words(self, folders):
        """Folders as words of a `for` list; `~/` left unquoted, so the shell expands it at each
        Tab (a dotfile serves homes in different places)."""
        return " ".join("~/" + self.quote(folder[2:]) if folder.startswith("~/") else self.quote(folder)
                        for folder in folders)

    def sections(self, completion=True):
        """The template sections of a full block (init, --rc-file, marker blocks). `completion`
        is the aws completion; awsmfa's own (complete_awsmfa) and the prompt helper (prompt:
        mfa_prompt, and the warning AWSMFA_WARN asks for) come with the mfa function."""
        return ("about", "function", "prompt") + (("completion",) if completion else ()) + ("complete_awsmfa",)

    def completion_provider(self, completer):
        """The system file that already completes aws with `completer` in this shell, or None."""
        return None

    def render(self, sections, completer=None, wrap=None):
        """The shell code of these template sections, the completer filled in."""
        template = load_template(self.template)
        values = {}
        if completer is not None:
            if "\n" in completer or "\r" in completer:
                raise ValueError("a completer path with a line break")
            values = {"completer": self.completer_word(completer), "completer_path": completer}
            if os.sep not in completer:
                # A bare name (a dotfile shared between machines): the block looks it up at each
                # Tab, on PATH, then in the folders off PATH where systems put it.
                sections = tuple("completion_lookup" if name == "completion" else name for name in sections)
                values.update(completer_name=self.quote(completer),
                              completer_folders=self.folder_words(KNOWN_FOLDERS))
            provider = self.completion_provider(completer) if "completion" in sections else None
            if provider:
                sections = tuple("completion_provided" if name == "completion" else name for name in sections)
                values["provider"] = provider
        if not wrap:
            return "".join(fill(template[name], values) for name in sections)
        # The comments stay readable outside; the code goes inside the wrapper's string.
        about = "".join(template[name] for name in sections if name == "about")
        code = "".join(fill(template[name], values) for name in sections if name != "about")
        return about + fill(template[wrap], {"code": self.quote(code)})

    # A definition of the user's own `mfa` as a function (a regular expression); an alias of
    # that name is `defines_mfa_alias`'s. Both are linear in the line's length: a pattern with a
    # repeated group after `alias` (the words before `mfa=`) retries it at each `alias`, and a
    # 96 KB line of `alias alias ...` took 31 s (docs/ARCHITECTURE.md §4, "Users' files").
    OWN_MFA = None

    def own_mfa(self, text):
        """(line number, line) of the user's own definition of `mfa` in `text`, outside our
        blocks, or None. Ours and theirs would clash: in bash and zsh an alias wins at the
        prompt, a function defined later wins, and fish never autoloads a function that its
        config already defines."""
        import re

        from . import rcblock

        if not self.OWN_MFA:
            return None
        for number, line in rcblock.lines_outside_blocks(text):
            code = uncommented(line)
            if re.search(self.OWN_MFA, code) or self.defines_mfa_alias(code):
                return number, line.rstrip("\r\n")
        return None

    def defines_mfa_alias(self, code):
        """True when the line `code` (comment cut off) defines an alias named mfa."""
        return False

    def clash_files(self, home, environ):
        """Files besides the ones install writes where a user's own `mfa` would clash."""
        return []

    def made_by_block(self, home, environ):
        """Files the installed block itself makes when the shell runs it (not install), which
        uninstall removes with the block."""
        return []

    # Why this shell's code cannot go in a file sh reads (see read_by_sh), and which file to name.
    NOT_FOR_SH_FILES = None

    def rc_file_target(self, path, completion=True):
        """--rc-file: the whole block in the file the user names. Refused in a file sh reads
        too, where this shell's code would stop sh (shells that can wrap it say how)."""
        if self.NOT_FOR_SH_FILES and read_by_sh(path):
            from ..core.errors import UsageError
            from ..core.paths import printable

            raise UsageError(f"--rc-file {printable(path)}: sh and dash read that file and would stop at "
                             f"{self.name} code, " + self.NOT_FOR_SH_FILES)
        return Target(path, self.sections(completion), why="--rc-file")

    def targets(self, home, environ, completion=True):
        """Every file install may write for this account; sections=() means 'nothing of ours
        belongs there' (a stale block is removed). Uninstall uses the same list, emptied.
        It may run the shell to learn where its files are: as the account itself, since root
        working for an account runs as that account (asuser.py)."""
        raise NotImplementedError


def read_by_sh(path):
    """True for a file a POSIX sh (dash, busybox ash, bash as sh) reads at login: ~/.profile (or
    a `profile` in a dotfile repository, linked there), /etc/profile, and the
    /etc/profile.d/*.sh it sources. dash stops at the first line it cannot parse, before the
    command it was started for. Only these: ~/.bash_profile, ~/.bash_login and ~/.bashrc are
    read by bash alone, and the file $ENV names (interactive sh) has no fixed name."""
    name = os.path.basename(path)
    return name in (".profile", "profile") or (
        os.path.basename(os.path.dirname(path)) == "profile.d" and name.endswith(".sh"))


def uncommented(line):
    """The line without a trailing comment (a `#` that starts a word), roughly as sh reads it."""
    import re

    return re.sub(r"(^|[ \t])#.*", r"\1", line.rstrip("\r\n"))
