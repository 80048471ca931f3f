"""The folder `serve` writes its credentials, config and state into: private to the caller.

awsmfa trusts the config there (its `mfa_serial`, its endpoint-free profiles) and serve puts the
user's keys and MFA seed there, so no other account may own it, write it, or swap it: whoever
made `/tmp/demo` first, or may write a folder on the way to it, would decide what `awsmfa login`
reads. The rule, checked before anything is written:
- the folder is the caller's and closed to others (no write bit for others, nor for a group
  with another account in it); a missing one is made 0700;
- every folder on the way, links followed by hand, is root's or the caller's, and one that
  others may write is sticky (/tmp), where the entry taken from it must be root's or the
  caller's, so nobody can rename or replace it.
ACLs are not read (as in awsmfa's own rootpolicy).
"""
import grp
import os
import pwd
import stat

_MAX_LINKS = 40  # the kernel's own limit
SUGGESTION = 'give serve a folder of your own, e.g. --dir "$(mktemp -d)"'


class FolderRefused(Exception):
    """One line saying why the folder is not private to the caller, and what to do."""


def prepare(folder, state_file):
    """Make `folder` (absolute) if missing, 0700; raise FolderRefused when it, or the way to it,
    is open to another account. `state_file`: the name of serve's state file, to say when the
    folder is another account's localaws folder."""
    real = _walk(folder)
    if real is None:  # missing: its parent was checked, so what we make stays ours
        os.makedirs(os.path.dirname(folder), exist_ok=True)
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            pass  # made meanwhile by someone: checked below like any other
        real = _walk(folder)
    info = os.lstat(real)
    if not stat.S_ISDIR(info.st_mode):
        raise FolderRefused(f"{shown(folder)} is not a folder; {SUGGESTION}")
    if info.st_uid != os.geteuid():
        owner = _owner(info.st_uid)
        if _holds(real, state_file):
            raise FolderRefused(f"{shown(folder)} is a localaws folder of {owner}'s, another account: its "
                                f"config is theirs to change, not for your awsmfa to trust; {SUGGESTION}")
        raise FolderRefused(f"{shown(folder)} belongs to {owner}, who could change the config awsmfa would "
                            f"trust there; {SUGGESTION}")
    why = _open_to_others(info)
    if why:
        raise FolderRefused(f"{shown(folder)} is {why}, who could swap the config awsmfa would trust there: "
                            f"chmod 700 {shown(folder)}, or {SUGGESTION}")


def _walk(path):
    """The real path of `path` once every folder on the way passed the rule; None when `path`
    does not exist (its parent did, and passed). Raises FolderRefused."""
    me = os.geteuid()
    current, folder = "/", os.lstat("/")
    parts = [part for part in path.split("/") if part]
    links = 0
    while parts:
        name = parts.pop(0)
        if name in (".", ""):
            continue
        if name == "..":
            current = os.path.dirname(current)
            folder = os.lstat(current)
            continue
        _check_on_the_way(folder, current, path)
        candidate = os.path.join(current, name)
        try:
            info = os.lstat(candidate)
        except FileNotFoundError:
            return None  # the rest is made by serve, under a folder that passed
        last = not parts and not stat.S_ISLNK(info.st_mode)  # the folder itself: prepare says whose
        if _sticky_open(folder) and info.st_uid not in (0, me) and not last:
            raise FolderRefused(f"{shown(candidate)} belongs to {_owner(info.st_uid)}, in a folder everyone may "
                                f"write; {SUGGESTION}")
        if stat.S_ISLNK(info.st_mode):
            links += 1
            if links > _MAX_LINKS:
                raise FolderRefused(f"too many links on the way to {shown(path)}; {SUGGESTION}")
            target = os.readlink(candidate)
            parts = [part for part in target.split("/") if part] + parts
            if target.startswith("/"):
                current, folder = "/", os.lstat("/")
            continue
        current, folder = candidate, info
    return current


def _check_on_the_way(info, path, target):
    """A folder passed through: root's or the caller's, and sticky if others may write it."""
    if info.st_uid not in (0, os.geteuid()):
        raise FolderRefused(f"{shown(path)}, on the way to {shown(target)}, belongs to {_owner(info.st_uid)}, "
                            f"who could swap what is in it; {SUGGESTION}")
    why = _open_to_others(info)
    if why and not _sticky_open(info):
        raise FolderRefused(f"{shown(path)}, on the way to {shown(target)}, is {why}, who could swap what is "
                            f"in it; {SUGGESTION}")


def _open_to_others(info):
    """'writable by everyone' / 'writable by group G' when another account may add or remove
    entries; '' when not. A group counts only when an account besides the caller is in it (a
    user's private group, as `mkdir` makes under umask 002, is the caller's alone)."""
    if info.st_mode & stat.S_IWOTH:
        return "writable by everyone"
    if info.st_mode & stat.S_IWGRP and _others_in_group(info.st_gid):
        return f"writable by group {_group(info.st_gid)}"
    return ""


def _sticky_open(info):
    return bool(stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_ISVTX and _open_to_others(info))


def _others_in_group(gid):
    me = os.geteuid()
    try:
        my_name = pwd.getpwuid(me).pw_name
    except KeyError:
        my_name = None
    try:
        if set(grp.getgrgid(gid).gr_mem) - {my_name}:
            return True
    except KeyError:
        return True  # a group nobody can name: count it as open
    return any(entry.pw_gid == gid and entry.pw_uid != me for entry in pwd.getpwall())


def _holds(folder, name):
    try:
        return os.path.lexists(os.path.join(folder, name))
    except OSError:
        return False


def _owner(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _group(gid):
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def shown(path):
    """A path for a one-line message: as is when every character prints, else quoted."""
    return path if path.isprintable() else repr(path)
