"""The two profiles awsmfa deals with, read from the user's AWS files.

- the *source* profile: long-term keys (credentials file, or config file as botocore allows),
  and `mfa_serial`/`region` from the config file;
- the *session* profile: a section of the credentials file that awsmfa owns, holding the
  session keys plus a few `awsmfa_*` keys (botocore ignores unknown keys) that mark it as ours,
  name its source and store its expiry in UTC.
"""
import os

from ..core import fileio, paths, timeutil
from ..core.errors import ASKED_NOTHING, CHANGED_NOTHING, FileProblem, ProfileNotFound, ProfileProblem
from ..core.inifile import IniDocument, check_section_name

SOURCE_KEY = "awsmfa_source_profile"
EXPIRATION_KEY = "awsmfa_expiration"
# The session's end again under the name prompts read from the credentials file: starship's aws
# module takes `expiration` (then saml2aws's `x_security_token_expires`) of the AWS_PROFILE
# section as RFC 3339 (starship src/modules/aws.rs), as aws-mfa wrote it. Written, never read:
# awsmfa trusts only EXPIRATION_KEY, so a session written before this key existed still works.
STANDARD_EXPIRATION_KEY = "expiration"
DURATION_KEY = "awsmfa_duration_seconds"
KEY_ID, SECRET, TOKEN = "aws_access_key_id", "aws_secret_access_key", "aws_session_token"
# botocore's key for a program that prints a profile's credentials (a secret store, or the
# self-renewing profile of a role session).
PROCESS_KEY = "credential_process"
# A role session (rolestore.py) also names its role, how it was made, and the MFA session
# it came from: a session for another role ARN, or a plain one, is never served for a role.
ROLE_ARN_KEY, ROLE_MFA_KEY, MFA_PROFILE_KEY = "awsmfa_role_arn", "awsmfa_role_mfa", "awsmfa_mfa_profile"
# ...and what it was made from (resolve.Plan.made_from): served only for that same plan.
MADE_FROM_KEY = "awsmfa_made_from"
ROLE_SESSION_KEYS = (ROLE_ARN_KEY, ROLE_MFA_KEY, MFA_PROFILE_KEY, MADE_FROM_KEY)
SESSION_KEYS = (KEY_ID, SECRET, TOKEN, "region", SOURCE_KEY, EXPIRATION_KEY, DURATION_KEY,
                STANDARD_EXPIRATION_KEY) + ROLE_SESSION_KEYS
# The keys with which botocore's credential providers take a profile's credentials from the
# config file or from elsewhere: keys, a role, web identity, a process, SSO, a console login.
CONFIG_CREDENTIAL_KEYS = (KEY_ID, SECRET, TOKEN, "aws_security_token", "role_arn", "source_profile",
                          "credential_source", "web_identity_token_file", "credential_process", "sso_session",
                          "sso_start_url", "sso_region", "sso_account_id", "sso_role_name", "login_session")
# Room a session section may take, checked before the prompt: header and about a dozen keys with a
# session token of several KB (STS tokens run to about 1 KB; AWS promises no ceiling). The
# write itself checks the exact size again.
SESSION_ROOM_BYTES = 8 * 1024
# GetSessionToken's DurationSeconds limits: a stored duration outside them is not awsmfa's.
MIN_DURATION, MAX_DURATION = 900, 129600
# What shlex (posix, whitespace_split, no comments) treats specially: quotes, the escape, and
# its whitespace (only these four: no vertical tab, form feed or no-break space).
_SHLEX_QUOTING = "'\"\\"
_SHLEX_BLANKS = str.maketrans("\t\r\n", "   ")


