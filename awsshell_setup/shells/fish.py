"""fish: autoloaded files awsmfa owns whole (functions/, completions/), or the block
`awsmfa init fish` put in config.fish; fish's own quoting."""

import os

from .base import Shell, Target, is_plain


def _holds_a_block(path):
    """True when the file has an awsmfa marker line. A file that cannot be read counts as
    without one (as before it was looked at); a block that is open but never closed counts,
    so install and status report it rather than set fish up elsewhere."""
    from . import rcblock
    from ..core.errors import AwsmfaError

    try:
        text = rcblock.read_rc(path)
    except AwsmfaError:
        return False
    return text is not None and rcblock.has_block_start(text)


def _names_mfa(word):
    """A fish alias word naming mfa: `mfa`, `'mfa'`'s first quote, `mfa=...`."""
    if word[:1] in ("'", '"'):
        word = word[1:]
    return word.startswith("mfa") and word[3:4] in ("", "=")


def _fish_quote(text):
    # fish single quotes treat only \\ and \' specially; shlex's '"'"' dance works too,
    # but shlex leaves backslashes alone and fish would eat them.
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


class Fish(Shell):
    name = "fish"
    template = "fish.fish"
    NOT_FOR_SH_FILES = "which fish never reads: name ~/.config/fish/config.fish, or leave --rc-file out"
    OWN_MFA = r"""(?:^|[ \t;])function[ \t]+['"]?mfa['"]?(?=[ \t;]|$)"""

    def defines_mfa_alias(self, code):
        """`alias mfa ...`, `alias mfa=...`, `alias -s 'mfa' ...`: a word `alias` (or one ending
        in `;alias`), options (words starting with `-`), then `mfa`, quoted or not, alone or
        before `=`. Words are blank-separated; each is looked at once, from the right, so the
        options after many `alias` words are not walked again for each."""
        words = code.replace("\t", " ").split(" ")
        words = [word for word in words if word]
        after_options = None  # the first word that is no option, right of the current one
        for index in reversed(range(len(words))):
            word = words[index]
            if (word == "alias" or word.endswith(";alias")) and after_options is not None:
                if _names_mfa(after_options):
                    return True
            if not (len(word) > 1 and word[0] == "-" and not any(char.isspace() for char in word)):
                after_options = word
        return False

    def clash_files(self, home, environ):
        # config.fish and conf.d/ run at start: an mfa defined there hides functions/mfa.fish.
        folder = self.config_dir(home, environ)
        conf_d = os.path.join(folder, "conf.d")
        try:
            snippets = sorted(os.path.join(conf_d, name) for name in os.listdir(conf_d) if name.endswith(".fish"))
        except OSError:
            snippets = []
        return [os.path.join(folder, "config.fish")] + snippets

    def assignment(self, variable, value):
        # -g: `set -x` inside sourced text in a function stays local to that function.
        return f"set -gx {variable} {_fish_quote(value)};"

    def removal(self, names):
        # -g: `env` exports with `set -gx`; `set -e` fails (status 4) when one is not set.
        return "set -e -g " + " ".join(names) + "; or true"

    def quote(self, text):
        return text if is_plain(text) else _fish_quote(text)

    def config_dir(self, home, environ):
        return os.path.join(environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config"), "fish")

    def targets(self, home, environ, completion=True):
        # Autoloaded files, whole and ours: fish reads them on first use, so nothing runs at
        # start, and completions/aws.fish shadows fish's bundled one (it runs `aws s3 ls`).
        folder = self.config_dir(home, environ)
        function = os.path.join(folder, "functions", "mfa.fish")
        prompt = os.path.join(folder, "functions", "mfa_prompt.fish")
        completions = os.path.join(folder, "completions", "aws.fish")
        own_completions = os.path.join(folder, "completions", "awsmfa.fish")
        mfa_completions = os.path.join(folder, "completions", "mfa.fish")
        config = os.path.join(folder, "config.fish")
        if _holds_a_block(config):
            # `awsmfa init fish >> config.fish` (the README's way for dotfiles): that block is
            # where fish is set up, kept in place. Files of ours beside it would define mfa and
            # the completion twice (config.fish's win): they go.
            return [Target(config, self.sections(completion), why="fish reads it at start; `awsmfa init` output"),
                    Target(function, owned=True), Target(prompt, owned=True), Target(completions, owned=True),
                    Target(own_completions, owned=True), Target(mfa_completions, owned=True)]
        return [Target(function, ("function",), owned=True, why="fish autoloads it on first use"),
                Target(prompt, ("prompt",), owned=True, why="fish autoloads it when a prompt calls mfa_prompt"),
                Target(completions, ("completion",) if completion else (),
                       owned=True, why="fish autoloads it on the first Tab after aws"),
                # The same code twice: fish autoloads completions by command name.
                Target(own_completions, ("complete_awsmfa",), owned=True,
                       why="fish autoloads it on the first Tab after awsmfa"),
                Target(mfa_completions, ("complete_awsmfa",), owned=True,
                       why="fish autoloads it on the first Tab after mfa")]
