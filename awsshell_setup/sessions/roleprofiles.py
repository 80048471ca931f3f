"""Role profiles, read the way botocore reads them, and resolved down to long-term keys.

A role profile is a profile with `role_arn` (and no `web_identity_token_file`: that one is
botocore's web-identity provider). Its credentials come from `source_profile`, which may itself
be a role profile: a chain. botocore (credentials.AssumeRoleProvider) walks that chain and
calls AssumeRole once per role, bottom first; awsmfa walks it the same way, with the same
profile map (config file profiles, with the credentials file's keys laid over them, as
botocore's Session.full_config builds it) and the same precedence rules:

- the profile named by the user is a role profile when it has `role_arn`, even if it also
  holds static keys (botocore's AssumeRoleProvider comes before the credentials-file provider);
- a profile reached as a `source_profile` supplies its own static keys when it has any
  (`aws_access_key_id` or `aws_secret_access_key`), and only otherwise is it assumed as a role;
- a role may name itself as `source_profile` only when it holds static keys; any other
  revisit is a loop.

Everything here is checked locally, before any prompt: a role profile awsmfa cannot serve is
refused in one line that says why and what to do, with no code asked for and nothing written.
Refusals awsmfa adds to botocore's: `credential_source` and `web_identity_token_file` (neither
involves an MFA code of the user's), a chain longer than MAX_ROLE_HOPS, a `role_arn` that is not
an IAM role ARN, and `external_id`, `role_session_name` or `duration_seconds` values that STS
would refuse (botocore passes them on and lets AssumeRole fail after the code was typed, or, for
a `duration_seconds` that is not a number, silently drops it).

No `re`, `shlex` or dataclasses: the cached path of `awsmfa env` imports this module.
"""
from ..core.errors import ProfileProblem, UsageError

# A chain this long is a mistake (or hostile): real setups chain two or three roles (a jump
# account, then the target). Every hop past the first is role chaining, capped at one hour.
MAX_ROLE_HOPS = 10

# AssumeRole's documented bounds (AWS STS API reference, AssumeRole: DurationSeconds,
# RoleSessionName, ExternalId).
MIN_ROLE_DURATION, MAX_ROLE_DURATION = 900, 43200
CHAINED_ROLE_DURATION = 3600  # AWS caps a session assumed with session credentials at one hour
DEFAULT_ROLE_DURATION = 3600  # AssumeRole's own default

# IAM role ARN: arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME (IAM identifiers reference).
PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc")
_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_NAME_CHARS = _ALNUM | frozenset("+=,.@_-")
_EXTERNAL_ID_CHARS = _NAME_CHARS | frozenset(":/")
MAX_ROLE_NAME, MAX_ROLE_PATH = 64, 512

# How roles get their MFA (see docs: role sessions): `shared` assumes every role with the MFA
# session of its source profile (one code for all roles; AWS caps such role sessions at one
# hour and awsmfa renews them without a prompt); `per-role` assumes the role with the long-term
# keys plus SerialNumber/TokenCode (one code per role; the session lasts up to the role's
# maximum). `awsmfa_role_mfa` in the role profile sets it per profile; --role-mfa overrides.
ROLE_MFA_SHARED, ROLE_MFA_PER_ROLE = "shared", "per-role"
ROLE_MFA_CHOICES = (ROLE_MFA_SHARED, ROLE_MFA_PER_ROLE)
ROLE_MFA_KEY = "awsmfa_role_mfa"

_STATIC_KEYS = ("aws_access_key_id", "aws_secret_access_key")


class RoleHop:
    """One AssumeRole call: the role profile it comes from and the parameters botocore would send."""

    __slots__ = ("profile", "role_arn", "external_id", "role_session_name", "duration_seconds",
                 "mfa_serial", "region")

    def __init__(self, profile, role_arn, external_id=None, role_session_name=None, duration_seconds=None,
                 mfa_serial=None, region=None):
        self.profile, self.role_arn, self.external_id = profile, role_arn, external_id
        self.role_session_name, self.duration_seconds = role_session_name, duration_seconds
        self.mfa_serial, self.region = mfa_serial, region

    def __eq__(self, other):
        return isinstance(other, RoleHop) and all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    def __repr__(self):
        return "RoleHop(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__) + ")"


class RoleChain:
    """A role profile resolved: the long-term source at the bottom, then each role to assume.

    hops[0] is assumed with the source's credentials (or its MFA session), hops[-1] is the
    profile the user named. `region`: the named role's, else its source's. `mfa_serial` is the
    one the MFA code is for: the nearest
    `mfa_serial` walking down from the named role (botocore reads it on the role), None when no
    role of the chain has one (then the source's own settings decide, as for plain sessions).
    """

    __slots__ = ("profile", "source", "hops", "mfa_serial", "mfa_serial_profile", "region", "role_mfa")

    def __init__(self, profile, source, hops, mfa_serial=None, mfa_serial_profile=None, region=None,
                 role_mfa=None):
        self.profile, self.source, self.hops = profile, source, hops
        self.mfa_serial, self.mfa_serial_profile = mfa_serial, mfa_serial_profile
        self.region, self.role_mfa = region, role_mfa

    @property
    def role_arn(self):
        return self.hops[-1].role_arn

    def __repr__(self):
        return f"RoleChain({self.profile!r} <- {[hop.profile for hop in reversed(self.hops[:-1])]} <- {self.source!r})"