def config_profile_name(header):
    """The profile a config-file section header names, exactly as botocore's
    configloader.build_profile_map reads it; None for a section that is no profile.

    botocore takes `default` as is, and any header that starts with `profile` (`profiles x` and
    `profile-x y` too) when shlex.split makes exactly two words of it: `[profile "work"]`,
    `[profile  work]` and `[profile\\twork]` are all `work`; an unclosed quote names nothing.
    """
    if header == "default":
        return "default"
    if not header.startswith("profile"):
        return None
    if any(char in header for char in _SHLEX_QUOTING):
        import shlex  # only for a header that quotes or escapes: shlex costs the cached path ~3 ms

        try:
            words = shlex.split(header)
        except ValueError:  # botocore skips such a section
            return None
    else:
        # Without quotes or backslashes, shlex.split splits on its whitespace and nothing else.
        words = [word for word in header.translate(_SHLEX_BLANKS).split(" ") if word]
    return words[1] if len(words) == 2 else None


class Credentials:
    """Session keys and their end (an aware UTC datetime). Plain class: dataclasses costs
    ~15 ms to import, a third of the cached `env` path."""

    __slots__ = ("access_key_id", "secret_access_key", "session_token", "expiration")

    def __init__(self, access_key_id, secret_access_key, session_token, expiration):
        self.access_key_id, self.secret_access_key = access_key_id, secret_access_key
        self.session_token, self.expiration = session_token, expiration

    def __eq__(self, other):
        return isinstance(other, Credentials) and all(
            getattr(self, name) == getattr(other, name) for name in self.__slots__)

    def __repr__(self):  # never let a secret reach a log or traceback through repr()
        return f"Credentials(access_key_id={self.access_key_id!r}, expiration={self.expiration})"


class SourceProfile:
    """The long-term keys and settings of the profile sessions are made from."""

    def __init__(self, name, access_key_id, secret_access_key, mfa_serial=None, mfa_serial_origin=None,
                 region=None):
        self.name, self.access_key_id, self.secret_access_key = name, access_key_id, secret_access_key
        self.mfa_serial, self.mfa_serial_origin, self.region = mfa_serial, mfa_serial_origin, region

    def __repr__(self):  # the secret key stays out of logs and tracebacks
        return f"SourceProfile({self.name!r}, access_key_id={self.access_key_id!r})"


