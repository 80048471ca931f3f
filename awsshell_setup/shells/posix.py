"""sh and the Bourne family: POSIX `export` with shlex quoting, and what bash and zsh share
(their `mfa` definitions, the completer word `complete -C` re-parses)."""

from .base import Shell, shlex_quote


class PosixShell(Shell):
    """sh, dash, ksh and whatever we cannot name: POSIX `export` with shlex quoting."""

    name = "sh"

    def assignment(self, variable, value):
        return f"export {variable}={shlex_quote(value)}"

    def removal(self, names):
        return "unset " + " ".join(names)

    def quote(self, text):
        return shlex_quote(text)


class BourneLike(PosixShell):
    # `function mfa`, `mfa()`; aliases in defines_mfa_alias.
    OWN_MFA = r"""(?:^|[ \t;&|({])(?:function[ \t]+mfa(?=[ \t({]|$)|mfa[ \t]*\([ \t]*\))"""

    def defines_mfa_alias(self, code):
        """`alias mfa=...`, `alias -g mfa=`, `alias ll='ls' mfa='...'`: within one command (up to
        `;`, `&` or `|`), an `alias` word, then a word `mfa=` (quoted or not) after it. The first
        `alias` of a command decides: any later one sees only words the first one sees too."""
        import re

        for command in re.split(r"[;&|]", code):
            found = re.search(r"(?:^|[ \t({])alias[ \t]", command)
            if found and re.search(r"""[ \t]['"]?mfa=""", command[found.end() - 1:]):
                return True
        return False

    def completer_word(self, path):
        # `complete -C` keeps its argument as a command line and re-parses it at each Tab, so a
        # path with a space or a quote must be quoted twice: once for that later parse, once
        # for the rc file.
        import re

        inner = shlex_quote(path)
        if inner == path:
            return path
        return '"' + re.sub(r'([\\"$`])', r"\\\1", inner) + '"'
