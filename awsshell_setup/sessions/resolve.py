"""One resolution of a request: `plan(files, request)` (docs/ARCHITECTURE.md §3).

The one place that reads `--profile`, `--update-profile`, `AWS_DEFAULT_PROFILE` and
`AWS_PROFILE`, and decides the long-term source, the role chain (a plain session is a chain of
zero hops, as aws-vault's providers are), the names of the session profiles and the role MFA
mode. The fast path, `mfasession.obtain`, `assumerole` and `logout` all take the Plan it returns,
so no later step re-reads the environment or decides a name again.

No botocore, re, shlex, json or dataclasses: the cached path of `awsmfa env` imports this module.
"""
import binascii

from . import roleprofiles
from ..core.errors import ProfileNotFound
from ..core.inifile import check_section_name
from .rolestore import AUTO_SUFFIX
from .rules import DEFAULT_SOURCE, ambient_profile, session_profile_for


class Plan:
    """What a request resolves to.

    profile: the profile named (by --profile, a profile variable, or the default), and `how`;
    source: the profile with the long-term keys (the profile itself for a plain session);
    chain: roleprofiles.RoleChain, or None for a plain session (hops: empty);
    session_name: where the session (plain) or role session is stored;
    mfa_name: the MFA session's profile (a plain session's own; a role's source's, shared mode);
    mode: None for a plain session, else roleprofiles.ROLE_MFA_SHARED or ROLE_MFA_PER_ROLE."""

    __slots__ = ("profile", "how", "source", "chain", "session_name", "mfa_name", "mode")

    def __init__(self, profile, how, source, chain, session_name, mfa_name, mode):
        self.profile, self.how, self.source, self.chain = profile, how, source, chain
        self.session_name, self.mfa_name, self.mode = session_name, mfa_name, mode

    @property
    def hops(self):
        return self.chain.hops if self.chain is not None else ()

    @property
    def is_role(self):
        return self.chain is not None

    @property
    def shared(self):
        return self.mode == roleprofiles.ROLE_MFA_SHARED

    @property
    def renewing_name(self):
        """The self-renewing config profile of a role session (rolestore.renewing_profile_for)."""
        return self.session_name + AUTO_SUFFIX if self.is_role else None

    def made_from(self):
        """What a role session is made from, as a short mark stored with it (awsmfa_made_from):
        the source and, per hop, everything AssumeRole is sent. A stored role session is served
        only for the plan that made it, so an edit to role_arn, role_session_name, external_id,
        duration_seconds, source_profile or mfa_serial takes effect at the next run (a new role
        session, with no code while the MFA session lives). A CRC of the text: the mark is no
        secret and no defence, only "is this still the same profile?", and hashlib costs the
        cached path ~6 ms."""
        if not self.is_role:
            return None
        text = repr((self.source, self.chain.mfa_serial,
                     [(hop.role_arn, hop.role_session_name, hop.external_id, hop.duration_seconds, hop.mfa_serial)
                      for hop in self.hops]))
        return format(binascii.crc32(text.encode("utf-8", "surrogateescape")), "08x")

    def __repr__(self):
        return (f"Plan({self.profile!r} ({self.how}), source {self.source!r}, {len(self.hops)} hop(s), "
                f"session [{self.session_name}], MFA session [{self.mfa_name}], mode {self.mode})")


def plan(files, request):
    """Resolve `request` (mfasession.Request) against `files` (profiles.AwsFiles): a Plan. Refuses
    (one line, nothing asked or written) a profile that is missing or a role awsmfa cannot serve."""
    profile, how = choose_profile(files, request.profile)
    chain = roleprofiles.role_chain(files, profile)  # a hostile or broken role profile stops here
    session_name = session_name_for(files, request, profile)
    if chain is None:
        return Plan(profile, how, profile, None, session_name, session_name, None)
    mode = roleprofiles.role_mfa_mode(request.role_mfa, chain)
    return Plan(profile, how, chain.source, chain, session_name, mfa_session_for(chain), mode)


def mfa_session_for(chain):
    """The shared MFA session of a role's source: SOURCE-mfa, the very profile plain `awsmfa env
    --profile SOURCE` writes. A role that is its own source (keys and role_arn in one profile,
    which botocore allows) would have its role session there too; its MFA session is then
    SOURCE-keys-mfa (the session of the profile's keys), so both can live."""
    if chain.source == chain.profile:
        return f"{chain.source}-keys-mfa"
    return session_profile_for(chain.source)


def choose_profile(files, flag):
    """The profile named and why: the flag, else the profile variable botocore reads
    (AWS_DEFAULT_PROFILE, then AWS_PROFILE: rules.ambient_profile) unless it names one of
    our session profiles (then the source that session came from), else `default`."""
    if flag:
        return flag, "--profile"
    ambient, variable = ambient_profile(files.environ)
    if ambient:
        source = files.session_source(ambient)
        if source is not None:
            # Left by an earlier `mfa`: renew that session from its own source, never use it as one.
            return source, f"source of {variable}={ambient}"
        if not _profile_exists(files, check_section_name(ambient, "profile")):
            # A session `awsmfa logout` removed while the shell that ran `mfa` still exports its
            # name: its source is what the name was made from (session_profile_for).
            source = _source_named_by(ambient)
            if source is not None and _profile_exists(files, source):
                return source, f"source of {variable}={ambient}, a session profile no longer there"
            raise ProfileNotFound(f"no profile [{ambient}] in {files.show(files.credentials_path)} or "
                                  f"{files.show(files.config_path)}, yet {variable}={ambient} names it",
                                  hint=f"run `unset {variable}`, or pass --profile NAME")
        return ambient, variable
    return DEFAULT_SOURCE, "default"


def session_name_for(files, request, source):
    """The session profile: --update-profile; else the awsmfa session profile the profile
    variable names, when it is the source's (an `mfa` renewing its own session keeps its name);
    else `mfa` or SOURCE-mfa."""
    if request.update_profile:
        return request.update_profile
    ambient, _ = ambient_profile(files.environ)
    if not request.profile and ambient and files.session_source(ambient) == source:
        if files.credentials.section(ambient) is None and ambient.endswith(AUTO_SUFFIX):
            return ambient[:-len(AUTO_SUFFIX)]  # a role's self-renewing profile: its session's name
        return ambient
    return session_profile_for(source)


def _profile_exists(files, name):
    return files.credentials.section(name) is not None or files.config_section(name) is not None


def _source_named_by(session_name):
    """The source a session profile name was made from by session_profile_for (or a role's
    self-renewing profile); else None."""
    if session_name.endswith(AUTO_SUFFIX):
        session_name = session_name[:-len(AUTO_SUFFIX)]
    if session_name == session_profile_for(DEFAULT_SOURCE):
        return DEFAULT_SOURCE
    if session_name.endswith("-mfa") and len(session_name) > 4:
        return session_name[:-4]
    return None
