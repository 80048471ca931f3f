"""Where role sessions go: their names, the awsmfa_* keys that mark them, and the
self-renewing `credential_process` profile awsmfa keeps in the config file.

For a role profile `ops`:
- `[ops-mfa]` in the credentials file: the role session's keys (profiles.write_session's file
  rules), plus ROLE_SESSION_KEYS: the role ARN it is for, how it was made, and the MFA session
  it came from. Any tool can use `--profile ops-mfa` while that session lives (one hour when
  made from the shared MFA session: AWS caps role chaining at one hour).
- `[profile ops-mfa-auto]` in the config file: `credential_process = awsmfa env --json
  --profile ops`, so the AWS CLI and every SDK renew the role session by themselves, without a
  prompt, for as long as the MFA session lives. It needs its own name: botocore takes a
  profile's keys from the credentials file before it runs its credential_process.

No `re`, `shlex` or dataclasses: the cached path of `awsmfa env` imports this module.
"""
import os

from . import fileio, paths
from .errors import ProfileProblem
from .inifile import IniDocument, check_section_name
from .profiles import MFA_PROFILE_KEY, ROLE_ARN_KEY, ROLE_MFA_KEY, SOURCE_KEY, config_profile_name, edit_locked

PROCESS_KEY = "credential_process"
PROCESS_KEYS = (PROCESS_KEY, "region", SOURCE_KEY)  # all a self-renewing profile ever holds
AUTO_SUFFIX = "-auto"

# The characters shlex.quote leaves alone: a word made of them needs no quoting, so botocore's
# shlex split of credential_process gives it back as it is, and a `[profile NAME]` header
# made of them is read by botocore's configloader as exactly that name.
_PLAIN_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@%+=:,./-")


def renewing_profile_for(session_name):
    """`ops-mfa` -> `ops-mfa-auto`: the config profile whose credential_process renews it."""
    return session_name + AUTO_SUFFIX


def check_plain_word(name, what):
    """Names that go into credential_process and a config header: only shlex-plain characters."""
    check_section_name(name, what)
    if not set(name) <= _PLAIN_WORD or name.startswith("-"):
        raise ProfileProblem(f"{what} name {name!r} has characters a credential_process line would have to quote",
                             hint="use letters, digits and _ @ % + = : , . / - (rename the profile, or pick "
                                  "--update-profile)")
    return name


def process_command(role_profile, update_profile=None, role_mfa=None):
    """The credential_process line: `awsmfa env --json --profile ops`, by name (as the `mfa`
    function calls it: an absolute path frozen now breaks when a pipx or venv install moves)."""
    words = ["awsmfa", "env", "--json", "--profile", check_plain_word(role_profile, "role profile")]
    if update_profile:
        words += ["--update-profile", check_plain_word(update_profile, "session profile")]
    if role_mfa:
        words += ["--role-mfa", role_mfa]
    return " ".join(words)


def process_items(role_profile, command, region):
    items = {PROCESS_KEY: command}
    if region:
        items["region"] = region  # as `--profile ops` would have: botocore reads region per profile
    items[SOURCE_KEY] = role_profile
    return items


def _config_header(document, name):
    """The header of the config section botocore reads as profile `name` (the last such)."""
    found = None
    for header in document.values:
        if config_profile_name(header) == name:
            found = header
    return found


def check_renewing_target(files, name, role_profile):
    """Refuse a self-renewing profile name that is not awsmfa's to fill: a config profile of
    that name without our mark or with keys we never write, or a credentials-file section of
    that name with keys (botocore would use them before the process)."""
    check_plain_word(name, "session profile")
    where = files.show(files.config_path)
    section = files.config_section(name)
    if section is not None:
        if section.get(SOURCE_KEY) is None:
            raise ProfileProblem(f"profile [{name}] in {where} was not written by awsmfa (it has no {SOURCE_KEY})",
                                 hint="rename it, or pick another --update-profile")
        foreign = [key for key in section if key not in PROCESS_KEYS]
        if foreign or section.get(SOURCE_KEY) != role_profile:
            what = ", ".join(foreign) if foreign else f"{SOURCE_KEY} = {section.get(SOURCE_KEY)}"
            raise ProfileProblem(f"profile [{name}] in {where} holds {what}, not what awsmfa writes for [{role_profile}]",
                                 hint="rename it, or pick another --update-profile")
    shadow = files.credentials.section(name)
    if shadow:
        raise ProfileProblem(f"profile [{name}] in {files.show(files.credentials_path)} would be used before the "
                             "credential_process awsmfa writes for it", hint="remove that section, or pick another "
                                                                              "--update-profile")


def renewing_profile_current(files, name, items):
    """True when the config already holds exactly `items` for profile `name` (no write needed).
    Cheap enough for the cached path: it only reads what AwsFiles read."""
    section = files.config_section(name)
    return section is not None and {key: value for key, value in section.items()} == items


def write_renewing_profile(environ, name, items, role_profile):
    """Write `[profile NAME]` with `items` into the config file, when it is not there already.

    The config file's rules are the credentials file's: only this section changes (every other
    byte stays), under the file's lock, atomically, re-read under the lock; its mode is kept (a
    new file is made 0600, as the AWS CLI makes it). Returns True when something was written.
    """
    from .profiles import AwsFiles

    path = paths.config_file(environ)
    fileio.ensure_folder(path)
    with fileio.locked(path):
        fresh = AwsFiles(environ)
        check_renewing_target(fresh, name, role_profile)
        if renewing_profile_current(fresh, name, items):
            return False
        header = _config_header(fresh.config, name) or f"profile {name}"
        text = fresh.config.with_section(header, items, drop=PROCESS_KEYS)
        fileio.write_atomic(path, text, mode=None if os.path.exists(fileio.real_path(path)) else 0o600)
    return True


def remove_renewing_profile(environ, name, role_profile=None):
    """Remove `[profile NAME]` from the config file if awsmfa wrote it (the undo of
    write_renewing_profile, byte for byte); True when removed, False when absent. A profile of
    that name awsmfa did not write is refused, never removed."""
    check_section_name(name, "session profile")
    path = paths.config_file(environ)

    def without_it(document):
        headers = [header for header in document.values if config_profile_name(header) == name]
        if not headers:
            return None
        for header in headers:
            section = document.section(header)
            if section.get(SOURCE_KEY) is None or any(key not in PROCESS_KEYS for key in section) \
                    or (role_profile is not None and section.get(SOURCE_KEY) != role_profile):
                raise ProfileProblem(f"profile [{name}] in {paths.display(path, environ)} was not written by awsmfa; "
                                     "awsmfa removes only its own profiles")
        text = document.text
        for header in headers:
            text = IniDocument(text, path).without_section(header)
        return text

    return edit_locked(path, without_it)


def role_session_items(role_arn, role_mfa, mfa_profile):
    """The awsmfa_* keys a role session carries on top of profiles.session_items."""
    items = {ROLE_ARN_KEY: role_arn, ROLE_MFA_KEY: role_mfa}
    if mfa_profile:
        items[MFA_PROFILE_KEY] = mfa_profile
    return items