def profile_values(files, name):
    """The profile `name` as botocore's Session.full_config["profiles"] holds it, or None.

    The config file's profile (profiles.AwsFiles.config_section finds its section the way
    botocore's configloader does), with the credentials file's section of the same name laid
    over it key by key. configparser merges a [DEFAULT] section into every section of its file;
    so does this (only known on the checked path: the cached path sees `odd` and falls back).
    """
    config = files.config_section(name)
    credentials = files.credentials.section(name)
    if config is None and credentials is None:
        return None
    values = {}
    for document, section in ((files.config, config), (files.credentials, credentials)):
        if section is not None:
            defaults = (document.parsed or {}).get(None) or {}
            values.update(defaults)
            values.update(section)
    return values


def is_role_profile(values):
    """botocore's AssumeRoleProvider._has_assume_role_config_vars."""
    return values is not None and "role_arn" in values and "web_identity_token_file" not in values


def _has_static_keys(values):
    return any(key in values for key in _STATIC_KEYS)


def role_chain(files, name):
    """The RoleChain of profile `name`, or None when it is not a role profile.

    Raises ProfileProblem (one line, nothing asked, nothing written) for what awsmfa cannot
    serve; a plain profile (None) is left to profiles.AwsFiles.source_profile, which knows what
    a long-term profile needs.
    """
    values = profile_values(files, name)
    if values is not None and "web_identity_token_file" in values:
        raise _web_identity(name)
    if not is_role_profile(values):
        return None
    hops, visited, current = [], [name], name
    role_mfa = _role_mfa_setting(name, values.get(ROLE_MFA_KEY))
    while True:
        hops.append(_hop(current, values))
        if "credential_source" in values:
            raise ProfileProblem(
                f"profile [{current}] takes its credentials from credential_source = "
                f"{_shown(values['credential_source'])} (the instance, container or environment), not from "
                "long-term keys with an MFA device: awsmfa has no code to add; use it with --profile as it is")
        source = values.get("source_profile")
        if source is None:
            raise ProfileProblem(f"profile [{current}] has role_arn but no source_profile",
                                 hint="add source_profile = the profile holding your long-term keys")
        source = _text(current, "source_profile", source)
        if source == current:
            if _has_static_keys(values):
                break  # botocore: a role may take its own static keys as its source
            raise ProfileProblem(f"profile [{current}] names itself as source_profile but holds no keys",
                                 hint="point source_profile at the profile with your long-term keys")
        if source in visited:
            loop = " -> ".join(f"[{profile}]" for profile in visited + [source])
            raise ProfileProblem(f"source_profile loop: {loop}",
                                 hint="one profile in the chain must hold long-term keys")
        values = profile_values(files, source)
        if values is None:
            raise ProfileProblem(f"profile [{current}] names source_profile [{source}], which is in neither "
                                 f"{files.show(files.credentials_path)} nor {files.show(files.config_path)}",
                                 hint="fix source_profile, or add that profile with `aws configure --profile`")
        if "web_identity_token_file" in values:
            raise _web_identity(source)
        visited.append(source)
        current = source
        if _has_static_keys(values) or not is_role_profile(values):
            break  # the long-term source (profiles.AwsFiles.source_profile checks its keys)
        if len(hops) >= MAX_ROLE_HOPS:
            raise ProfileProblem(f"profile [{name}] chains more than {MAX_ROLE_HOPS} roles "
                                 f"([{name}] -> ... -> [{current}])",
                                 hint="shorten the chain of source_profile settings")
    hops.reverse()
    serial, serial_profile = None, None
    for hop in reversed(hops):
        if hop.mfa_serial:
            serial, serial_profile = hop.mfa_serial, hop.profile
            break
    # The role's own region, else its source's: botocore would read only the role's, but a
    # session profile without one fails in every tool, and people set it once, on the source.
    region = hops[-1].region or _optional(current, "region", values.get("region"))
    return RoleChain(name, current, hops, serial, serial_profile, region, role_mfa)


