"""Where `awsmfa rotate` keeps its progress: a few awsmfa_rotate_* keys in the source profile's
own section of the credentials file (botocore ignores unknown keys), each step one locked,
atomic, 0600 write through profiles.edit_locked, so the file is at every moment in one of these
states, and a rerun knows which:

  (none)    no rotation under way: aws_access_key_id is the key in use;
  STARTED   (a UTC time) CreateAccessKey is about to be sent or was: a key of the user made
            since then that the file does not hold is an orphan this rotation made, to delete;
  PENDING   the new key's id and secret, written as soon as CreateAccessKey answered; the old
            key is still the one in use (aws_access_key_id) until AWS accepts the new one;
  RETIRED   the old key's id: the new key is in use (aws_access_key_id) and the old one is to
            be deleted; written in the same write that makes the new key the one in use.

Every write first checks, under the lock, that the section still holds the key it expects in
aws_access_key_id (someone may have run `aws configure` meanwhile): else it refuses, and the
user's change stands. When the rotation ends, the journal keys go, and the section differs from
what it was only in its two key lines (inifile keeps every other byte).
"""
from ..core import fileio, paths, timeutil
from ..core.errors import FileProblem, ProfileProblem
from .profiles import KEY_ID, SECRET, edit_locked

STARTED = "awsmfa_rotate_started"
PENDING_ID = "awsmfa_rotate_pending_access_key_id"
PENDING_SECRET = "awsmfa_rotate_pending_secret_access_key"
RETIRED_ID = "awsmfa_rotate_retired_access_key_id"
JOURNAL_KEYS = (STARTED, PENDING_ID, PENDING_SECRET, RETIRED_ID)


class Journal:
    """The journal as read from a section (values stripped; None when absent)."""

    __slots__ = ("active_id", "started", "pending_id", "pending_secret", "retired_id")

    def __init__(self, section):
        def value(key):
            return (section.get(key) or "").strip() or None

        self.active_id = value(KEY_ID)
        self.started = timeutil.parse_utc(value(STARTED)) if value(STARTED) else None
        self.pending_id, self.pending_secret = value(PENDING_ID), value(PENDING_SECRET)
        self.retired_id = value(RETIRED_ID)

    def __repr__(self):  # never the pending secret
        return (f"Journal(active={self.active_id!r}, started={self.started}, pending={self.pending_id!r}, "
                f"retired={self.retired_id!r})")

    @property
    def empty(self):
        return not (self.started or self.pending_id or self.retired_id)


def read(files, profile):
    return Journal(files.credentials.section(profile) or {})


def write(environ, profile, expected_active_id, items):
    """Set `items` in [profile] of the credentials file, drop the other journal keys: one locked,
    atomic write, the file 0600. Refuses (writing nothing) when the section no longer holds
    `expected_active_id`."""
    path = paths.credentials_file(environ)

    def change(document):
        section = document.section(profile)
        if section is None or (section.get(KEY_ID) or "").strip() != expected_active_id:
            raise ProfileProblem(f"profile [{profile}] in {paths.display(path, environ)} changed while awsmfa "
                                 "was rotating its key", hint="look at it, then run `awsmfa rotate` again", done=None)
        return document.with_section(profile, items, drop=JOURNAL_KEYS)

    if not edit_locked(path, change, mode=0o600):
        raise FileProblem(f"cannot write {paths.display(path, environ)}", done=None)


def start(environ, profile, active_id):
    """STARTED, now; returns the time written (PENDING keeps it)."""
    started = timeutil.format_utc(timeutil.now())
    write(environ, profile, active_id, {STARTED: started})
    return started


def pending(environ, profile, active_id, started, new_key):
    write(environ, profile, active_id, {STARTED: started, PENDING_ID: new_key.access_key_id,
                                        PENDING_SECRET: new_key.secret_access_key})


def activate(environ, profile, old_id, new_id, new_secret):
    """The new key becomes the one in use and the old one is marked for deletion, at once."""
    write(environ, profile, old_id, {KEY_ID: new_id, SECRET: new_secret, RETIRED_ID: old_id})


def finish(environ, profile, active_id):
    """No journal left: the section is the user's again, only its key lines changed."""
    write(environ, profile, active_id, {})


def check_writable(environ):
    fileio.check_writable(paths.credentials_file(environ))
