"""The rules every session follows, plain or role: its name, when a stored one is reused, the
turn at the prompt, which MFA device, and what a run hands back (Outcome).

mfasession.py (plain sessions, and the entry points) and assumerole.py (role sessions) both build on
these; neither imports the other's way round (docs/ARCHITECTURE.md §1: no import cycles).
No botocore, click, re or json: the cached path of `awsmfa env` imports this module.
"""
from ..core import fileio, timeutil
from ..core.errors import ProfileProblem


DEFAULT_SOURCE = "default"
DEFAULT_DURATION = 43200
# Reuse a stored session while this much is left: aws-vault's 5 minutes, but never more than a
# tenth of the session, or 900 s sessions would be useless (the AWS CLI's 15 min: aws-cli #5880).
REUSE_MARGIN_SECONDS = 300
REUSE_MARGIN_FRACTION = 0.1
# For `env --json` (credential_process): botocore runs the process again before every request
# once the credentials it holds have under 15 minutes left (RefreshableCredentials' advisory
# refresh timeout; 10 minutes is its mandatory one). Renew before that, with a minute to spare,
# so the SDK gets a session it keeps: one run per session, not one per call. Only when the
# session is long enough (twice that margin) for a renewal to buy real quiet: a 900 s session
# is due for botocore from the start, and renewing it on every call would ask for a code on
# every call. Such short sessions are answered from the cache, without a prompt, until the
# ordinary margin.
SDK_REFRESH_MARGIN_SECONDS = 15 * 60 + 60
# The variables naming the profile, in the order botocore reads them (its `profile` setting,
# configprovider: AWS_DEFAULT_PROFILE first, then AWS_PROFILE; AWS CLI v2 reads only the second).
PROFILE_VARIABLES = ("AWS_DEFAULT_PROFILE", "AWS_PROFILE")
# How long a caller waits while another awsmfa asks for a code (AWSMFA_PROMPT_WAIT overrides).
PROMPT_WAIT_SECONDS = 300


class Outcome:
    """A usable session and where it came from. `unstored`: why a new session could not be
    written to the credentials file (None when it was, or was reused from there). `duration`:
    the session's length in seconds (None: the default), which sets its reuse margin."""

    def __init__(self, credentials, source, session_profile, reused, credentials_path, source_how="",
                 serial=None, serial_how=None, unstored=None, duration=None):
        self.credentials, self.source, self.session_profile = credentials, source, session_profile
        self.reused, self.credentials_path, self.source_how = reused, credentials_path, source_how
        self.serial, self.serial_how, self.unstored = serial, serial_how, unstored
        # A role session's (assumerole._outcome): its role, the config profile that renews it,
        # the MFA session it is renewed from, and when a code is next needed.
        self.role_arn = self.renewing_profile = self.mfa_profile = self.mfa_expiration = None
        self.renewing_problem = None  # why the self-renewing profile could not be written
        # Served as the last resort (without_sdk_margin): `env --json` gives no Expiration.
        self.last_resort = False
        # The seconds before its end from which this session is renewed (reuse_margin). For a
        # role, `mfa` next asks for a code once the session that ends at code_due has no more
        # than code_due_margin left (the shell's warning, docs/ARCHITECTURE.md §4).
        self.margin = self.code_due_margin = reuse_margin(duration)
        self.code_due = credentials.expiration


def ambient_profile(environ):
    """(name, variable) of the profile a CLI v1 or boto3 client started in `environ` uses, read
    as botocore reads it; ("", None) when neither variable names one."""
    for variable in PROFILE_VARIABLES:
        value = (environ.get(variable) or "").strip()
        if value:
            return value, variable
    return "", None


class StoredSession:
    """A session as the credentials file holds it, and the one rule for serving it: every
    "still good?" of env, env --json, login and the role flow is asked of this type."""

    __slots__ = ("name", "credentials", "duration")

    def __init__(self, name, credentials, duration):
        self.name, self.credentials, self.duration = name, credentials, duration

    @classmethod
    def read(cls, files, name, source, role_arn=None, made_from=None):
        """The session stored in [name], when it is ours, from `source`, for that role and
        plan, complete and believable (profiles.AwsFiles.cached_session); else None. It may
        have ended: ask `reusable` or `alive`."""
        found = files.cached_session(name, source, role_arn=role_arn, made_from=made_from)
        return None if found is None else cls(name, *found)

    def seconds_left(self):
        return (self.credentials.expiration - timeutil.now()).total_seconds()

    def alive(self):
        return self.seconds_left() > 0

    def reusable(self, credential_process=False):
        """More than its reuse margin left (reuse_margin: the SDK's window for `env --json`)."""
        return self.seconds_left() > reuse_margin(self.duration, credential_process)

    def servable(self, request):
        """What the request asks of it: reusable, or (the last resort of `env --json` with no
        terminal to renew on: without_sdk_margin) merely alive."""
        if request.last_resort:
            return self.alive()
        return self.reusable(request.credential_process)


