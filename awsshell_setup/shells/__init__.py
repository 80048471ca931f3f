"""Everything awsmfa knows about each shell, in one class per shell.

No `if shell == "fish"` anywhere else (awsume's tangle): callers ask the Shell object.
- quoting for `env` output (`assignment`, `exports`): on the fast path of `env`, so this module
  imports nothing heavy at load time;
- for install/uninstall/init/status: the files that receive the integration (`targets`), the
  template and how it is rendered (`render`), how to quote the completer, and how to start the
  shell to check a rendering or drive it interactively in tests.
The shell code itself lives in one template per shell in shells/templates/.
"""
import os

# `re` and `shlex` are imported where needed, not here: together with what they pull in they
# are a fifth of the cached `env` path, whose values (base64 keys, ISO times) never need them.
# So is `rcblock` (and the dataclasses it uses): only the installer's methods read rc files.
_LETTERS_DIGITS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"  # `string` imports re
_PLAIN = frozenset(_LETTERS_DIGITS + "_@%+=:,./-")  # shlex.quote's safe set
_NAME_CHARS = frozenset(_LETTERS_DIGITS + "_")
_PLACEHOLDER = r"\{\{([a-z_]+)\}\}"


def _is_plain(text):
    """True when shlex.quote would return `text` unchanged (no quoting needed)."""
    return bool(text) and all(char in _PLAIN for char in text)


def _is_variable_name(name):
    return bool(name) and not name[0].isdigit() and all(char in _NAME_CHARS for char in name)


def _shlex_quote(text):
    if _is_plain(text):
        return text
    import shlex

    return shlex.quote(text)
_SECTION = "#@ "
# A completion section opens with this comment, naming the completer it calls: status reads
# it back to re-render the block and tell whether it is current.
COMPLETER_COMMENT = "# aws completion: "


_templates = {}  # file name -> {section: text}, read once per process


def load_template(filename):
    """{section name: text} of a template: a file of the subpackage shells/templates/, so that
    installed and editable installs alike have it beside the code. Read once and
    kept: asuser reads them all this way before it drops root, since the package may sit
    where the account cannot read."""
    if filename not in _templates:
        _templates[filename] = _read_template(filename)
    return dict(_templates[filename])


def _read_template(filename):
    from . import templates

    with open(os.path.join(os.path.dirname(templates.__file__), filename), encoding="utf-8") as handle:
        text = handle.read()
    sections, current = {}, None
    for line in text.splitlines(keepends=True):
        if line.startswith(_SECTION):
            current = line[len(_SECTION):].strip()
            sections[current] = ""
        elif current is not None:  # lines before the first section are notes for maintainers
            sections[current] += line
    return sections


def fill(text, values):
    """The trivial renderer: {{name}} -> values[name]; an unknown name is a bug, not a blank."""
    import re

    return re.sub(_PLACEHOLDER, lambda match: values[match.group(1)], text)


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
    installable = False

    def assignment(self, variable, value):
        raise NotImplementedError

    def exports(self, variables):
        """Shell code that exports each (name, value) pair into the calling shell."""
        lines = []
        for variable, value in variables:
            if not _is_variable_name(variable):
                raise ValueError(f"not a variable name: {variable!r}")
            lines.append(self.assignment(variable, value))
        return "".join(line + "\n" for line in lines)

    def unsets(self, names):
        """Shell code removing the exported variables `names`; its status is 0 whether or not
        they were set."""
        for name in names:
            if not _is_variable_name(name):
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
                from ..setup import completer as completers

                sections = tuple("completion_lookup" if name == "completion" else name for name in sections)
                values.update(completer_name=self.quote(completer),
                              completer_folders=self.folder_words(completers.KNOWN_FOLDERS))
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
            code = _uncommented(line)
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


class PosixShell(Shell):
    """sh, dash, ksh and whatever we cannot name: POSIX `export` with shlex quoting."""

    name = "sh"

    def assignment(self, variable, value):
        return f"export {variable}={_shlex_quote(value)}"

    def removal(self, names):
        return "unset " + " ".join(names)

    def quote(self, text):
        return _shlex_quote(text)


# Matches a line that sources ~/.bashrc: `. ~/.bashrc`, `source "$HOME/.bashrc"`,
# `[ -f ~/.bashrc ] && . ~/.bashrc`, `. ${HOME}/.bashrc` (Debian, Amazon Linux, macOS habits);
# not `. ~/.bashrc.local` nor `. ~/.bashrc.d/x.sh`. Blanks are the shell's: space and tab.
_SOURCES_BASHRC = r"""(^|[ \t;&|({])(\.|source)[ \t]+["']?(~|\$HOME|\$\{HOME\})["']?/\.bashrc(?=$|[ \t\r;&|)"'`])"""


def _sources_bashrc(text):
    """True when a line of the user's (not a comment, not inside our block) sources ~/.bashrc."""
    import re

    from . import rcblock  # our block is not the user's text: a completer path in it must not count

    return any(re.search(_SOURCES_BASHRC, line) for _, line in rcblock.lines_outside_blocks(text)
               if not line.lstrip(" \t").startswith("#"))


def _uncommented(line):
    """The line without a trailing comment (a `#` that starts a word), roughly as sh reads it."""
    import re

    return re.sub(r"(^|[ \t])#.*", r"\1", line.rstrip("\r\n"))


class _BourneLike(PosixShell):
    installable = True
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

        inner = _shlex_quote(path)
        if inner == path:
            return path
        return '"' + re.sub(r'([\\"$`])', r"\\\1", inner) + '"'