class AwsFiles:
    """The credentials and config files, read once."""

    def __init__(self, environ, check=True):
        """check=False: skip configparser's verdict (the cached path); then see `odd`."""
        self.environ = environ
        self.credentials_path = paths.credentials_file(environ)
        self.config_path = paths.config_file(environ)
        self.credentials = IniDocument(fileio.read_text(self.credentials_path), self.credentials_path, check)
        self.config = IniDocument(fileio.read_text(self.config_path), self.config_path, check)
        self._config_profiles = None  # built on first use: the cached path never needs it

    @property
    def odd(self):
        """True when the scanner saw something configparser might read otherwise."""
        return self.credentials.odd or self.config.odd

    def show(self, path):
        return paths.display(path, self.environ)

    def config_profiles(self):
        """{profile name: its keys} of the config file, as botocore's build_profile_map reads it:
        a later section naming the same profile replaces an earlier one, as its dict.update does."""
        if self._config_profiles is None:
            profiles = {}
            for header, values in self.config.values.items():  # in file order
                name = config_profile_name(header)
                if name is not None:
                    profiles[name] = values
            self._config_profiles = profiles
        return self._config_profiles

    def config_section(self, profile):
        return self.config_profiles().get(profile)

    def session_source(self, name):
        """The profile an awsmfa session profile came from (its awsmfa_source_profile): a
        session in the credentials file, or the self-renewing profile of a role session in
        the config file (rolestore.py); None for any other profile."""
        section = self.credentials.section(name)
        if section and section.get(SOURCE_KEY):
            return section[SOURCE_KEY]
        config = self.config_section(name)
        if config and config.get(SOURCE_KEY) and config.get("credential_process"):
            return config[SOURCE_KEY]
        return None

    def source_profile(self, name):
        check_section_name(name, "profile")
        creds = self.credentials.section(name) or {}
        config = self.config_section(name) or {}
        if not creds and not config:
            raise ProfileNotFound(
                f"no profile [{name}] in {self.show(self.credentials_path)} or {self.show(self.config_path)}",
                hint="run `aws configure` or pass --profile with the profile holding your access keys")
        if SOURCE_KEY in creds:
            raise ProfileProblem(f"profile [{name}] is a session profile awsmfa wrote; pass --profile with your long-term keys")
        if config.get(SOURCE_KEY) and config.get("credential_process"):
            raise ProfileProblem(f"profile [{name}] is the self-renewing profile awsmfa wrote for "
                                 f"[{config[SOURCE_KEY]}]; pass --profile {config[SOURCE_KEY]}")
        keys = creds if KEY_ID in creds else config
        key_id, secret = keys.get(KEY_ID, "").strip(), keys.get(SECRET, "").strip()
        if not key_id or not secret:
            raise ProfileProblem(f"profile [{name}] has no {KEY_ID} and {SECRET}",
                                 hint="awsmfa needs the long-term keys of an IAM user")
        if keys.get(TOKEN):
            raise ProfileProblem(f"profile [{name}] holds session credentials (it has {TOKEN}); "
                                 "pass --profile with your long-term keys")
        serial, origin = config.get("mfa_serial", "").strip(), f"mfa_serial in {self.show(self.config_path)}"
        if not serial:
            # aws-mfa's key, so users switching over need not move it.
            serial, origin = creds.get("aws_mfa_device", "").strip(), f"aws_mfa_device in {self.show(self.credentials_path)}"
        region = (config.get("region") or creds.get("region") or "").strip() or None
        return SourceProfile(name, key_id, secret, serial or None, origin if serial else None, region)

    def cached_session(self, session_name, source_name, role_arn=None, made_from=None):
        """(Credentials, duration) of the stored session if it is ours, from this source,
        for this role (role_arn; None for a plain MFA session), complete and believable; else None.
        made_from: a role session's mark (resolve.Plan.made_from): one that holds another is
        not for this plan (one written before the mark existed is judged by role_arn alone).

        The one rule every command follows (env, env --json, login, status): a stored session
        is valid only while now < expiry <= now + its stored duration (plus clock skew), and
        that duration is one STS grants (900 to 129600 s). Anything else (an expiry that cannot
        be read or lies beyond that, a missing, negative or huge duration) is no usable
        session: renewed, never trusted, never a crash. An expired session that is otherwise
        believable is returned, so `status` can say when it ended; callers compare the expiry
        with now before using it (mfasession.cached keeps a margin on top).
        """
        section = self.credentials.section(session_name)
        if not section or section.get(SOURCE_KEY) != source_name or section.get(ROLE_ARN_KEY) != role_arn:
            return None
        if made_from is not None and section.get(MADE_FROM_KEY, made_from) != made_from:
            return None
        expiration = timeutil.parse_utc(section.get(EXPIRATION_KEY))
        duration = stored_duration(section.get(DURATION_KEY))
        values = [section.get(key, "").strip() for key in (KEY_ID, SECRET, TOKEN)]
        # No real key holds a line break, tab, NUL or escape (a continuation line makes one):
        # such a session is renewed, never printed for a shell to evaluate.
        if expiration is None or not all(value and value.isprintable() for value in values):
            return None
        if duration is None or not timeutil.believable(expiration, duration):
            return None
        return Credentials(*values, expiration), duration

    def check_session_target(self, session_name, source_name, room=True):
        """Refuse a target that is not awsmfa's to fill: the source itself, a profile holding
        long-term keys or keys awsmfa does not write, a config profile with credentials of its
        own; and (room) a file a session would take past the size awsmfa reads back."""
        check_section_name(session_name, "session profile")
        if session_name == source_name:
            if (self.config_section(source_name) or {}).get("role_arn"):
                # A role profile holds no keys: a session there would shadow the role itself.
                raise ProfileProblem(f"--update-profile {session_name} is the role profile itself; its session "
                                     "would shadow the role", hint="choose another --update-profile, or leave it out")
            raise ProfileProblem(f"--update-profile {session_name} is the source profile; "
                                 "that would overwrite your long-term keys")
        section = self.credentials.section(session_name)
        where = self.show(self.credentials_path)
        if section and SOURCE_KEY not in section and section.get(KEY_ID) and not section.get(TOKEN):
            raise ProfileProblem(f"profile [{session_name}] in {where} holds long-term keys awsmfa did not write",
                                 hint="choose another --update-profile")
        foreign = foreign_keys(section)
        if foreign:
            # A role, SSO or credential_process profile, or keys of the user's: filling it with
            # a session would leave the AWS CLI using the role, and logout would delete it.
            raise ProfileProblem(f"profile [{session_name}] in {where} holds keys awsmfa does not write "
                                 f"({_listed(foreign)}); it is not an awsmfa session",
                                 hint="choose another --update-profile")
        self._check_config_target(session_name)
        if room and self.credentials.size() - self.credentials.section_size(session_name) \
                + SESSION_ROOM_BYTES > fileio.MAX_FILE_BYTES:
            raise FileProblem(_too_big(where), done=ASKED_NOTHING)

    def _check_config_target(self, session_name):
        """A config-file profile of that name that gets its credentials elsewhere is not a
        target: a session stored under its name would shadow its long-term keys (the
        credentials file wins) or its process, or be ignored for its role or SSO."""
        config = self.config_section(session_name) or {}
        where = f"profile [{session_name}] in {self.show(self.config_path)}"
        if config.get(KEY_ID, "").strip():
            raise ProfileProblem(f"{where} holds long-term keys ({KEY_ID}); a session stored under the same "
                                 "name would shadow them", hint="choose another --update-profile")
        sourcing = [key for key in config if key in CONFIG_CREDENTIAL_KEYS]
        if sourcing:
            raise ProfileProblem(f"{where} gets its credentials from {_listed(sourcing)}; a session stored under "
                                 "the same name would fight with it", hint="choose another --update-profile")


