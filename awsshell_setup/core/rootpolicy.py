"""What root does with what other accounts control: three rules, decided here and nowhere else
(docs/ARCHITECTURE.md, "What runs as which user").

1. Root never runs a program that anyone but root could have changed (an aws_completer found in
   an account's ~/.local/bin, named in an account's rc block, or the manager a shim names): the
   account would get uid 0 by putting its own program there. Every folder the kernel goes
   through to reach the program, links followed, and the program itself must be:
   - owned by root;
   - not writable by group or others, whatever the group: group 0 too, since on Linux being in
     group root grants nothing else (images exist that give people gid 0), so its members are
     other accounts like any. One exception, unable to swap the path: a folder with the sticky
     bit (/tmp), where others may add entries but not rename or remove root's, so there the
     entry we go through must itself be root's.
   The kernel runs more than the file: the interpreter its `#!` line names (read as the kernel
   reads it: the first 256 bytes, the first word after `#!`) is held to the same rule, and its
   own `#!` in turn, refused past 4 scripts deep; for `#!/usr/bin/env NAME` (env's options and
   VAR=value words skipped) so is the program NAME finds on the PATH it runs with, and every
   folder searched before it must be one where nobody else can add NAME meanwhile. A NAME found
   nowhere is refused.
   ACLs and capabilities are not read: a folder opened up through an ACL is not seen.
2. Root does not read or edit another account's startup files on its own. With `--user NAME`
   the whole job runs as that account (asuser.py) and the kernel decides; without it, a path
   that is another account's (the path, its real file, or a folder on the way) is refused with
   one line that names --user.
3. Root writes only where no other account can add or swap a file: otherwise an account plants
   ~/.bashrc as a link to a file of root's (while root waits for a lock the account holds, say)
   and root rewrites that file. Every folder the kernel goes through to reach a path root works
   on, links followed, is held to rule 1's walk; and the folder that holds the file at the end
   (or where a missing part would be made) must not be open to others at all, sticky or not. A
   folder at the end (the home) is only passed through, so a sticky folder may hold it when it
   is root's. A path that does not exist yet is fine when its folder is. Only root is checked:
   for anyone else the kernel refuses what they may not do.
"""
import os
import stat

from . import fileio
from .errors import UsageError
from .paths import display, printable

_MAX_LINKS = 40  # as the kernel's ELOOP limit
_MAX_SCRIPTS = 4  # `#!` lines followed in a row; the kernel itself gives up a level or two further
_HEAD_BYTES = 256  # what the kernel reads of a `#!` line (BINPRM_BUF_SIZE)


def run_refusal(path, search_path=None):
    """'' when root may run `path`; else why not, in a few words (for "not run as root: ...").
    The path is walked as the kernel walks it, each link followed by hand, so that every folder
    passed through is looked at, not only those of the real path; then so is the interpreter a
    `#!` line names, and for `#!/usr/bin/env NAME` the program NAME finds on `search_path` (the
    PATH the program will run with; None: this process's)."""
    if search_path is None:
        search_path = os.environ.get("PATH", os.defpath)
    return _run_refusal(path, search_path, 0)


def _run_refusal(path, search_path, scripts):
    why = _walk(path)
    if why:
        return why
    interpreter, argument = _shebang(path)
    if not interpreter:
        return ""  # a binary, or no interpreter named: the kernel runs nothing else
    if scripts == _MAX_SCRIPTS:
        return f"its interpreters are more than {_MAX_SCRIPTS} scripts deep"
    # The kernel runs the interpreter as the caller: root, whoever wrote the script.
    why = _run_refusal(interpreter, search_path, scripts + 1)
    if why:
        return _of(f"its interpreter {printable(interpreter)}", why)
    if os.path.basename(interpreter) == "env":
        return _env_refusal(argument, search_path, scripts + 1)
    return ""


def _of(subject, why):
    """"its interpreter X belongs to acct" when `why` is about X itself, else "...; why"."""
    shown = subject.rsplit(" ", 1)[1]
    return f"{subject}{why[len(shown):]}" if why.startswith(shown + " ") else f"{subject}; {why}"