class Bash(_BourneLike):
    name = "bash"
    template = "bash.bash"
    LOGIN_FILES = (".bash_profile", ".bash_login", ".profile")

    def completion_provider(self, completer):
        # Debian's awscli ships a bash-completion file naming its completer: where bash-completion
        # is loaded the block leaves aws to it, and only a bash without it (root's default
        # ~/.bashrc) gets the block's own line (template section completion_provided).
        from ..setup import completer as completers

        return completers.provided_for_bash(completer)

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
            elif found and _sources_bashrc(rcblock.read_rc(path) or ""):
                result.append(Target(path, why="login bash: it sources ~/.bashrc"))
            elif path.endswith(".profile"):
                # sh/dash read ~/.profile too: the bash code goes in a string only bash evals.
                result.append(Target(path, sections, wrap="profile", why="login bash reads it; sh too"))
            else:
                # Created only when no login file exists at all: never next to a ~/.profile,
                # which a new ~/.bash_profile would shadow.
                result.append(Target(path, sections, why="login bash"))
        return result


class Zsh(_BourneLike):
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
    # a file of awsmfa's (shell/zsh.zsh: `compinit -i -d`), not to ~/.zcompdump, which a
    # compinit of the user's may share: uninstall removes it, and nothing of the user's.
    COMPDUMP = ".zcompdump-awsmfa"

    def made_by_block(self, home, environ):
        zdotdir = self.zdotdir(home, environ)
        return [os.path.join(zdotdir, self.COMPDUMP), os.path.join(zdotdir, self.COMPDUMP + ".zwc")]


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
    installable = True
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
        return text if _is_plain(text) else _fish_quote(text)

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


SHELLS = {shell.name: shell for shell in (Bash(), Zsh(), Fish(), PosixShell())}
SUPPORTED = ("bash", "zsh", "fish")


def by_name(name):
    return SHELLS[name]


def supported_name(candidate):
    """'bash', 'zsh' or 'fish' for a path or process name of one of them ('-bash' too), else None."""
    base = os.path.basename(candidate or "").lower().lstrip("-")
    return base if base in SUPPORTED else None


# Shells that read POSIX `export NAME='value'` (PosixShell's code) and not bash's, zsh's or
# fish's own: the Bourne family (dash is Debian's and Ubuntu's /bin/sh, ash and hush are
# busybox's) and the Korn shells. A process name is cut at 15 characters; these are shorter.
_POSIX_NAMES = frozenset({"sh", "dash", "ash", "hush", "ksh", "ksh93", "mksh", "lksh", "pdksh", "oksh", "posh",
                          "yash"})


def code_shell_name(candidate):
    """The shell whose code a process or path named `candidate` evaluates: 'bash', 'zsh',
    'fish', or 'sh' for any POSIX shell; None when it is no shell we print code for."""
    known = supported_name(candidate)
    if known:
        return known
    base = os.path.basename(candidate or "").lower().lstrip("-")
    return "sh" if base in _POSIX_NAMES else None


def shellingham_name():
    """What shellingham finds up the process tree: the raw name, or None when it cannot tell."""
    try:
        import shellingham  # imports subprocess: only when cheaper ways did not answer

        return shellingham.detect_shell()[0]
    except Exception:  # ShellDetectionFailure, or anything odd in /proc
        return None


def busybox_applet_shell(argv):
    """'sh' when a busybox command line (`busybox sh -c ...`) runs one of its shells, else None.
    busybox run through a link (/bin/sh -> busybox) has the link's name already."""
    applet = os.path.basename(argv[1]) if len(argv) > 1 else ""
    return "sh" if applet in ("sh", "ash", "hush") else None


def _parent_process_shell():
    """The parent's process name from /proc (Linux) when it is a shell we print code for
    ('bash', '-zsh', 'dash'; busybox's shell applet as 'sh'), else None. In
    `eval "$(awsmfa env)"` the parent is the shell that evaluates the output, so it decides the
    syntax, whatever $SHELL says (`sh -c` under a fish login). One read here spares `env`
    shellingham's import of subprocess (~10 ms). Elsewhere (macOS, a wrapper such as `timeout`
    in between) shellingham walks the process tree."""
    parent = os.getppid()
    try:
        with open(f"/proc/{parent}/comm") as handle:
            name = handle.read().strip()
        if name == "busybox":
            with open(f"/proc/{parent}/cmdline", "rb") as handle:
                argv = handle.read().decode("utf-8", "replace").split("\0")
            return busybox_applet_shell(argv)
    except OSError:
        return None
    return name if code_shell_name(name) else None


def running_shell_name():
    """The process name of the shell awsmfa runs under ('bash', '-zsh', 'dash', 'tcsh'), or None
    when none is found: the parent when it is a shell we print code for, else the first shell
    up the process tree. The one detection behind `env` (detect_running_shell) and `install`
    without --shell (detect.running_shell), each of which decides what the name is worth."""
    return _parent_process_shell() or shellingham_name()


def detect_running_shell(environ):
    """The shell that runs us (for `env`), and how we know: (Shell, how).

    The running shell wins: the parent process, else the first shell up the tree. $SHELL (the
    login shell, often not the one evaluating our output) counts only when neither is a shell
    we print code for (tcsh, or no shell found); without it, POSIX `export`."""
    found = code_shell_name(running_shell_name())
    if found:
        return SHELLS[found], "detected"
    if supported_name(environ.get("SHELL")):
        return SHELLS[supported_name(environ.get("SHELL"))], "$SHELL"
    return SHELLS["sh"], "fallback"