def _too_big(where):
    return (f"{where} would grow past {fileio.MAX_FILE_BYTES // 2**20} MiB with a session in it, more than awsmfa "
            "reads back; remove profiles you no longer use")


def foreign_keys(section):
    """The keys of a credentials-file section that awsmfa never writes, in file order."""
    return [key for key in (section or ()) if key not in SESSION_KEYS]


def _listed(keys, most=4):
    return ", ".join(keys[:most]) + (f" and {len(keys) - most} more" if len(keys) > most else "")


def stored_duration(text):
    """The stored session length in seconds, or None unless it is one STS grants."""
    try:
        duration = int(text or "")
    except ValueError:  # not a number, or thousands of digits
        return None
    return duration if MIN_DURATION <= duration <= MAX_DURATION else None


def session_items(credentials, source, duration, extra=None):
    items = {KEY_ID: credentials.access_key_id, SECRET: credentials.secret_access_key, TOKEN: credentials.session_token}
    if source.region:
        # botocore merges every key of a credentials-file profile into its config, so the
        # session profile keeps the source's region: `--profile mfa` works without ~/.aws/config.
        items["region"] = source.region
    items[SOURCE_KEY] = source.name
    items[EXPIRATION_KEY] = timeutil.format_utc(credentials.expiration)
    items[DURATION_KEY] = str(duration)
    items[STANDARD_EXPIRATION_KEY] = items[EXPIRATION_KEY]
    items.update(extra or {})
    return items


