"""Property tests of every edit `awsmfa install` makes to shell startup files.

Hypothesis generates rc files the way people have them: comments, blank lines, LF or CRLF or
mixed line endings, no final newline, unicode (the characters Python's str.splitlines breaks at
but no shell does among them: form feed, \\x1c-\\x1e, NEL, U+2028/9), text that merely mentions
the markers mid-line or indented, a lone end marker, blocks an "older version" wrote with other
content (indented markers, CRLF, no final newline), two such blocks, and blocks left open.
Completer paths carry spaces, quotes, `$(...)`, backticks and the same odd characters.

The model below is the test's own, written from the rules (docs/ARCHITECTURE.md §4), not from
rcblock.py: a marker is a line that, apart from spaces, tabs and a CR, is exactly the marker;
only "\\n" ends a line; an end marker with no block open is the user's text.

For every file and every kind of target (bash's ~/.bashrc, the wrapped ~/.profile, zsh, a
--rc-file, a stale block in a file where nothing of ours belongs):
* install leaves exactly one block, holding this version's rendering, where the first block
  was (or appended after the last line), and every byte outside it as it was;
* installing again changes nothing; installing with another completer and back changes nothing;
* uninstall then leaves the user's text byte for byte: the original file exactly (or no file)
  when it held no block before, the text around the old blocks otherwise;
* a block that never ends, or opens twice, is refused by install and uninstall alike;
* fish's files are owned whole: one without awsmfa's header line is never overwritten.
The same is then checked on disk through install.install()/uninstall() on generated homes
(~/.bashrc, a ~/.profile or ~/.bash_profile that does or does not source ~/.bashrc, ZDOTDIR,
XDG_CONFIG_HOME, fish files of ours and of the user's).

The number of examples is counted and printed in the test summary (conftest.py).
`--soak` runs ten times as many (the Hypothesis profile of tests/tiers.py).
"""
import collections
import contextlib
import os
import stat
import tempfile
from unittest import mock

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from awsshell_setup.setup import completer as completers
from awsshell_setup.setup import install, scope
from awsshell_setup.shells import rcblock
from awsshell_setup import shells
from awsshell_setup.core.errors import FileProblem

FIGURES = collections.Counter()  # printed by conftest.pytest_terminal_summary

BEGIN, END = rcblock.BEGIN, rcblock.END
# str.splitlines() ends a line at each of these; bash, zsh, fish and sh only at "\n".
PY_ONLY_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
BASH, ZSH, FISH = shells.by_name("bash"), shells.by_name("zsh"), shells.by_name("fish")


# --- the model -------------------------------------------------------------------------------

def lines_of(text):
    """Lines with their endings; only "\\n" ends a line."""
    return list(_split_lf(text))


def _split_lf(text):
    start = 0
    while start < len(text):
        stop = text.find("\n", start)
        stop = len(text) if stop < 0 else stop + 1
        yield text[start:stop]
        start = stop


def is_marker(line, marker):
    return line.rstrip("\n").strip(" \t\r") == marker


def model_blocks(text):
    """[(start, stop, inner lines)] of the well-formed blocks; None when a block never ends or
    opens twice."""
    found, offset, opened = [], 0, None
    for line in lines_of(text):
        if is_marker(line, BEGIN):
            if opened is not None:
                return None
            opened = (offset, [])
        elif is_marker(line, END) and opened is not None:
            found.append((opened[0], offset + len(line), opened[1]))
            opened = None
        elif opened is not None:
            opened[1].append(line)
        offset += len(line)
    return None if opened is not None else found


def model_outside(text):
    blocks = model_blocks(text)
    pieces, cursor = [], 0
    for start, stop, _ in blocks:
        pieces.append(text[cursor:start])
        cursor = stop
    return "".join(pieces) + text[cursor:]


# --- generated rc files ----------------------------------------------------------------------

