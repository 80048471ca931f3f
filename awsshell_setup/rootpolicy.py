"""What root does with what other accounts control: two rules, decided here and nowhere else.

1. Root never runs a program that anyone but root could have changed (an aws_completer found in
   an account's ~/.local/bin, named in an account's rc block, or the manager a shim names): the
   account would get uid 0 by putting its own program there. Every folder the kernel goes
   through to reach the program, links followed, and the program itself must be:
   - owned by root;
   - not writable by group or others. Two exceptions, both unable to swap the path: the group
     write bit when the group is root's (gid 0, whose members can become root anyway), and a
     folder with the sticky bit (/tmp), where others may add entries but not rename or remove
     root's, so there the entry we go through must itself be root's.
   ACLs and capabilities are not read: a folder opened up through an ACL is not seen.
2. Root does not read or edit another account's startup files on its own. With `--user NAME`
   the whole job runs as that account (asaccount.py) and the kernel decides; without it, a path
   that is another account's (the path, its real file, or a folder on the way) is refused with
   one line that names --user.
"""
import os
import stat

from .errors import UsageError
from .paths import printable

_MAX_LINKS = 40  # as the kernel's ELOOP limit


def run_refusal(path):
    """'' when root may run `path`; else why not, in a few words (for "not run as root: ...").
    The path is walked as the kernel walks it, each link followed by hand, so that every folder
    passed through is looked at, not only those of the real path."""
    current = looking = "/"
    try:
        info = os.lstat("/")
        problem = _changeable_by_others(info, "/")
        if problem:
            return problem
        sticky = _sticky_open(info)
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
                info = os.lstat(current)
                sticky = _sticky_open(info)
                continue
            candidate = os.path.join(current, name)
            looking = candidate
            info = os.lstat(candidate)
            if sticky and info.st_uid != 0:
                return f"{candidate} belongs to {owner_name(info.st_uid)}, in a folder others may write"
            if stat.S_ISLNK(info.st_mode):
                links += 1
                if links > _MAX_LINKS:
                    return f"too many links on the way to {path}"
                target = os.readlink(candidate)
                parts = [part for part in target.split("/") if part] + parts
                if target.startswith("/"):
                    current = "/"
                    info = os.lstat(current)
                    sticky = _sticky_open(info)
                continue
            problem = _changeable_by_others(info, candidate)
            if problem:
                return problem
            sticky = _sticky_open(info)
            current = candidate
    except OSError as error:
        return f"cannot look at {looking}: {error.strerror}"
    if not stat.S_ISREG(info.st_mode):
        return f"{path} is not a regular file"
    return ""


def _changeable_by_others(info, path):
    """Why someone but root could change what `path` holds or is; '' when nobody can (a sticky
    folder counts as safe: the entry taken from it is checked in turn)."""
    if info.st_uid != 0:
        return f"{path} belongs to {owner_name(info.st_uid)}"
    if _sticky_open(info):
        return ""
    if info.st_mode & stat.S_IWOTH:
        return f"{path} is writable by everyone"
    if info.st_mode & stat.S_IWGRP and info.st_gid != 0:
        return f"{path} is writable by group {_group_name(info.st_gid)}"
    return ""


def _sticky_open(info):
    """A folder others may add entries to but not rename or remove root's from (/tmp)."""
    opened = info.st_mode & stat.S_IWOTH or (info.st_mode & stat.S_IWGRP and info.st_gid != 0)
    return bool(stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_ISVTX and opened)


def check_not_anothers(path):
    """As root: refuse `path` when it, its real file, or a folder on the way belongs to another
    account. Nothing to check for anyone else: the kernel stops them."""
    if os.geteuid() != 0:
        return
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
