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

from ..core import fileio, paths
from ..core.errors import ProfileProblem
from ..core.inifile import IniDocument, check_section_name
from .profiles import (CONFIG_CREDENTIAL_KEYS, MADE_FROM_KEY, MFA_PROFILE_KEY, PROCESS_KEY, ROLE_ARN_KEY,
                       ROLE_MFA_KEY, ROLE_SESSION_KEYS, SOURCE_KEY, AwsFiles, check_removable, config_profile_name,
                       edit_both_locked)

PROCESS_KEYS = (PROCESS_KEY, "region", SOURCE_KEY)  # what every self-renewing profile holds
# What a self-renewing profile never holds: another way to credentials (it has its process),
# the role's own parameters (the process assumes the role), a code command, awsmfa's role-session
# marks. Everything else of the role profile is carried into it (carried_settings).
NOT_CARRIED = CONFIG_CREDENTIAL_KEYS + ("external_id", "role_session_name", "duration_seconds", "mfa_serial",
                                        "mfa_process", "region") + ROLE_SESSION_KEYS
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
        # A quoted name ([profile "my ops"]) reads fine; it is the self-renewing profile that
        # would have to quote it, in its credential_process line and its own header.
        plain = "".join(char if char in _PLAIN_WORD else "-" for char in name).lstrip("-") or "profile"
        way = (f"rename the profile, e.g. to {plain} (`awsmfa env --json --profile NAME` works as it is)"
               if what == "role profile" else f"pick --update-profile {plain}")
        raise ProfileProblem(f"{what} name {name!r} has characters the self-renewing profile's credential_process "
                             "line would have to quote", hint=f"{way}; use letters, digits and _ @ % + = : , . / -")
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


def process_items(role_profile, command, region, settings=None):
    """The self-renewing profile's keys: its process, the region, the role profile's other
    settings (carried_settings), awsmfa's mark."""
    items = {PROCESS_KEY: command}
    if region:
        items["region"] = region  # as `--profile ops` would have: botocore reads region per profile
    for key, value in (settings or {}).items():
        items[key] = value
    items[SOURCE_KEY] = role_profile
    return items


def carried_settings(files, role_profile):
    """The role profile's settings that are not about credentials (output, endpoint_url,
    services, ca_bundle, use_fips_endpoint, retry_mode, max_attempts, cli_pager,
    sts_regional_endpoints...), in file order: botocore applies a profile's settings to that
    profile only, so `AWS_PROFILE=ops-mfa-auto` would otherwise lose them for the whole shell.
    Not carried: a nested value (`s3 =` and its indented lines: one line per key is all a
    profile awsmfa writes holds) and any key starting with `awsmfa_`."""
    section = files.config_section(role_profile) or {}
    return {key: value for key, value in section.items()
            if key not in NOT_CARRIED and not key.startswith("awsmfa_") and value and "\n" not in value
            and value == value.strip()}


def _not_ours(section):
    """The keys of a config section that a self-renewing profile awsmfa writes never holds."""
    return [key for key in section if key != PROCESS_KEY and key in NOT_CARRIED and key != "region"]


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
        foreign = _not_ours(section)
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
    path = paths.config_file(environ)
    fileio.ensure_folder(path)
    with fileio.locked(path):
        fresh = AwsFiles(environ)
        check_renewing_target(fresh, name, role_profile)
        if renewing_profile_current(fresh, name, items):
            return False
        header = _config_header(fresh.config, name) or f"profile {name}"
        # The whole section is awsmfa's: a setting no longer in the role profile goes too.
        text = fresh.config.with_section(header, items, drop=PROCESS_KEYS + tuple(fresh.config_section(name) or ()))
        fileio.write_atomic(path, text, mode=None if os.path.exists(fileio.real_path(path)) else 0o600)
    return True


def role_sessions_made_from(credentials, mfa_name):
    """The role sessions in the credentials file (an IniDocument) made from the MFA session
    `mfa_name`, in file order: sections with awsmfa's mark (awsmfa_source_profile) whose
    awsmfa_mfa_profile names it. A session made per role names none; a section without the mark
    is not awsmfa's, whatever else it holds."""
    return [name for name, section in credentials.values.items()
            if name != mfa_name and section.get(MFA_PROFILE_KEY) == mfa_name and section.get(SOURCE_KEY)]