def _not_marker(line):
    return not is_marker(line, BEGIN) and not is_marker(line, END)


free_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=24)
odd_text = st.text(st.sampled_from(list(PY_ONLY_BREAKS) + ["a", " ", "\t", "$", "'", '"', "`", "\\", "é", "☃",
                                                           "\u200b", "\ufeff", "#", ">", "<"]), max_size=12)
SHELL_LINES = [
    "export PATH=\"$HOME/bin:$PATH\"", "alias ll='ls -alF'", "[ -z \"$PS1\" ] && return", "shopt -s histappend",
    "if [ -f ~/.bash_aliases ]; then", "    . ~/.bash_aliases", "fi", "setopt autocd", "bindkey -e",
    "source $ZSH/oh-my-zsh.sh", "PS1='\\u@\\h:\\w\\$ '", "# ~/.bashrc: executed by bash(1) for non-login shells.",
    "eval \"$(pyenv init -)\"", "complete -C /usr/local/bin/terraform terraform", "HISTSIZE=1000",
    "export LANG=fr_FR.UTF-8 # été", "echo 'ünïcødé ☃ 日本語'", "function mfa_helper { :; }", "mfa-login() { :; }",
]
MENTIONS = [  # the markers in the user's own text: never a block of ours
    f"echo '{BEGIN}'", f"x=1 # {BEGIN}", f"# {BEGIN}", f"{BEGIN} and more", f"#{BEGIN[1:]}",
    f"echo \"{END}\"", f"{END}x", BEGIN.replace(">>>", ">>"), BEGIN.upper(), "# >>> conda initialize >>>",
    "# <<< conda initialize <<<", f"\u3000{BEGIN}", f"{BEGIN}\u00a0", f"\ufeff{BEGIN}",
] + [f"x=1 {sep}{marker}" for sep in PY_ONLY_BREAKS for marker in (BEGIN, END)] + [
    f"{BEGIN}{sep}" for sep in PY_ONLY_BREAKS]
LONE_END = [END, "  " + END, END + " \t"]  # an end marker with no block open: the user's text

user_line = st.one_of(free_text, odd_text, st.sampled_from(SHELL_LINES), st.sampled_from(MENTIONS),
                      st.sampled_from(["", " ", "\t", "#", "# a comment"])).filter(_not_marker)
user_line_or_lone_end = st.one_of(user_line, user_line, user_line, st.sampled_from(LONE_END))
endings = st.sampled_from(["\n", "\n", "\n", "\r\n"])
BEGIN_FORMS = [BEGIN, BEGIN, BEGIN, "  " + BEGIN, BEGIN + " ", "\t" + BEGIN + "\t", BEGIN + "\r"]
END_FORMS = [END, END, END, " " + END, END + "  ", END + "\r"]
OLD_BODY_LINES = ["function mfa { eval \"$(awsmfa env)\"; }", "complete -C '/old/aws_completer' aws",
                  "alias mfa='awsmfa env'", "# an older awsmfa wrote this", "mfa() { :; }",
                  "set -l out (awsmfa env --shell fish)", BEGIN.replace("initialize", "initialise")]


@st.composite
def old_block(draw):
    """A block an older version (or a hand edit) left: other content, marker variants."""
    lines = [draw(st.sampled_from(BEGIN_FORMS))]
    lines += draw(st.lists(st.one_of(st.sampled_from(OLD_BODY_LINES), user_line), max_size=5))
    lines.append(draw(st.sampled_from(END_FORMS)))
    return "".join(line + draw(endings) for line in lines)


