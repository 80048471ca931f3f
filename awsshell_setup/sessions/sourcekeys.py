"""The long-term keys a new MFA session (or a per-role AssumeRole) is signed with: the one place
that says which kinds of source profile awsmfa serves, and refuses the others in one line that
names the reason and the way out (docs/roles.md, "Sources").

Served: a profile with an IAM user's keys (`aws_access_key_id` and `aws_secret_access_key`, in
either file), including a role profile that names itself as `source_profile` and holds its own
keys; and a profile whose keys come from its `credential_process` (a secret store: pass, op,
security), as a ProcessSource whose keys are fetched (keyprocess.py) only by `keys_ready`, which
mfasession.py and assumerole.py call once a new MFA session (or a per-role AssumeRole with a code) is
certain: never for a reused session, never on the cached path, never for logout or status.
Refused, before any code is asked for or anything written:
- an IAM Identity Center (SSO) or console-login source: those sign-ins carry their own MFA;
- a session profile awsmfa wrote (its keys end with the session; the source is behind it).

sts.AwsClients takes the keys as an object with `name`, `access_key_id` and
`secret_access_key` (and `mfa_serial`, `mfa_serial_origin`, `region`): a profiles.SourceProfile,
or a ProcessSource, whose keys are None until `keys_ready` (AwsClients checks its settings
without them).
"""
from ..core.errors import ProfileProblem
from .profiles import KEY_ID, PROCESS_KEY, SOURCE_KEY

SSO_KEYS = ("sso_session", "sso_start_url", "sso_account_id", "sso_role_name", "sso_region")


def long_term_keys(files, name, environ=None):
    """The source profile `name` as a profiles.SourceProfile (its keys, MFA device, region), or
    a ProcessSource (keys still in the store); or one line (ProfileProblem) for a source awsmfa
    does not serve. Runs nothing."""
    why = _refusal(files, name)
    if why:
        raise ProfileProblem(why)
    if _keys_from_process(files, name):
        return ProcessSource(files, name, files.environ if environ is None else environ)
    return files.source_profile(name)


class ProcessSource:
    """A source profile whose keys come from its credential_process: its name, MFA device and
    region (from its config section, as AwsFiles.source_profile reads them) known now, its keys
    (None until then) fetched once by `keys_ready`, held in memory only. repr hides them."""

    def __init__(self, files, name, environ):
        from ..core.inifile import check_section_name

        check_section_name(name, "profile")
        config = files.config_section(name) or {}
        self.name, self.command, self.environ = name, config[PROCESS_KEY], environ
        self.mfa_serial = (config.get("mfa_serial") or "").strip() or None
        self.mfa_serial_origin = f"mfa_serial in {files.show(files.config_path)}" if self.mfa_serial else None
        self.region = (config.get("region") or "").strip() or None
        self.access_key_id = self.secret_access_key = None

    def __repr__(self):
        return f"ProcessSource(name={self.name!r}, fetched={self.access_key_id is not None})"

    def fetch(self):
        if self.access_key_id is None:
            from . import keyprocess

            keys = keyprocess.long_term_keys(self.name, self.command, self.environ)
            self.access_key_id, self.secret_access_key = keys.access_key_id, keys.secret_access_key


def keys_ready(source, codes):
    """The source's keys, now that a call signed with them is certain: a ProcessSource runs its
    credential_process here (once). codes (codesource.CodeSource): when the code would be asked
    on a terminal and there is none, NoTerminal comes first, so the store is not asked for keys
    that no code could use (and `env --json` can serve its last resort untouched)."""
    if isinstance(source, ProcessSource) and source.access_key_id is None:
        if codes is not None:
            codes.check_can_get_code()
        source.fetch()
    return source


def _header(name):
    return "default" if name == "default" else f"profile {name}"


def _keys_from_process(files, name):
    """Whether botocore would take `name`'s keys from its credential_process: no keys of its own
    (keys in either file come first in botocore's chain), a credential_process in its config."""
    credentials = files.credentials.section(name) or {}
    config = files.config_section(name) or {}
    if credentials.get(KEY_ID) or config.get(KEY_ID):
        return False
    return bool((config.get(PROCESS_KEY) or "").strip())


def _refusal(files, name):
    """Why `name` cannot be a source, in words with the way out; '' when it may be."""
    credentials = files.credentials.section(name) or {}
    config = files.config_section(name) or {}
    if config.get(SOURCE_KEY) and config.get("credential_process") and not credentials:
        return f"profile [{name}] is the self-renewing profile awsmfa wrote for [{config[SOURCE_KEY]}]; " \
               f"pass --profile {config[SOURCE_KEY]}"
    if credentials.get(SOURCE_KEY):
        source = credentials[SOURCE_KEY]
        return (f"profile [{name}] is a session awsmfa wrote for [{source}], not long-term keys: use "
                f"[{source}] instead (as source_profile, or --profile {source})")
    if credentials.get(KEY_ID) or config.get(KEY_ID):
        return ""  # keys of its own: botocore uses them first too; source_profile checks them
    if credentials.get(PROCESS_KEY) and not config.get(PROCESS_KEY):
        # keyprocess reads the config file, where the AWS CLI's guide puts it: one place to look.
        return (f"profile [{name}] has credential_process in {files.show(files.credentials_path)}; awsmfa reads "
                f"it from the config file: move it to [{_header(name)}] of {files.show(files.config_path)}")
    if any(key in config for key in SSO_KEYS):
        return (f"profile [{name}] signs in through IAM Identity Center (SSO), whose sign-in does the MFA: "
                f"awsmfa has nothing to add; run `aws sso login --profile {name}` and use the profile as it is")
    if config.get("login_session"):
        return (f"profile [{name}] signs in with `aws login` (a browser sign-in that does the MFA): awsmfa has "
                "nothing to add; use the profile as it is")
    return ""