def _own_renewing_headers(config, session_name, role_profile, where, kept):
    """The config sections that are the self-renewing profile of the role session
    `session_name` of `role_profile`, as awsmfa wrote them. A profile of that name without
    awsmfa_source_profile is the user's: it stays. One with it but holding anything else than
    what awsmfa writes for that role was changed by hand: not awsmfa's to remove, so it stays
    too, and `kept` gets a line that says so. A config profile holds no keys: logging out still
    leaves none on disk."""
    name = renewing_profile_for(session_name)
    headers = []
    for header, section in config.values.items():
        if config_profile_name(header) != name or section.get(SOURCE_KEY) is None:
            continue
        foreign = _not_ours(section)
        if foreign or section.get(SOURCE_KEY) != role_profile:
            what = ", ".join(foreign) if foreign else f"{SOURCE_KEY} = {section.get(SOURCE_KEY)}"
            kept.append(f"kept [profile {name}] in {where}: it holds {what}, not what awsmfa writes for "
                        f"[{role_profile}] (remove it by hand if you no longer need it)")
            continue
        headers.append(header)
    return headers


def _without_sections(document, headers):
    """The text of `document` without those sections, each byte for byte as
    IniDocument.without_section removes it; None (nothing to write) when there are none."""
    if not headers:
        return None
    text = document.text
    for header in headers:
        text = IniDocument(text, document.path).without_section(header)
    return text


def remove_with_role_sessions(environ, mfa_name):
    """`awsmfa logout` of a plain MFA session: remove `[mfa_name]` from the credentials file,
    and with it every role session made from it (role_sessions_made_from) and their
    self-renewing config profiles, so no role keys it paid for stay on disk. Role sessions made
    per role stay.

    Everything or nothing (profiles.edit_both_locked): every section that would go is checked
    under both files' locks (profiles.check_removable, _own_renewing_headers) before either file
    is written; a refusal changes nothing. Each section goes byte for byte, as
    IniDocument.without_section removes it. Returns (whether [mfa_name] was there, the names of
    the role sessions removed, a line for each config profile kept because it was changed)."""
    check_section_name(mfa_name, "session profile")
    found = None
    kept = []

    def without_them(credentials, config):
        nonlocal found
        shown = paths.display(credentials.path, environ)
        where_config = paths.display(config.path, environ)
        mfa_section = credentials.section(mfa_name)
        if mfa_section is not None:
            check_removable(mfa_section, f"profile [{mfa_name}] in {shown}")
        sessions = role_sessions_made_from(credentials, mfa_name)
        renewing = []
        for name in sessions:
            section = credentials.section(name)
            check_removable(section, f"profile [{name}] in {shown}, a role session made from [{mfa_name}],",
                            hint="take those keys out or remove the section by hand, then log out again")
            renewing += _own_renewing_headers(config, name, section[SOURCE_KEY], where_config, kept)
        found = (mfa_section is not None, sessions)
        return (_without_sections(credentials, ([mfa_name] if mfa_section is not None else []) + sessions),
                _without_sections(config, renewing))

    edit_both_locked(environ, without_them)
    return (found or (False, [])) + (list(kept),)  # found None: no credentials folder, nothing to remove


def remove_role_session(environ, session_name, role_profile):
    """`awsmfa logout` of a role profile: remove its role session `[session_name]` and the
    self-renewing `[profile session_name-auto]` awsmfa wrote for `role_profile`; the MFA
    session it was made from stays (other roles use it). The same rules as
    remove_with_role_sessions: both files under their locks, everything checked before either
    is written, a config profile of that name without awsmfa's mark is the user's and stays, one
    changed by hand stays and is said. Returns (whether anything was removed, the kept lines)."""
    check_section_name(session_name, "session profile")
    removed = False
    kept = []

    def without_them(credentials, config):
        nonlocal removed
        section = credentials.section(session_name)
        if section is not None:
            check_removable(section, f"profile [{session_name}] in {paths.display(credentials.path, environ)}")
        renewing = _own_renewing_headers(config, session_name, role_profile, paths.display(config.path, environ),
                                         kept)
        removed = section is not None or bool(renewing)
        return _without_sections(credentials, [session_name] if section is not None else []), \
            _without_sections(config, renewing)

    edit_both_locked(environ, without_them)
    return removed, list(kept)


def role_session_items(role_arn, role_mfa, mfa_profile, made_from=None):
    """The awsmfa_* keys a role session carries on top of profiles.session_items; made_from:
    the plan's mark (resolve.Plan.made_from)."""
    items = {ROLE_ARN_KEY: role_arn, ROLE_MFA_KEY: role_mfa}
    if mfa_profile:
        items[MFA_PROFILE_KEY] = mfa_profile
    if made_from:
        items[MADE_FROM_KEY] = made_from
    return items