@st.composite
def rc_items(draw, blocks=True, max_items=10, lone_end=True):
    """[(kind, text)]: the user's lines and old blocks, in order; the last may lack its newline.
    lone_end: the user's lines may include an end marker with no block open."""
    kinds = draw(st.lists(st.sampled_from(["user"] * 6 + (["block"] if blocks else [])), max_size=max_items))
    items = []
    for kind in kinds:
        if kind == "user":
            items.append(("user", draw(user_line_or_lone_end if lone_end else user_line) + draw(endings)))
        else:
            items.append(("block", draw(old_block())))
    if items and draw(st.booleans()):
        kind, text = items[-1]
        items[-1] = (kind, text[:-2] if text.endswith("\r\n") else text[:-1])  # no final newline
    return items


def joined(items, kind=None):
    return "".join(text for item_kind, text in items if kind is None or item_kind == kind)


@st.composite
def rc_texts(draw):
    """(text or None, user text): a file (None: absent) and the user's part of it."""
    if draw(st.integers(0, 15)) == 0:
        return None, ""
    items = draw(rc_items())
    text, user = joined(items), joined(items, "user")
    assert model_blocks(text) is not None, text  # the generator makes well-formed files
    return text, user


@st.composite
def malformed_texts(draw):
    """A file with a block that never ends, or a begin marker inside a block (no lone end
    marker after it, which would close it)."""
    items = draw(rc_items(lone_end=False))
    # Every item but a final one without newline ends a line, so a marker can go between them.
    room = len(items) if not items or joined(items).endswith("\n") else len(items) - 1
    at = draw(st.integers(0, room))
    items.insert(at, ("bad", draw(st.sampled_from(BEGIN_FORMS)) + draw(endings)))
    return joined(items)