def _hop(profile, values):
    """The AssumeRole parameters of one role profile, each checked as STS would check it."""
    arn = check_role_arn(profile, _text(profile, "role_arn", values["role_arn"]))
    external_id = values.get("external_id")
    if external_id is not None:
        external_id = _checked_chars(profile, "external_id", _text(profile, "external_id", external_id),
                                     _EXTERNAL_ID_CHARS, 2, 1224)
    session_name = values.get("role_session_name")
    if session_name is not None:
        session_name = _checked_chars(profile, "role_session_name",
                                      _text(profile, "role_session_name", session_name), _NAME_CHARS, 2, 64)
    duration = values.get("duration_seconds")
    if duration is not None:
        text = _text(profile, "duration_seconds", duration)
        if not (text.isascii() and text.isdigit()) or not MIN_ROLE_DURATION <= int(text) <= MAX_ROLE_DURATION:
            raise ProfileProblem(f"profile [{profile}]: duration_seconds = {_shown(text)} is not a whole number "
                                 f"of seconds from {MIN_ROLE_DURATION} to {MAX_ROLE_DURATION}",
                                 hint="AssumeRole accepts 900 to 43200, up to the role's maximum")
        duration = int(text)
    serial, region = (_optional(profile, key, values.get(key)) for key in ("mfa_serial", "region"))
    return RoleHop(profile, arn, external_id, session_name, duration, serial, region)


def _optional(profile, key, value):
    return None if value is None else (_text(profile, key, value) or None)


def check_role_arn(profile, arn):
    """`arn` when it is an IAM role ARN; else ProfileProblem naming the profile.

    Stricter than AssumeRole's own pattern (any printable text, 20-2048 characters): a role ARN
    is written into the credentials file, shown in messages and logs, and nothing legitimate
    needs more than IAM's name characters. Shell metacharacters, blanks, quotes and control
    characters are refused here.
    """
    parts = arn.split(":", 5)
    ok = (len(parts) == 6 and parts[0] == "arn" and parts[1] in PARTITIONS and parts[2] == "iam"
          and parts[3] == "" and len(parts[4]) == 12 and parts[4].isascii() and parts[4].isdigit()
          and parts[5].startswith("role/"))
    if ok:
        path, _, role = parts[5][len("role"):].rpartition("/")
        path += "/"
        ok = (1 <= len(role) <= MAX_ROLE_NAME and set(role) <= _NAME_CHARS and len(path) <= MAX_ROLE_PATH
              and set(path) <= _NAME_CHARS | {"/"} and "//" not in path)
    if not ok:
        raise ProfileProblem(f"profile [{profile}]: role_arn = {_shown(arn)} is not an IAM role ARN",
                             hint="expected arn:aws:iam::123456789012:role/NAME")
    return arn


def role_mfa_mode(flag, chain):
    """How the role gets its MFA: --role-mfa, else awsmfa_role_mfa in the role profile, else shared."""
    if flag is not None:
        if flag not in ROLE_MFA_CHOICES:
            raise UsageError(f"--role-mfa must be {' or '.join(ROLE_MFA_CHOICES)} (got {_shown(flag)})")
        return flag
    return chain.role_mfa or ROLE_MFA_SHARED


def role_durations(chain, mode):
    """DurationSeconds for each hop: a chained call (any hop but the first, and the first too
    when it is made with the MFA session) is capped at one hour by AWS; a per-role first hop
    asks for the role's duration_seconds, else AssumeRole's default."""
    durations = []
    for index, hop in enumerate(chain.hops):
        wanted = hop.duration_seconds or DEFAULT_ROLE_DURATION
        chained = index > 0 or mode == ROLE_MFA_SHARED
        durations.append(min(wanted, CHAINED_ROLE_DURATION) if chained else wanted)
    return durations


def _role_mfa_setting(profile, value):
    if value is None:
        return None
    value = value.strip()
    if value not in ROLE_MFA_CHOICES:
        raise ProfileProblem(f"profile [{profile}]: {ROLE_MFA_KEY} = {_shown(value)} is not "
                             f"{' or '.join(ROLE_MFA_CHOICES)}")
    return value


def _web_identity(profile):
    return ProfileProblem(f"profile [{profile}] uses web_identity_token_file (AssumeRoleWithWebIdentity takes "
                          "an OIDC token, not an MFA code): awsmfa has nothing to add; use it with --profile as it is")


def _text(profile, key, value):
    """A setting's value as one plain line. botocore reads an indented block under a key as a
    nested mapping; no role setting is one, and a value with a line break or control
    character is refused rather than carried into the credentials file or a message."""
    if not isinstance(value, str) or "\n" in value or not value.strip().isprintable():
        raise ProfileProblem(f"profile [{profile}]: {key} is not a one-line value")
    return value.strip()


def _checked_chars(profile, key, value, allowed, low, high):
    if not low <= len(value) <= high or not set(value) <= allowed:
        extra = "".join(sorted(allowed - _ALNUM))
        raise ProfileProblem(f"profile [{profile}]: {key} = {_shown(value)} is not what AssumeRole accepts "
                             f"({low} to {high} letters, digits or {extra})")
    return value


def _shown(value):
    """A value for a message: quoted, cut short (a hostile value may be long)."""
    text = value if len(value) <= 80 else value[:80] + "..."
    return repr(text)