def _shebang(path):
    """(interpreter, its argument) of a `#!` line as the kernel reads it: spaces and tabs after
    `#!` skipped, the interpreter up to the next one, the rest one argument; (None, '') when
    the file does not start with `#!`."""
    head = fileio.read_head(path, _HEAD_BYTES)
    if head is None:
        return None, ""  # then the kernel cannot run it either (it runs regular files only)
    if not head.startswith(b"#!"):
        return None, ""
    line = os.fsdecode(head[2:].split(b"\n", 1)[0]).strip(" \t")
    interpreter, _, argument = line.replace("\t", " ").partition(" ")
    return interpreter, argument.strip()


def _env_refusal(argument, search_path, scripts):
    """Why root may not run what `#!/usr/bin/env ARGUMENT` runs: the program NAME is looked up
    on PATH (env's own options and VAR=value words skipped; PATH=... and -i change that PATH)."""
    words = argument.split()
    folder = os.getcwd()
    while words:
        word = words.pop(0)
        if word == "--":
            break
        if word in ("-", "--ignore-environment"):
            search_path = os.defpath  # an empty environment: execvp's default PATH
        elif word.startswith("--"):
            option, given, value = word.partition("=")
            if option in ("--unset", "--chdir", "--split-string", "--argv0") and not given:
                value = words.pop(0) if words else ""
            if option == "--split-string":
                words = value.split() + words
            elif option == "--chdir":
                folder = os.path.join(folder, value)
        elif word.startswith("-"):
            for index, letter in enumerate(word[1:], 2):
                if letter == "i":
                    search_path = os.defpath
                elif letter in "uCSa":
                    value = word[index:] or (words.pop(0) if words else "")
                    if letter == "S":
                        words = value.split() + words
                    elif letter == "C":
                        folder = os.path.join(folder, value)
                    break
        elif "=" in word:
            if word.startswith("PATH="):
                search_path = word[len("PATH="):]
        else:
            words.insert(0, word)
            break
    while words and "=" in words[0]:  # after `--`: still assignments, then the program
        word = words.pop(0)
        if word.startswith("PATH="):
            search_path = word[len("PATH="):]
    if not words:
        return ""  # env alone prints the environment: nothing else runs
    name = words[0]
    if "/" in name:
        found = os.path.join(folder, name)
    else:
        found = None
        for entry in search_path.split(os.pathsep):
            candidate = os.path.join(folder, entry, name)  # an empty entry is the current folder
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                found = candidate
                break
            # A folder searched first must stay without NAME until the program runs.
            why = _walk(candidate, writing=True)
            if why:
                return f"runs {printable(name)}, and {why}"
        if not found:
            return f"runs {printable(name)}, found nowhere on PATH"
    why = _run_refusal(found, search_path, scripts)
    return _of(f"it runs {printable(found)}", why) if why else ""


def _walk(path, writing=False):
    """Why someone but root could change what `path` leads to; '' when nobody can.

    To run (`writing` off): every folder on the way, links followed by hand, and the file at
    the end must be out of others' reach, and the end a regular file.
    To write (`writing` on): the same folders, and the folder that holds the end, or where a
    missing part would be made, must be closed to others even when sticky: there anyone could
    add the name first, or a link in its place. What exists at the end is not itself looked at
    (it is replaced as a whole), nor what the kernel will refuse anyway (a loop, a file used as
    a folder): nobody but root can change what was walked so far, so it will fail the same way."""
    current = looking = "/"
    try:
        folder = os.lstat("/")
        problem = _changeable_by_others(folder, "/")
        if problem:
            return problem
        # Not os.path.abspath: it folds "link/.." away as text, where the kernel follows the link.
        full = path if path.startswith("/") else os.path.join(os.getcwd(), path)
        parts = [part for part in full.split("/") if part]
        links = 0
        while parts:
            name = parts.pop(0)
            if name == ".":
                continue
            if name == "..":
                current = os.path.dirname(current)  # `current` holds no link: its parent is real
                folder = os.lstat(current)
                continue
            candidate = os.path.join(current, name)
            looking = candidate
            try:
                info = os.lstat(candidate)
            except FileNotFoundError:
                if not writing:
                    raise
                return _open_to_others(folder, current)  # what is missing is made in `current`
            if _sticky_open(folder) and info.st_uid != 0:
                return f"{printable(candidate)} belongs to {owner_name(info.st_uid)}, in a folder others may write"
            if stat.S_ISLNK(info.st_mode):
                links += 1
                if links > _MAX_LINKS:
                    return "" if writing else f"too many links on the way to {printable(path)}"
                target = os.readlink(candidate)
                parts = [part for part in target.split("/") if part] + parts
                if target.startswith("/"):
                    current = "/"
                    folder = os.lstat(current)
                continue
            if writing and not parts and not stat.S_ISDIR(info.st_mode):
                return _open_to_others(folder, current)
            problem = _changeable_by_others(info, candidate)
            if problem:
                return problem
            folder, current = info, candidate
    except OSError as error:
        return "" if writing else f"cannot look at {printable(looking)}: {error.strerror}"
    if not writing and not stat.S_ISREG(folder.st_mode):
        return f"{printable(path)} is not a regular file"
    return ""