completer_paths = st.one_of(
    st.none(),
    st.sampled_from(["/usr/local/bin/aws_completer", "aws_completer", "/opt/my tools/aws_completer",
                     "/tmp/$(touch pwned)/aws_completer", "/tmp/`touch pwned`", "/tmp/a'b\"c/aws_completer",
                     "/tmp/x . ~/.bashrc", "/tmp/x; . ~/.bashrc", "/tmp/\\$HOME/\\", "/tmp/% %s {{code}}",
                     f"/tmp/x\x0c{END}", f"/tmp/x\u2028{BEGIN}", "/tmp/☃ ünï/aws_completer"]),
    st.builds(lambda text: "/" + text,
              st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r\x00"), max_size=20)),
)


# --- what install should write ---------------------------------------------------------------

KINDS = {  # name: (shell, target for `path`, the sections rendered)
    "bash ~/.bashrc": lambda completion: (BASH, dict(sections=BASH.sections(completion))),
    "bash ~/.profile (wrapped for sh)": lambda completion: (BASH, dict(sections=BASH.sections(completion),
                                                                       wrap="profile")),
    "bash ~/.bash_profile": lambda completion: (BASH, dict(sections=BASH.sections(completion))),
    "zsh .zshrc": lambda completion: (ZSH, dict(sections=ZSH.sections(completion))),
    "fish --rc-file": lambda completion: (FISH, dict(sections=FISH.sections(completion))),
}


def expected_body(shell, target, completer):
    return shell.render(target.sections, completer, wrap=target.wrap)


def block_lines_without_notes(inner):
    return "".join(line for line in inner if line not in rcblock.NOTES)


def check_install_round_trip(kind, before, user, completer, other_completer, prefix=None, suffix=""):
    shell, spec = KINDS[kind](completer is not None)
    path = "/nonexistent/rc"
    target = shells.Target(path, **spec)
    after = install.desired(shell, target, before, completer)
    blocks = model_blocks(after)
    assert blocks is not None and len(blocks) == 1, after
    start, stop, inner = blocks[0]
    assert block_lines_without_notes(inner) == expected_body(shell, target, completer)
    old = model_blocks(before or "")
    outside = model_outside(after)
    if before is None:
        assert outside == "" and rcblock.CREATED_NOTE in inner
    elif not old:
        # Appended after the last line, which gets its newline if it had none.
        added = "\n" if before and not before.endswith("\n") else ""
        assert after[:start] == before + added and after[stop:] == "" and outside == before + added
        assert (rcblock.NEWLINE_NOTE in inner) == bool(added)
    else:
        # In place of the first old block; the others dropped; the user's bytes all kept.
        assert after[:start] == before[:old[0][0]]
        assert outside == user
    # Installing again changes nothing; another completer and back changes nothing.
    assert install.desired(shell, target, after, completer) == after
    other = install.desired(shell, shells.Target(path, **KINDS[kind](other_completer is not None)[1]), after,
                            other_completer)
    assert model_outside(other) == outside
    assert install.desired(shell, target, other, completer) == after
    # The user edits around the block afterwards: uninstall keeps those edits too, and takes
    # back only the newline install added (when the file had none and nothing follows now).
    if not old and prefix is not None:
        edited = prefix + after + suffix
        added = "\n" if before and not before.endswith("\n") else ""
        kept = prefix + (before or "") + (added if suffix else "") + suffix
        undone = install.desired(shell, shells.Target(path), edited, None, removing=True)
        assert undone == (None if before is None and not prefix and not suffix else kept)
    # Uninstall: the original exactly when it held no block, else the user's text.
    removed = install.desired(shell, shells.Target(path), after, None, removing=True)
    assert removed == (before if not old else user)
    assert install.desired(shell, shells.Target(path), removed, None, removing=True) == removed
    # And uninstall straight from the file as it was (old blocks and all).
    if before is not None:
        assert install.desired(shell, shells.Target(path), before, None, removing=True) == (user if old else before)
    return bool(old), len(old or [])


@given(kind=st.sampled_from(sorted(KINDS)), file=rc_texts(), completer=completer_paths, other=completer_paths,
       prefix=st.one_of(st.none(), rc_items(blocks=False, max_items=3)), suffix=rc_items(blocks=False, max_items=3))
def test_install_then_uninstall_keeps_every_byte_outside_the_block(kind, file, completer, other, prefix, suffix):
    before, user = file
    assume(completer is None or ("\n" not in completer and "\r" not in completer))
    assume(other is None or ("\n" not in other and "\r" not in other))
    prefix = None if prefix is None else joined(prefix)
    if prefix and not prefix.endswith("\n"):
        prefix += "\n"  # lines the user put above the file's first line
    had_block, count = check_install_round_trip(kind, before, user, completer, other, prefix, joined(suffix))
    FIGURES["rc files generated: install/again/other completer/uninstall, in memory"] += 1
    if had_block:
        FIGURES["  of which held older blocks"] += 1
        FIGURES["  of which held two or more older blocks"] += count > 1
    if before is not None and before and not before.endswith("\n"):
        FIGURES["  of which had no final newline"] += 1
    if before is not None and "\r\n" in before:
        FIGURES["  of which had CRLF line endings"] += 1


@given(kind=st.sampled_from(sorted(KINDS)), text=malformed_texts(), completer=completer_paths)
def test_a_block_that_never_ends_or_opens_twice_is_refused(kind, text, completer):
    assume(completer is None or ("\n" not in completer and "\r" not in completer))
    assert model_blocks(text) is None
    shell, spec = KINDS[kind](completer is not None)
    for target, removing in ((shells.Target("/x/rc", **spec), False), (shells.Target("/x/rc"), True)):
        with pytest.raises(FileProblem) as error:
            install.desired(shell, target, text, completer, removing=removing)
        assert "changed nothing" in str(error.value) and "\n" not in str(error.value)
    FIGURES["rc files with an open or doubled block: refused by install and uninstall"] += 1


HEADER_LOOKALIKES = [rcblock.OWNED_MARK + " by me, not awsmfa", rcblock.OWNED_MARK + "s", " " + rcblock.OWNED_MARK,
                     "\ufeff" + rcblock.OWNED_MARK, "#" + rcblock.OWNED_MARK[2:], rcblock.OWNED_MARK.upper(),
                     "# awsmfa install wrote this once", "function mfa", ""]


@st.composite
def fish_files(draw, theirs=2):
    """(text or None, ours): an owned file as found: absent, ours (any older content), or not ours
    (`theirs` chances in 5 + theirs)."""
    choice = draw(st.sampled_from(["absent", "absent", "ours", "ours", "ours"] + ["theirs"] * theirs))
    if choice == "absent":
        return None, False
    body = "".join(line + draw(endings) for line in draw(st.lists(user_line, max_size=4)))
    if choice == "ours":
        head = draw(st.sampled_from([rcblock.OWNED_HEADER, rcblock.OWNED_MARK + "\n", rcblock.OWNED_MARK + "\r\n",
                                     rcblock.OWNED_MARK + ": an older header\n", rcblock.OWNED_MARK]))
        return head + (body if head.endswith("\n") else ""), True
    first = draw(st.one_of(st.sampled_from(HEADER_LOOKALIKES), user_line))
    return first + draw(st.sampled_from(["\n", "\r\n", ""])) + body, False


@given(found=fish_files(), section=st.sampled_from(["function", "completion"]), completer=completer_paths)
def test_fish_files_without_the_header_are_never_overwritten(found, section, completer):
    assume(completer is None or ("\n" not in completer and "\r" not in completer))
    assume(completer is not None or section == "function")  # the completion file calls one
    text, ours = found
    target = shells.Target("/x/fish/mfa.fish", (section,), owned=True)
    if text is not None and not ours:
        with pytest.raises(FileProblem) as error:
            install.desired(FISH, target, text, completer)
        assert "did not write it" in str(error.value)
        assert install.desired(FISH, shells.Target(target.path, owned=True), text, None, removing=True) == text
        FIGURES["fish files not ours: refused, never overwritten nor deleted"] += 1
    else:
        after = install.desired(FISH, target, text, completer)
        assert after == rcblock.OWNED_HEADER + FISH.render((section,), completer)
        assert install.desired(FISH, target, after, completer) == after
        assert install.desired(FISH, shells.Target(target.path, owned=True), after, None, removing=True) is None
        FIGURES["fish files absent or ours: written, again unchanged, removed"] += 1


# --- on disk, through install.install() and uninstall() --------------------------------------

SOURCING = ['. ~/.bashrc', 'source ~/.bashrc', '[ -f ~/.bashrc ] && . ~/.bashrc', '    . "$HOME/.bashrc"',
            'if [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi', 'test -r ~/.bashrc && source ${HOME}/.bashrc']
NOT_SOURCING = ['# . ~/.bashrc', 'echo ~/.bashrc', '. ~/.bashrc.local', '. ~/.bashrc.d/aliases.sh',
                'source ~/.bashrc_extra', 'cp ~/.bashrc /tmp', '. ~/.profile.local']


@st.composite
def login_file(draw):
    """(text, sources ~/.bashrc?) for ~/.profile, ~/.bash_profile or ~/.bash_login."""
    items = draw(rc_items(max_items=5))
    sources = draw(st.booleans())
    line = draw(st.sampled_from(SOURCING if sources else NOT_SOURCING))
    at = draw(st.integers(0, len(items)))
    if at == len(items) and items and not joined(items).endswith("\n"):
        at -= 1
    items.insert(at, ("user", line + draw(endings)))
    return items, sources


@st.composite
def homes(draw):
    layout = {}
    if draw(st.integers(0, 5)):
        layout[".bashrc"] = draw(rc_items())
    present = draw(st.lists(st.sampled_from(["bash_profile", "bash_login", "profile"]), unique=True, max_size=3))
    logins = {}
    for name in present:
        logins["." + name] = draw(login_file())
    layout.update({name: items for name, (items, _) in logins.items()})
    zdotdir = draw(st.sampled_from([None, None, "zsh dir", "ZDOT$(touch pwned)"]))
    if draw(st.booleans()):
        layout[".zshrc"] = draw(rc_items())
    if zdotdir and draw(st.booleans()):
        layout[zdotdir + "/.zshrc"] = draw(rc_items())
    xdg = draw(st.sampled_from([None, None, "x d g", "xdg'`"]))
    fish_folder = (xdg or ".config") + "/fish"
    fish = {}
    for rel in ("functions/mfa.fish", "completions/aws.fish"):
        text, ours = draw(fish_files(theirs=draw(st.sampled_from([0, 0, 0, 1]))))
        if text is not None:
            fish[fish_folder + "/" + rel] = (text, ours)
    malformed = None
    if draw(st.integers(0, 7)) == 0:
        malformed = draw(st.sampled_from(sorted(set(layout) | {".bashrc"})))
        layout[malformed] = [("user", draw(malformed_texts()))]
    completion = draw(st.booleans())
    completer = draw(st.sampled_from(["/usr/local/bin/aws_completer", "/opt/a b/aws_completer",
                                      "/tmp/$(touch pwned)`x`/aws_completer", "/tmp/q'x/aws_completer",
                                      "/tmp/x . ~/.bashrc"]))
    return dict(layout=layout, logins={name: sources for name, (_, sources) in logins.items()}, zdotdir=zdotdir,
                xdg=xdg, fish=fish, fish_folder=fish_folder, malformed=malformed, completion=completion,
                completer=completer)


def files_under(root):
    """{relative path: bytes} of the files (links as ('link', target)); empty folders left out."""
    result = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root)
            if os.path.islink(path):
                result[rel] = ("link", os.readlink(path))
            else:
                with open(path, "rb") as handle:
                    result[rel] = (handle.read(), stat.S_IMODE(os.lstat(path).st_mode))
    return result


