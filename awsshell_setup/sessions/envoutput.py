"""What `env` prints: shell code for eval, or credential_process JSON. Nothing secret elsewhere."""
from ..core import timeutil


# Keys an earlier `mfa` (or another tool) may have exported: for a role they must go, since
# botocore and every SDK take exported keys before AWS_PROFILE.
KEY_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
# botocore (CLI v1, boto3) takes its profile from AWS_DEFAULT_PROFILE before AWS_PROFILE: one
# left in the shell would keep every v1 and boto3 call on the long-term user after `mfa`. `env`
# and `exec` remove it (when it is there) rather than export it next to AWS_PROFILE: an
# AWS_DEFAULT_PROFILE exported by awsmfa would in turn silently beat the user's next
# `export AWS_PROFILE=...`, and v2 ignores it anyway. Its value is not lost to awsmfa: it chose
# the source from it (rules.ambient_profile), and `awsmfa unset` has none to put back.
DEFAULT_PROFILE_VARIABLE = "AWS_DEFAULT_PROFILE"
# The seconds before AWS_CREDENTIAL_EXPIRATION from which `mfa` asks for a new code (the
# reuse margin of the session that ends then): the shell's warning starts there
# (docs/ARCHITECTURE.md §4). Not secret, and no tool but awsmfa's prompt helper reads it.
MARGIN_VARIABLE = "AWSMFA_REUSE_MARGIN"
# Every variable `env` may export (a role exports the first and the last two): what `unset`
# removes.
EXPORTED_VARIABLES = ("AWS_PROFILE",) + KEY_VARIABLES + ("AWS_CREDENTIAL_EXPIRATION", MARGIN_VARIABLE)


# AWS_CREDENTIAL_EXPIRATION: the name AWS CLI v2 and aws-vault use for the session's end.
def variables(outcome):
    creds = outcome.credentials
    if outcome.renewing_profile:
        # A role: only the self-renewing profile (its credential_process renews the one-hour
        # role session without a code), and when this shell will next need a code. Exported
        # keys would win over it and die at the hour. See docs/roles.md, "Where role sessions go".
        return [("AWS_PROFILE", outcome.renewing_profile),
                ("AWS_CREDENTIAL_EXPIRATION", timeutil.format_utc(outcome.code_due)),
                (MARGIN_VARIABLE, str(int(outcome.code_due_margin)))]
    return [
        ("AWS_PROFILE", outcome.session_profile),
        ("AWS_ACCESS_KEY_ID", creds.access_key_id),
        ("AWS_SECRET_ACCESS_KEY", creds.secret_access_key),
        ("AWS_SESSION_TOKEN", creds.session_token),
        ("AWS_CREDENTIAL_EXPIRATION", timeutil.format_utc(creds.expiration)),
        (MARGIN_VARIABLE, str(int(outcome.margin))),
    ]


def changes(outcome, environ=None):
    """(names to remove, (name, value) pairs to set): what `env` does to a shell, and `exec` to
    the command's environment. A role removes the keys an earlier `mfa` exported (they would
    win over AWS_PROFILE); AWS_DEFAULT_PROFILE goes when `environ` (the shell's, as awsmfa
    inherited it) has it, so the exported profile wins in every botocore version."""
    removed = KEY_VARIABLES if outcome.renewing_profile else ()
    if environ is not None and DEFAULT_PROFILE_VARIABLE in environ:
        removed = (DEFAULT_PROFILE_VARIABLE,) + removed
    return removed, variables(outcome)


def shell_code(outcome, shell, environ=None):
    removed, assigned = changes(outcome, environ)
    # First the unset, last an assignment: `mfa` returns the status of the last line it sources.
    return (shell.unsets(removed) if removed else "") + shell.exports(assigned)


def credential_process_json(outcome):
    import json  # not needed by the shell-code path

    creds = outcome.credentials
    answer = {
        "Version": 1,
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
        "SessionToken": creds.session_token,
        "Expiration": timeutil.format_utc(creds.expiration),
    }
    if outcome.last_resort:
        # No code to renew with (rules.without_sdk_margin): keys without an Expiration
        # are held by the SDK as they are, not fetched again before every call near their end.
        del answer["Expiration"]
    return json.dumps(answer) + "\n"


def time_left(credentials):
    """(seconds left, the end as people read it: '2026-11-28 06:37 UTC'): one format for the
    summary line of env/login and for status."""
    seconds = (credentials.expiration - timeutil.now()).total_seconds()
    return seconds, credentials.expiration.strftime("%Y-%m-%d %H:%M UTC")


def summary_lines(outcome, environ):
    """The lines for stderr (each to be prefixed `awsmfa: `): where the session is, whether it
    is new, reused or renewed, and how long it lasts. No secrets; every name from a user's file
    or AWS escaped (paths.printable, docs/ARCHITECTURE.md §4)."""
    from ..core.paths import display, printable

    seconds, until = time_left(outcome.credentials)
    left = timeutil.describe_span(seconds)
    where = display(outcome.credentials_path, environ)
    source, stored = printable(outcome.source, line=True), printable(outcome.session_profile or "", line=True)
    if outcome.role_arn:
        return _role_lines(outcome, source, stored, where, until, left)
    verb = "reusing session" if outcome.reused else "new session"
    if outcome.unstored:
        return [f"{verb} from [{source}], until {until} ({left} left), not stored in {where}"]
    return [f"{verb} in profile [{stored}] of {where}, from [{source}], until {until} ({left} left)"]


def _role_lines(outcome, source, stored, where, until, left):
    """Two short lines for a role: the session (new: made with a code; renewed: made with no
    code, on the stored MFA session; or reused) and until when, then who renews it next."""
    from ..core.paths import printable

    role, mfa = printable(outcome.role_arn, line=True), printable(outcome.mfa_profile or "", line=True)
    if outcome.reused:
        how = "reusing session"
    elif outcome.serial is None and outcome.mfa_profile:
        how = "renewed session"  # no code: the stored MFA session paid for it
    else:
        how = "new session"
    first = f"role [{source}] ({role}): {how} [{stored}], until {until} ({left} left)"
    if outcome.unstored:
        first += f", not stored in {where}"
    renewing = printable(outcome.renewing_profile or "", line=True)
    if outcome.renewing_profile and not outcome.mfa_profile:
        # per-role: no MFA session behind it, so each renewal of the role session needs a code.
        return [first, f"[{renewing}] renews it, asking for a code each time"]
    if outcome.mfa_profile and outcome.mfa_expiration:
        ends = outcome.mfa_expiration.strftime("%Y-%m-%d %H:%M UTC")
        who = f"[{renewing}] renews it" if outcome.renewing_profile else "it is renewed"
        return [first, f"{who} with no code until MFA session [{mfa}] ends at {ends}"]
    return [first]


def unstored_warning(outcome):
    """One line for stderr when `env` prints a session it could not store; None otherwise."""
    if not outcome.unstored:
        return None
    return (f"warning: the session is printed but not stored ({outcome.unstored}); "
            "the next run asks for a code again")
