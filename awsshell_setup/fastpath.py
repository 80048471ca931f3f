"""`awsmfa env` with a still-valid stored session, answered without click or botocore.

`mfa` runs on every new terminal tab; the cached answer must cost little more than Python's
own start. This parser understands only the options that decide which session to reuse and how
to print it. Anything else (help, a typo, --force, a bad value, no valid session) returns False
and the full click command handles it, so errors and help come from one place.

Both paths must accept the same arguments: a value the fast path does not use (--token-code,
--duration-seconds) is still checked here, with the very functions click's callbacks call
(cli._token, cli._duration), and a bad one goes to click, which refuses it.
"""
import os
import sys

_VALUE_OPTIONS = {"--profile": "profile", "--update-profile": "update_profile", "--shell": "shell",
                  "--duration-seconds": "duration", "--serial-number": None, "--token-code": "token_code",
                  "--role-mfa": "role_mfa",
                  # Run only when a new session needs a code: never here, not even split.
                  "--token-command": None}
_FLAGS = {"--json": "json", "--quiet": "quiet", "-q": "quiet"}


def _parse(args):
    options = {}
    index = 0
    while index < len(args):
        arg = args[index]
        name, eq, value = arg.partition("=")
        if name in _VALUE_OPTIONS:
            if not eq:
                index += 1
                if index >= len(args):
                    return None
                value = args[index]
            if _VALUE_OPTIONS[name]:
                options[_VALUE_OPTIONS[name]] = value
        elif arg in _FLAGS:
            options[_FLAGS[arg]] = True
        else:
            return None
        index += 1
    return options


def _valid_values(options):
    """What click's callbacks would say of --token-code and --duration-seconds (click's int
    type is int(), whitespace and underscores included)."""
    from .sessions import codeprompt, mfasession
    from .core.errors import AwsmfaError

    if options.get("role_mfa", "shared") not in ("shared", "per-role"):  # roleprofiles.ROLE_MFA_CHOICES
        return False
    try:
        if "token_code" in options:
            codeprompt.validate(options["token_code"])
        if "duration" in options:
            mfasession.validate_duration(int(options["duration"]))
    except (AwsmfaError, ValueError):
        return False
    return True


def try_cached_env(argv, environ=None, out=None, err=None):
    """Print the cached session for `env` and return True; False means 'let click do it'."""
    if not argv or argv[0] != "env":
        return False
    from .core import roothome

    if not roothome.fast_path_may_serve(os.environ if environ is None else environ):
        return False  # root in another account's HOME: the full command refuses it (roothome.check)
    options = _parse(argv[1:])
    if options is None:
        return False
    from .sessions import envoutput, mfasession, profiles
    from . import shells
    from .core.errors import AwsmfaError

    environ = os.environ if environ is None else environ
    if options.get("shell") not in (None, *shells.SUPPORTED, "sh") or not _valid_values(options):
        return False
    try:
        files = profiles.AwsFiles(environ, check=False)
        if files.odd:
            return False
        # Shell code for a role names its self-renewing config profile, which must be there;
        # --json is what that profile runs, and needs only the role session.
        outcome = mfasession.cached(files, mfasession.Request(profile=options.get("profile"),
                                                              update_profile=options.get("update_profile"),
                                                              credential_process=bool(options.get("json")),
                                                              role_mfa=options.get("role_mfa"),
                                                              renewing_profile=not options.get("json")))
    except AwsmfaError:
        return False  # the full path reports it properly
    if outcome is None:
        return False
    if options.get("json"):
        text = envoutput.credential_process_json(outcome)
    else:
        shell = shells.by_name(options["shell"]) if options.get("shell") else shells.detect_running_shell(environ)[0]
        text = envoutput.shell_code(outcome, shell, environ)
    (out or sys.stdout).write(text)
    if not options.get("quiet") and not options.get("json"):
        (err or sys.stderr).write("".join(f"awsmfa: {line}\n" for line in envoutput.summary_lines(outcome, environ)))
    return True