@contextlib.contextmanager
def quick_completer():
    """The completer 'answers' without being run: these tests are about files."""
    with mock.patch.object(completers, "check", lambda path, environ=None: ""):
        yield


def write(home, rel, text, mode=0o644):
    path = os.path.join(home, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    os.chmod(path, mode)


def run(function, home, case, **extra):
    environ = {"HOME": home, "PATH": "/usr/bin:/bin"}
    if case["zdotdir"]:
        environ["ZDOTDIR"] = os.path.join(home, case["zdotdir"])
    if case["xdg"]:
        environ["XDG_CONFIG_HOME"] = os.path.join(home, case["xdg"])
    acct = scope.Account("user", home, os.getuid(), os.getgid(), environ)
    said = []
    with quick_completer():
        return function(["bash", "zsh", "fish"], environ, account=acct, say=said.append, show=said.append,
                        **extra), said


@given(case=homes())
def test_on_disk_homes_install_twice_then_uninstall(case):
    with tempfile.TemporaryDirectory(prefix="awsmfa-rc-props-") as home:
        for rel, items in case["layout"].items():
            write(home, rel, joined(items), mode=0o600 if rel == ".bashrc" else 0o644)
        if case["zdotdir"]:
            os.makedirs(os.path.join(home, case["zdotdir"]), exist_ok=True)
        for rel, (text, _) in case["fish"].items():
            write(home, rel, text)
        original = files_under(home)
        theirs_in_the_way = any(not ours for rel, (text, ours) in case["fish"].items()
                                if rel.endswith("mfa.fish") or case["completion"])
        # Generated startup files are not run in a login shell: these tests are about the files.
        install_args = dict(completer=case["completer"], completion=case["completion"], check_new_shells=False)
        if case["malformed"] or theirs_in_the_way:
            with pytest.raises(FileProblem) as error:
                run(install.install, home, case, **install_args)
            assert "\n" not in str(error.value)
            assert files_under(home) == original
            FIGURES["homes refused (open block, or a fish file not ours): nothing written"] += 1
            if case["malformed"]:
                with pytest.raises(FileProblem):
                    run(install.uninstall, home, case)
                assert files_under(home) == original
                return
            run(install.uninstall, home, case)  # fish files not ours: uninstall leaves them too
            after = files_under(home)
            for rel, (text, ours) in case["fish"].items():
                assert (rel in after) == (not ours)
            return
        changed, _ = run(install.install, home, case, **install_args)
        installed = files_under(home)
        check_installed(home, case, installed)
        again, said = run(install.install, home, case, **install_args)
        assert not again and files_under(home) == installed, said
        run(install.uninstall, home, case)
        check_uninstalled(case, original, files_under(home))
        assert not run(install.uninstall, home, case)[0]
        FIGURES["homes generated on disk: install, again, uninstall (bash+zsh+fish)"] += 1
        for name, sources in case["logins"].items():
            FIGURES["  login files that source ~/.bashrc" if sources else "  login files that do not"] += 1


def check_installed(home, case, installed):
    layout, logins = case["layout"], case["logins"]
    login = next((name for name in (".bash_profile", ".bash_login", ".profile") if name in layout), None)
    for rel in set(layout) | {".bashrc", login or ".bash_profile"}:
        text = installed.get(rel, (None,))[0]
        text = None if text is None else text.decode("utf-8")
        user = joined(layout[rel], "user") if rel in layout else None
        if rel == ".bashrc" or rel == (login or ".bash_profile") and not (login and logins[login]):
            assert text is not None and len(model_blocks(text)) == 1, rel
            assert ("BASH_VERSION" in text) == (rel == ".profile"), rel
        elif rel in (".bash_profile", ".bash_login", ".profile") or (case["zdotdir"] and rel == ".zshrc"):
            # Nothing of ours belongs there: a block an older layout left is removed.
            assert text == (user if model_blocks(joined(layout[rel])) else joined(layout[rel])), rel
    if not login:
        assert rcblock.CREATED_NOTE in installed[".bash_profile"][0].decode()
    if login and ".bash_profile" not in layout:
        assert ".bash_profile" not in installed  # never one shadowing ~/.profile or ~/.bash_login
    zshrc = os.path.join(case["zdotdir"], ".zshrc") if case["zdotdir"] else ".zshrc"
    assert len(model_blocks(installed[zshrc][0].decode())) == 1
    for rel, section in (("functions/mfa.fish", True), ("completions/aws.fish", case["completion"])):
        path = case["fish_folder"] + "/" + rel
        theirs = path in case["fish"] and not case["fish"][path][1]
        if section:
            assert installed[path][0].decode().startswith(rcblock.OWNED_HEADER)
        elif theirs:
            assert installed[path][0].decode() == case["fish"][path][0]  # left alone
        else:
            assert path not in installed  # --no-completion: an older one of ours goes


def check_uninstalled(case, original, after):
    expected = {}
    for rel, value in original.items():
        if rel in case["fish"] and case["fish"][rel][1]:
            continue  # ours: deleted
        text = value[0].decode("utf-8")
        if model_blocks(text):
            text = model_outside(text)  # the older blocks go too; the user's bytes stay
        expected[rel] = (text.encode("utf-8"), value[1])
    assert after == expected


# --- what status, init and the completer comment read back -----------------------------------

@given(completer=completer_paths.filter(lambda path: path is not None and "\n" not in path and "\r" not in path),
       kind=st.sampled_from(sorted(KINDS)))
def test_status_reads_back_the_completer_it_wrote(completer, kind):
    """status re-renders the block from the completer named in it: any path reads back whole,
    in the wrapped ~/.profile too."""
    shell, spec = KINDS[kind](True)
    target = shells.Target("/x/rc", **spec)
    text = install.desired(shell, target, None, completer)
    assert rcblock.installed_body(target, text) is not None
    assert rcblock.completer_in(target, text) == completer
    FIGURES["completer paths read back by status"] += 1