def session_profile_for(source):
    """`mfa` for the default profile (the seed's name); `NAME-mfa` otherwise, so two accounts
    never overwrite each other's session."""
    return "mfa" if source == DEFAULT_SOURCE else f"{source}-mfa"


def without_sdk_margin(request):
    """For `env --json` (not forced): a copy of `request` for the last resort, whose cached
    session is served to its true end (StoredSession.alive, not a margin) when a renewal would
    need a code and there is no terminal to ask on, so a script's AWS calls keep working until
    the keys really end; else None. Such an answer carries no Expiration (render): botocore
    then holds the keys as they are instead of running the process again before every call
    once they are inside its 15-minute refresh window (20 calls would be 20 runs), and the SDK
    fails only when AWS refuses the keys at their end, when no code could be had anyway."""
    if not request.credential_process or request.force:
        return None
    import copy

    last = copy.copy(request)
    last.credential_process = False
    last.last_resort = True
    return last


def reuse_margin(duration, credential_process=False):
    """Seconds a stored session of `duration` must still have to be reused."""
    duration = duration or DEFAULT_DURATION
    if credential_process and duration >= 2 * SDK_REFRESH_MARGIN_SECONDS:
        return SDK_REFRESH_MARGIN_SECONDS
    return min(REUSE_MARGIN_SECONDS, REUSE_MARGIN_FRACTION * duration)


def prompt_turn(files, environ):
    """One turn at a time at the prompt, per credentials file: parallel callers (Terraform
    running credential_process, two tabs) take turns, and each later one finds the session
    the one before it stored, instead of asking for a code that only one of them can spend.
    The caller looks at the stored session again once it holds the turn."""
    from .sts import seconds_setting

    wait = seconds_setting(environ, "AWSMFA_PROMPT_WAIT", PROMPT_WAIT_SECONDS)
    fileio.ensure_folder(files.credentials_path)
    return fileio.turn(files.credentials_path, wait, on_wait=lambda: _say(
        f"waiting for another awsmfa that is asking for an MFA code (up to {wait:g} s)"),
        busy=f"another awsmfa is still asking for an MFA code after {wait:g} s; "
             "answer it (or press Ctrl-C there) and try again")


def _say(line):
    import sys

    sys.stderr.write(f"awsmfa: {line}\n")
    sys.stderr.flush()


def mfa_device(request, source, aws, chain=None, environ=None):
    """The one place the MFA device is chosen: (serial, where it came from).

    --serial-number; for a role (`chain`, a roleprofiles.RoleChain), the device botocore would use for
    the one call signed with the user's keys: the mfa_serial of the first hop (botocore's
    AssumeRoleProvider sends each hop's own mfa_serial with that hop's call, and only the first
    is signed with the user's keys: GetSessionToken stands in for it in shared mode), else the
    nearest mfa_serial down the chain; then the source's mfa_serial (config), aws_mfa_device
    (credentials); then IAM's list: one device, or the one the user picks on the terminal among
    several (devicechoice.py, which may remember it as mfa_serial; without a terminal it refuses
    with the list). environ: the run's, for the terminal's config file."""
    if request.serial_number:
        return request.serial_number, "--serial-number"
    if chain is not None:
        first = chain.hops[0]
        if first.mfa_serial:
            return first.mfa_serial, f"mfa_serial of profile [{first.profile}]"
        if chain.mfa_serial:
            return chain.mfa_serial, f"mfa_serial of profile [{chain.mfa_serial_profile}]"
    if source.mfa_serial:
        return source.mfa_serial, source.mfa_serial_origin
    devices = aws.list_mfa_devices()
    if not devices:
        raise ProfileProblem(f"no MFA device is assigned to the user of profile [{source.name}]",
                             hint="assign one in the IAM console, or pass --serial-number ARN")
    if len(devices) > 1:
        import os

        from . import devicechoice

        return devicechoice.choose(devices, source.name, os.environ if environ is None else environ)
    return devices[0], "found with iam:ListMFADevices"
