"""The one job behind `env` and `login`: a valid MFA session, reused or fresh.

A role profile (roleprofiles.py) is handed to assumerole.py, which builds its role session on the MFA
session of its source profile, made or reused here by the same rules.

Order matters for the user's sake: everything that can be checked locally (the code's
format, the files, the profiles) is checked before the prompt, and the prompt comes before
any call, so a mistake costs neither a code nor a write.
"""
import os

from ..core import fileio, roothome, timeutil
from . import sourcekeys
from ..core.debug import log
from ..core.errors import AwsmfaError, FileProblem, NoTerminal, UsageError
from ..core.inifile import check_section_name
from ..core.paths import printable
from .profiles import AwsFiles
from .resolve import choose_profile, plan
from .rules import DEFAULT_DURATION, Outcome, StoredSession, mfa_device, prompt_turn, without_sdk_margin

MIN_DURATION, MAX_DURATION = 900, 129600  # what GetSessionToken's DurationSeconds accepts


class Request:
    """What the user asked for (the options of `env` and `login`)."""

    def __init__(self, profile=None, update_profile=None, serial_number=None, token_code=None,
                 duration_seconds=DEFAULT_DURATION, force=False, credential_process=False, role_mfa=None,
                 renewing_profile=False, token_command=None):
        self.profile, self.update_profile, self.serial_number = profile, update_profile, serial_number
        self.token_code, self.duration_seconds, self.force = token_code, duration_seconds, force
        # --token-command (None: not given; '': ask on the terminal): codesource.py.
        self.token_command = token_command
        # For an SDK that refreshes on its own schedule (`env --json`): see reuse_margin.
        self.credential_process = credential_process
        # Roles only: how the role gets its MFA (--role-mfa), and whether the caller needs the
        # self-renewing config profile (shell code and login name it; `env --json` is it).
        self.role_mfa, self.renewing_profile = role_mfa, renewing_profile
        # Serve a stored session to its very end (rules.without_sdk_margin).
        self.last_resort = False


# What status.py (and older callers) call by these names: the plan's own functions.
choose_source = choose_profile


def validate_duration(seconds):
    if not MIN_DURATION <= seconds <= MAX_DURATION:
        raise UsageError(f"--duration-seconds must be between {MIN_DURATION} and {MAX_DURATION} (got {seconds})")
    return seconds


def cached(files, request, the_plan=None):
    """The stored session when it may be reused, without any network call; else None.
    the_plan: the request's resolve.Plan on these files, when the caller has it.

    Also the whole of the fast path of `awsmfa env` (fastpath.py): keep it free of botocore.
    """
    if request.force:
        return None
    the_plan = the_plan or plan(files, request)
    if the_plan.is_role:
        from . import assumerole

        return assumerole.cached(files, request, the_plan, request.renewing_profile)
    stored = StoredSession.read(files, the_plan.session_name, the_plan.source)
    if stored is None:
        log("no reusable session in [%s] for source [%s]", the_plan.session_name, the_plan.source)
        return None
    if not stored.servable(request):
        log("session in [%s] has %d s left, under the reuse margin: renewing", stored.name, stored.seconds_left())
        return None
    log("reusing session in [%s]: %s left", stored.name, timeutil.describe_span(stored.seconds_left()))
    outcome = Outcome(stored.credentials, the_plan.source, stored.name, True, files.credentials_path, the_plan.how,
                      duration=stored.duration)
    outcome.last_resort = request.last_resort
    return outcome


