"""Long-term keys from a secret store: a source profile's `credential_process` (pass, 1Password's
`op`, macOS's `security`, a keyring helper), run only when a new MFA session is needed.

botocore accepts such a profile as a source; so does awsmfa, on these terms:
- it runs only here, when GetSessionToken is about to be called: never on the cached path
  (fastpath does not import this module), never for a reused session;
- it is split into words as botocore splits it (shlex, no shell) and run directly, so one
  config line works for both, as userprogram.py runs a program the user configured: within
  TIMEOUT_SECONDS (AWSMFA_KEY_PROCESS_TIMEOUT overrides), its stdin and stderr the terminal
  when there is one, so a store can ask for its passphrase or a touch (gpg's pinentry, `op
  signin`);
- its stdout is the credential_process JSON (Version 1: AccessKeyId, SecretAccessKey), as the
  AWS CLI documents it ("Sourcing credentials with an external process",
  https://docs.aws.amazon.com/cli/v1/userguide/cli-configure-sourcing-external.html). A
  SessionToken there is refused: GetSessionToken must be called with an IAM user's own
  long-term keys;
- the keys live in memory only: awsmfa never writes them anywhere, and its messages, the
  debug trace and tracebacks name the program only, never its arguments or its output.
"""
import json
import os
import shlex

from . import userprogram
from ..core.debug import log
from ..core.errors import AwsmfaError, ProfileProblem
from .profiles import PROCESS_KEY

TIMEOUT_VARIABLE = "AWSMFA_KEY_PROCESS_TIMEOUT"
TIMEOUT_SECONDS = 60.0  # a store may ask for its passphrase or a fingerprint first
MAX_OUTPUT_BYTES = 64 * 1024  # the JSON is a few hundred bytes; more is no answer of a store


class LongTermKeys:
    """An IAM user's access key, as a source profile holds it: access_key_id,
    secret_access_key. repr hides the secret."""

    __slots__ = ("access_key_id", "secret_access_key")

    def __init__(self, access_key_id, secret_access_key):
        self.access_key_id, self.secret_access_key = access_key_id, secret_access_key

    def __repr__(self):
        return f"LongTermKeys(access_key_id={self.access_key_id!r})"


def process_of(files, profile_name):
    """The credential_process of the profile's config section, or None."""
    value = ((files.config_section(profile_name) or {}).get(PROCESS_KEY) or "").strip()
    return value or None


def source_profile(files, profile_name, environ=None):
    """The profiles.SourceProfile of a profile whose keys come from its credential_process: the
    keys from the program (run now), mfa_serial and region from its config section, as
    AwsFiles.source_profile reads them for keys in the credentials file. For the session code
    to call only once a new MFA session is certain."""
    from .profiles import SourceProfile

    command = process_of(files, profile_name)
    if command is None:
        raise ProfileProblem(f"profile [{profile_name}] has no {PROCESS_KEY}")
    keys = long_term_keys(profile_name, command, files.environ if environ is None else environ)
    config = files.config_section(profile_name) or {}
    serial = (config.get("mfa_serial") or "").strip() or None
    region = (config.get("region") or "").strip() or None
    origin = f"mfa_serial in {files.show(files.config_path)}" if serial else None
    return SourceProfile(profile_name, keys.access_key_id, keys.secret_access_key, serial, origin, region)


def long_term_keys(profile_name, command, environ=None):
    """Run `command` (the profile's credential_process) and return its LongTermKeys. Raises
    AwsmfaError kinds, in one line each, naming the profile and the program only."""
    environ = os.environ if environ is None else environ
    argv = _argv(profile_name, command)
    from .sts import seconds_setting

    timeout = seconds_setting(environ, TIMEOUT_VARIABLE, TIMEOUT_SECONDS)
    log("running the credential_process of profile [%s] (program %s, at most %g s)", profile_name, argv[0], timeout)
    output = _run(profile_name, argv, environ, timeout)
    keys = _parse(profile_name, output)
    log("the credential_process of profile [%s] gave access key %s", profile_name, keys.access_key_id)
    return keys


def _what(profile_name):
    return f"the credential_process of profile [{profile_name}]"


def _argv(profile_name, command):
    try:
        words = shlex.split(command)
    except ValueError:  # an unclosed quote: botocore cannot split it either
        raise ProfileProblem(f"cannot split {_what(profile_name)} into words", hint="close its quotes") from None
    if not words:
        raise ProfileProblem(f"{_what(profile_name)} is empty")
    return words


def _run(profile_name, argv, environ, timeout):
    try:
        status, output = userprogram.run(argv, environ, timeout, argv[0])
    except userprogram.Unrunnable as error:
        raise ProfileProblem(f"{_what(profile_name)} {error.why}",
                             hint="install it, or fix credential_process in the config file") from None
    except userprogram.TimedOut:
        raise AwsmfaError(f"{_what(profile_name)} gave no keys within {timeout:g} s",
                          hint=f"is it waiting for a passphrase or a touch? {TIMEOUT_VARIABLE} sets the "
                               "limit") from None
    if status < 0:
        raise AwsmfaError(f"{_what(profile_name)} was killed by signal {-status}")
    if status != 0:
        raise AwsmfaError(f"{_what(profile_name)} failed with exit status {status}",
                          hint="run it yourself to see why")
    return output


def _parse(profile_name, output):
    """LongTermKeys from the JSON; every refusal names what is wrong, never a value."""
    bad = ProfileProblem(f"{_what(profile_name)} did not print credential_process JSON",
                         hint='it must print {"Version": 1, "AccessKeyId": ..., "SecretAccessKey": ...}')
    if len(output) > MAX_OUTPUT_BYTES:
        raise bad
    try:
        answer = json.loads(output.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise bad from None
    if not isinstance(answer, dict):
        raise bad
    if answer.get("Version") != 1:
        raise ProfileProblem(f"{_what(profile_name)} printed JSON of Version {_shown(answer.get('Version'))}; "
                             "awsmfa reads Version 1, as the AWS CLI does")
    if answer.get("SessionToken"):
        raise ProfileProblem(f"{_what(profile_name)} gave session credentials (a SessionToken); GetSessionToken "
                             "needs an IAM user's own long-term keys",
                             hint="store the user's access key in the secret store, not a session")
    key_id, secret = answer.get("AccessKeyId"), answer.get("SecretAccessKey")
    if not (isinstance(key_id, str) and key_id.strip() and isinstance(secret, str) and secret.strip()):
        raise ProfileProblem(f"{_what(profile_name)} printed no AccessKeyId and SecretAccessKey",
                             hint="awsmfa needs the long-term keys of an IAM user")
    return LongTermKeys(key_id.strip(), secret.strip())


def _shown(value):
    """A Version for a message: a small number as it is, anything else by its type only."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 1000:
        return str(value)
    return "(none)" if value is None else f"({type(value).__name__})"
