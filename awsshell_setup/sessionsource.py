"""The long-term keys a new MFA session (or a per-role AssumeRole) is signed with: the one place
that says which kinds of source profile awsmfa serves, and refuses the others in one line that
names the reason and the way out (docs/roles.md, "Sources").

Served: a profile with an IAM user's keys (`aws_access_key_id` and `aws_secret_access_key`, in
either file), including a role profile that names itself as `source_profile` and holds its own
keys. Refused, before any code is asked for or anything written:
- keys from `credential_process`: awsmfa does not run that process (yet);
- an IAM Identity Center (SSO) or console-login source: those sign-ins carry their own MFA;
- a session profile awsmfa wrote (its keys end with the session; the source is behind it).

The seam: sts.AwsClients takes the keys as an object with `name`, `access_key_id` and
`secret_access_key` (and `mfa_serial`, `mfa_serial_origin`, `region`), which is what
`long_term_keys` returns. A later change can get them from `keyprocess.long_term_keys(...)` for
a credential_process source, run only when a new MFA session is needed, by replacing the
refusal in `_refusal` with that call; nothing downstream changes.
"""
from .errors import ProfileProblem
from .profiles import KEY_ID, SOURCE_KEY

SSO_KEYS = ("sso_session", "sso_start_url", "sso_account_id", "sso_role_name", "sso_region")


def long_term_keys(files, name):
    """The source profile `name` as a profiles.SourceProfile (its keys, MFA device, region); or
    one line (ProfileProblem) for a source awsmfa does not serve."""
    why = _refusal(files, name)
    if why:
        raise ProfileProblem(why)
    return files.source_profile(name)


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
    if config.get("credential_process") or credentials.get("credential_process"):
        return (f"profile [{name}] gets its keys from credential_process, which awsmfa does not run: put the IAM "
                f"user's access keys in [{name}] of {files.show(files.credentials_path)} (or point "
                "source_profile at a profile that has them)")
    if any(key in config for key in SSO_KEYS):
        return (f"profile [{name}] signs in through IAM Identity Center (SSO), whose sign-in does the MFA: "
                f"awsmfa has nothing to add; run `aws sso login --profile {name}` and use the profile as it is")
    if config.get("login_session"):
        return (f"profile [{name}] signs in with `aws login` (a browser sign-in that does the MFA): awsmfa has "
                "nothing to add; use the profile as it is")
    return ""
