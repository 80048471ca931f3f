"""What `env` prints: shell code for eval, or credential_process JSON. Nothing secret elsewhere."""
from . import timeutil


# AWS_CREDENTIAL_EXPIRATION: the name AWS CLI v2 and aws-vault use for the session's end.
def variables(outcome):
    creds = outcome.credentials
    return [
        ("AWS_PROFILE", outcome.session_profile),
        ("AWS_ACCESS_KEY_ID", creds.access_key_id),
        ("AWS_SECRET_ACCESS_KEY", creds.secret_access_key),
        ("AWS_SESSION_TOKEN", creds.session_token),
        ("AWS_CREDENTIAL_EXPIRATION", timeutil.format_utc(creds.expiration)),
    ]


def shell_code(outcome, shell):
    return shell.exports(variables(outcome))


def credential_process_json(outcome):
    import json  # not needed by the shell-code path

    creds = outcome.credentials
    return json.dumps({
        "Version": 1,
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
        "SessionToken": creds.session_token,
        "Expiration": timeutil.format_utc(creds.expiration),
    }) + "\n"


def summary(outcome, environ):
    """One line for stderr: where the session is and how long it lasts. No secrets."""
    from .paths import display

    left = timeutil.describe_span((outcome.credentials.expiration - timeutil.now()).total_seconds())
    until = outcome.credentials.expiration.strftime("%Y-%m-%d %H:%M UTC")
    verb = "reusing session" if outcome.reused else "new session"
    where = display(outcome.credentials_path, environ)
    if getattr(outcome, "unstored", None):
        return f"{verb} from [{outcome.source}], until {until} ({left} left), not stored in {where}"
    return f"{verb} in profile [{outcome.session_profile}] of {where}, from [{outcome.source}], until {until} ({left} left)"


def unstored_warning(outcome):
    """One line for stderr when `env` prints a session it could not store; None otherwise."""
    if not getattr(outcome, "unstored", None):
        return None
    return (f"warning: the session is printed but not stored ({outcome.unstored}); "
            "the next run asks for a code again")