def write_session(environ, session_name, credentials, source, duration, extra=None):
    """Store the session in its own section of the credentials file: locked, atomic, 0600.

    extra: more awsmfa_* keys (a role session's, rolestore.role_session_items); the keys of
    SESSION_KEYS it does not set are dropped, so a plain session never keeps a role's marks."""
    path = paths.credentials_file(environ)
    fileio.ensure_folder(path)
    with fileio.locked(path):
        # Re-read under the lock: another writer may have changed the file since we looked.
        fresh = AwsFiles(environ)
        fresh.check_session_target(session_name, source.name, room=False)
        text = fresh.credentials.with_section(session_name, session_items(credentials, source, duration, extra),
                                              drop=SESSION_KEYS)
        if len(text.encode("utf-8")) > fileio.MAX_FILE_BYTES:
            # Past what read_text accepts: env, logout and uninstall would refuse the file.
            raise FileProblem(_too_big(paths.display(path, environ)), done="the session was not stored")
        fileio.write_atomic(path, text, mode=0o600)
    return path


def check_removable(section, what, hint=None):
    """Refuse to remove a credentials-file section awsmfa did not write: one with keys awsmfa
    never writes, or without its awsmfa_source_profile. what: how the message names it."""
    foreign = foreign_keys(section)
    if foreign:
        raise ProfileProblem(f"{what} holds keys awsmfa does not write ({_listed(foreign)}); awsmfa removes only "
                             "its own sessions", hint=hint)
    if SOURCE_KEY not in section:
        raise ProfileProblem(f"{what} was not written by awsmfa (it has no {SOURCE_KEY}); awsmfa removes only its "
                             "own sessions", hint=hint)


def edit_locked(path, change, mode=None):
    """Apply change(document) to the AWS file at `path` under its lock: change returns the new
    text, or None for nothing to do. True when the file was written; False when there was
    nothing to do, or no folder (so no file) at all. mode: as fileio.write_atomic's."""
    if not os.path.isdir(os.path.dirname(fileio.real_path(path)) or "."):
        return False
    with fileio.locked(path):
        text = change(IniDocument(fileio.read_text(path), path))
        if text is None:
            return False
        fileio.write_atomic(path, text, mode=mode)
    return True


def edit_both_locked(environ, change):
    """edit_locked for the credentials and config files at once, for a change that must be
    whole or nothing: change(credentials, config) gets both IniDocuments, read under the locks
    of both folders, and returns their new texts (None: leave that file as it is). Whatever
    change refuses, and a file that cannot be written, is refused before either is written.

    The config file is written first, then the credentials file (0600), so that if the second
    write fails (a full disk), running the same command again finishes the job. Returns True
    when something was written; False when nothing was to do, or there is no credentials
    folder (so no file) at all."""
    credentials_path, config_path = paths.credentials_file(environ), paths.config_file(environ)
    if not os.path.isdir(os.path.dirname(fileio.real_path(credentials_path)) or "."):
        return False
    # One lock per folder (a second flock of the same folder would wait for the first), taken
    # in one order, so two callers never each hold the lock the other waits for.
    folders = {}
    for path in (credentials_path, config_path):
        folder = os.path.dirname(fileio.real_path(path)) or "."
        if os.path.isdir(folder):
            folders.setdefault(folder, path)
    held = []
    try:
        for folder in sorted(folders):
            lock = fileio.locked(folders[folder])
            lock.__enter__()
            held.append(lock)
        credentials = IniDocument(fileio.read_text(credentials_path), credentials_path)
        config = IniDocument(fileio.read_text(config_path), config_path)
        new_credentials, new_config = change(credentials, config)
        changed = [(path, text, mode) for path, text, mode in ((config_path, new_config, None),
                                                               (credentials_path, new_credentials, 0o600))
                   if text is not None]
        for path, _, _ in changed:
            fileio.check_writable(path, done=CHANGED_NOTHING)
        for index, (path, text, mode) in enumerate(changed):
            try:
                fileio.write_atomic(path, text, mode=mode)
            except FileProblem as error:
                if index == 0:
                    raise FileProblem(error.message, hint=error.hint, done=CHANGED_NOTHING)
                shown = paths.display(changed[0][0], environ)
                raise FileProblem(f"{error.message}; {shown} was changed already", done=None,
                                  hint="fix that and run the same command again to finish")
    finally:
        for lock in reversed(held):
            lock.__exit__(None, None, None)
    return bool(changed)