def _open_to_others(info, path):
    """Why others may add entries to the folder `path` (sticky or not); '' when they may not."""
    if info.st_mode & stat.S_IWOTH:
        return f"{printable(path)} is writable by everyone"
    if info.st_mode & stat.S_IWGRP:
        return f"{printable(path)} is writable by group {_group_name(info.st_gid)}"
    return ""


def _changeable_by_others(info, path):
    """Why someone but root could change what `path` holds or is; '' when nobody can (a sticky
    folder counts as safe: the entry taken from it is checked in turn)."""
    if info.st_uid != 0:
        return f"{printable(path)} belongs to {owner_name(info.st_uid)}"
    if _sticky_open(info):
        return ""
    return _open_to_others(info, path)


def _sticky_open(info):
    """A folder others may add entries to but not rename or remove root's from (/tmp)."""
    opened = info.st_mode & stat.S_IWOTH or info.st_mode & stat.S_IWGRP
    return bool(stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_ISVTX and opened)


def check_not_anothers(path):
    """As root: refuse `path` when it, its real file, or a folder on the way belongs to another
    account, or when another account could add or swap a file or link on the way to it (rule 3).
    Nothing to check for anyone else: the kernel stops them."""
    if os.geteuid() != 0:
        return
    _check_owners(path)
    why = _walk(path, writing=True)
    if why:
        home = printable(os.environ.get("HOME", ""))
        at_home = bool(home) and why.startswith(home + " ")
        if at_home:
            why = f"{home} (root's home folder here){why[len(home):]}"
        todo = "use a home folder only root can write" if at_home else "use a path whose folders only root can write"
        raise UsageError(f"{display(path, os.environ)}: {why}; as root, awsmfa writes only where no other account "
                         f"can add or swap files: {todo}")


def _check_owners(path):
    """Refuse `path` (with the --user way out) when it, its real file or a folder above either
    belongs to another account."""
    for each, info in _on_the_way(path):
        if info.st_uid != 0:
            name = owner_name(info.st_uid)
            shown = printable(each)
            lead = "" if os.path.normpath(each) == os.path.normpath(path) else f"{printable(path)}: "
            if name.startswith("uid "):
                raise UsageError(f"{lead}{shown} belongs to {name}, an account with no name; as root, awsmfa does "
                                 "not work on another account's files (run it as that account)")
            raise UsageError(f"{lead}{shown} belongs to {name}; as root, awsmfa works on another account's files "
                             f"only as that account: add --user {name} (or run it as {name})")


def _on_the_way(path):
    """(path, stat) of what exists of `path` as written (links not followed) and of its real
    file, with every folder above each."""
    seen = set()
    for each, look in ((os.path.abspath(path), os.lstat), (os.path.realpath(path), os.stat)):
        while True:
            if each not in seen:
                seen.add(each)
                try:
                    yield each, look(each)
                except OSError:
                    pass  # not there (yet): install creates it
            parent = os.path.dirname(each)
            if parent == each:
                break
            each = parent


def owner_name(uid):
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _group_name(gid):
    import grp

    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)