def obtain(request, environ=None, ask_code=None, keep_unstored=False):
    """A valid session: the cached one, or a new one from STS written to the session profile.

    The request is resolved once (resolve.plan) and every step after takes that plan: a
    straight descent, docs/ARCHITECTURE.md §3.

    keep_unstored: when the new session cannot be written (a full disk, a file changed under
    us), return it all the same with `unstored` saying why (`env` prints it: the code is spent
    and the session is good). Else that is an error saying the code is spent (`login`).
    """
    environ = os.environ if environ is None else environ
    roothome.check(environ)  # before any file is read or program run: root in another's HOME
    validate_duration(request.duration_seconds)
    files = AwsFiles(environ)
    log("credentials file: %s; config file: %s", files.credentials_path, files.config_path)
    the_plan = plan(files, request)
    log("%r", the_plan)
    if the_plan.is_role:
        from . import assumerole

        return assumerole.obtain(request, environ, files, the_plan, ask_code, keep_unstored)
    reused = cached(files, request, the_plan)
    if reused is not None:
        return reused

    # Keys, or a secret store's source whose keys are fetched only once a code is about to be
    # spent (sourcekeys.keys_ready, in _new_session): nothing runs for a reused session.
    source = sourcekeys.long_term_keys(files, the_plan.source, environ)
    session_name = check_section_name(the_plan.session_name, "session profile")
    files.check_session_target(session_name, the_plan.source)
    # A code spent on a session that cannot be stored is a code wasted: check before asking.
    fileio.check_writable(files.credentials_path)
    from . import codesource

    codes = codesource.choose(request, environ, codesource.mfa_process(files, [the_plan.source]))

    from .sts import AwsClients  # botocore: only now that a call is certain

    aws = AwsClients(source, environ)  # builds the STS client: its settings are checked now
    ordinary = without_sdk_margin(request)  # rules: the no-terminal fallback of `env --json`
    fallback = cached(files, ordinary, the_plan) if ordinary else None
    with prompt_turn(files, environ):
        if not request.force:
            # Another awsmfa may have stored it while this one waited: the same plan, new files.
            reused = cached(AwsFiles(environ), request, the_plan)
            if reused is not None:
                log("another awsmfa stored a session in [%s] while this one waited", reused.session_profile)
                return reused
        try:
            return _new_session(request, environ, files, aws, source, the_plan.how, session_name, codes, ask_code,
                                keep_unstored)
        except NoTerminal:
            if fallback is None:
                raise
            log("no terminal to ask for a code: serving the stored session early renewal passed over")
            return fallback


def _new_session(request, environ, files, aws, source, source_how, session_name, codes, ask_code, keep_unstored):
    """Get the code (codes: codesource.CodeSource), call STS, store the session. Called holding
    the turn to prompt."""
    sourcekeys.keys_ready(source, None if ask_code else codes)  # a secret store runs here, if any
    serial, serial_how = mfa_device(request, source, aws, environ=environ)
    log("MFA device %s (%s)", printable(serial, line=True), printable(serial_how, line=True))
    aws.device = (serial, serial_how)  # for the message if AWS does not know it as the user's
    code = codes.code(serial, ask_code)
    credentials = aws.get_session_token(serial, code, request.duration_seconds)

    from .profiles import write_session

    try:
        path = write_session(environ, session_name, credentials, source, request.duration_seconds)
    except AwsmfaError as error:
        if not keep_unstored:
            raise FileProblem(f"AWS issued a session but awsmfa could not store it: {error}; "
                              "that MFA code is spent, so fix this and use the next code")
        log("session not stored: %s", error)
        return Outcome(credentials, source.name, session_name, False, files.credentials_path, source_how,
                       serial, serial_how, unstored=str(error), duration=request.duration_seconds)
    return Outcome(credentials, source.name, session_name, False, path, source_how, serial, serial_how,
                   duration=request.duration_seconds)


def forget(profile=None, update_profile=None, environ=None):
    """Remove the session profile `env`/`login` would use: (its name, whether it was there, the
    role sessions removed with it, a line for each changed config profile kept).

    The same choice of names as `obtain`, so `awsmfa logout` undoes `awsmfa login` with the
    same options. Only a section awsmfa wrote is removed (profiles.check_removable refuses others).
    For a plain source, the role sessions made from its MFA session and their self-renewing
    config profiles go too (rolestore.remove_with_role_sessions): logging out leaves no role
    keys behind. For a role profile, its self-renewing config profile goes too (the shared MFA
    session of its source stays: other roles use it): rolestore.remove_role_session.
    """
    environ = os.environ if environ is None else environ
    roothome.check(environ)
    files = AwsFiles(environ)
    the_plan = plan(files, Request(profile, update_profile))
    name = check_section_name(the_plan.session_name, "session profile")
    from . import rolestore

    if not the_plan.is_role:
        removed, role_sessions, kept = rolestore.remove_with_role_sessions(environ, name)
        return name, removed, role_sessions, kept
    removed, kept = rolestore.remove_role_session(environ, name, the_plan.profile)
    return name, removed, [], kept
