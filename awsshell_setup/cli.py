"""The command layer: parse options, call one core function, print. Nothing else lives here.

Every AwsmfaError becomes one line on stderr and its exit code in AwsmfaGroup.invoke; helpers
never exit. stdout is written only once a command has everything it will print.
"""
import os
import sys

import click

from . import __version__, shells
from .sessions import codeprompt, envoutput, mfasession, rules
from .core import debug as debug_output
from .core.debug import log
from .core.errors import AwsmfaError, Cancelled
from .core.paths import printable



class AwsmfaGroup(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (AwsmfaError, KeyboardInterrupt, click.Abort) as error:
            ctx.exit(_said(error))


def _said(error):
    """Say an AwsmfaError (one line) or a cancel; return the exit status."""
    if isinstance(error, AwsmfaError):
        # The one output boundary for errors: a profile name, a path or a device in one may come
        # from a user's file, a program or AWS (docs/ARCHITECTURE.md §4).
        click.echo(f"awsmfa: error: {printable(str(error), line=True)}", err=True)
        return error.exit_code
    click.echo("\nawsmfa: " + str(Cancelled("cancelled")), err=True)
    return Cancelled.exit_code


def _debug(ctx, param, value):
    if value:
        # Our own trace only: botocore's debug log prints response bodies, which hold the secrets.
        debug_output.enabled = True


def debug_option(command):
    """--debug, accepted before the command (awsmfa --debug env) and after it (awsmfa env --debug)."""
    return click.option("--debug", is_flag=True, expose_value=False, is_eager=True, callback=_debug,
                        help="Explain each step on stderr (never secrets).")(command)


def _token(ctx, param, value):
    return None if value is None else _usage(codeprompt.validate, value, param)


def _duration(ctx, param, value):
    return _usage(mfasession.validate_duration, value, param)


def _usage(check, value, param):
    try:
        return check(value)
    except AwsmfaError as error:
        raise click.BadParameter(error.message, param=param)


def _profile_names(ctx, param, incomplete):
    """Tab after --profile/--update-profile: the profiles of the user's credentials and config
    files (AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE honoured), those starting with what
    is typed; for --profile not the session profiles awsmfa wrote, which it refuses there. A
    file that cannot be read or parsed completes nothing: never an error on a Tab."""
    try:
        from .core import roothome
        from .sessions.profiles import AwsFiles

        roothome.check(os.environ)  # root reads no other account's files, not even for a Tab
        files = AwsFiles(os.environ)  # configparser's verdict too: a bad file completes nothing
        names = list(files.credentials.values) + list(files.config_profiles())
        if param.name == "profile":
            names = [name for name in names if files.session_source(name) is None]
    except Exception:  # a Tab must never print a traceback into the command line
        return []
    return sorted({name for name in names if name.startswith(incomplete) and name.strip() == name and name})


def session_options(command):
    """The options `env` and `login` share; names follow `aws configure mfa-login`."""
    decorators = [
        click.option("--profile", metavar="NAME", shell_complete=_profile_names,
                     help="Source profile with your long-term keys, or a role profile (role_arn and "
                          "source_profile). Default: $AWS_DEFAULT_PROFILE, else $AWS_PROFILE (botocore's order) "
                          "unless it is an awsmfa session profile (then that session's source), else 'default'."),
        click.option("--update-profile", metavar="NAME", shell_complete=_profile_names,
                     help="Profile in the credentials file to write the session to. "
                          "Default: 'mfa' for the default profile, else PROFILE-mfa."),
        click.option("--serial-number", metavar="ARN",
                     help="MFA device ARN. Default: mfa_serial in the config file, else aws_mfa_device "
                          "in the credentials file, else the one device iam:ListMFADevices finds."),
        click.option("--token-code", metavar="CODE", callback=_token,
                     help="The six-digit code from the MFA device (wins over any token command). "
                          "Default: from a token command, else asked on the terminal."),
        click.option("--token-command", metavar="COMMAND",
                     help="A command that prints the code, e.g. 'ykman oath accounts code --single NAME' or "
                          "'oathtool --totp -b SEED'; run only when a new session needs a code, for at most 60 s "
                          "($AWSMFA_TOKEN_COMMAND_TIMEOUT), its stderr on the terminal. Split into words as sh "
                          "splits them and run without a shell, unless it uses other shell syntax "
                          "(| & ; < > ( ) $ ` * ? [ ] ~ # ! { }, a line break, or NAME=VALUE first): then "
                          "/bin/sh -c. Default: $AWSMFA_TOKEN_COMMAND, else mfa_process in the profile's "
                          "section of ~/.aws/config (aws-vault's key; a role's, else its source's), else ask "
                          "on the terminal; '' asks on the terminal."),
        click.option("--duration-seconds", type=int, default=rules.DEFAULT_DURATION, show_default=True,
                     callback=_duration, metavar="N",
                     help="MFA session length, 900 to 129600 seconds (a role session's length is "
                          "duration_seconds of its profile)."),
        click.option("--role-mfa", type=click.Choice(["shared", "per-role"]),
                     help="Roles: 'shared' assumes every role with one MFA session (one code for all "
                          "roles; role sessions last 1 h and renew without a code); 'per-role' spends a "
                          "code per role for sessions up to the role's maximum. Default: awsmfa_role_mfa "
                          "in the role profile, else shared."),
        click.option("--force", is_flag=True, help="Get a new session even if the stored one is still valid "
                                                   "(for a role: a new role session; a valid MFA session is reused)."),
        click.option("-q", "--quiet", is_flag=True, help="No summary line on stderr."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def _request(options, renewing_profile):
    return mfasession.Request(profile=options["profile"], update_profile=options["update_profile"],
                              serial_number=options["serial_number"], token_code=options["token_code"],
                              duration_seconds=options["duration_seconds"], force=options["force"],
                              role_mfa=options["role_mfa"], renewing_profile=renewing_profile,
                              token_command=options["token_command"])


@click.group(cls=AwsmfaGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="awsmfa")
@debug_option
def cli():
    """MFA session credentials for the AWS CLI, and AWS CLI completion for bash, zsh and fish.

    \b
    First, once per account:
      awsmfa install           set up your shell: Tab completion for aws, and the `mfa` command
    Then, in any new shell:
      mfa                      ask for the MFA code once, put the session into this shell
                               (the shell function `install` adds; it runs `awsmfa env`)
      aws ec2 stop-instances --instance-ids i-...   now runs with the MFA session
    \b
    Without the shell function:
      eval "$(awsmfa env)"     what `mfa` does
      awsmfa login             write the session to the [mfa] profile only (--profile mfa)
      awsmfa exec -- terraform plan   run one command with the session in its environment
    """


@cli.command()
@session_options
@click.option("--shell", "shell_name", type=click.Choice([*shells.SUPPORTED, "sh"]),
              help="Shell to print code for. Default: the shell running awsmfa, else POSIX export.")
@click.option("--json", "as_json", is_flag=True,
              help="Print credential_process JSON (Version, AccessKeyId, SecretAccessKey, SessionToken, Expiration).")
@debug_option
def env(shell_name, as_json, quiet, **options):
    """Print shell code exporting an MFA session: eval "$(awsmfa env)".

    Reuses the stored session while it is valid (no prompt, no AWS call); otherwise gets the MFA
    code (--token-code, a token command, or asked on the terminal), calls STS GetSessionToken
    and writes the session profile. Exports
    AWS_PROFILE, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
    AWS_CREDENTIAL_EXPIRATION and AWSMFA_REUSE_MARGIN (the seconds before that end from which a
    new code is asked for). On failure prints nothing on stdout and exits non-zero.

    For a role profile: assumes the role with the MFA session of its source (asking for a code
    only when there is none), stores the role session in PROFILE-mfa, writes the config profile
    PROFILE-mfa-auto whose credential_process renews it without a code, and exports
    AWS_PROFILE=PROFILE-mfa-auto and no keys (exported keys would win over it, and a role
    session lasts an hour), with AWS_CREDENTIAL_EXPIRATION = when a code is next needed. With
    --json: the role session, for credential_process.
    """
    request = _request(options, renewing_profile=not as_json)
    request.credential_process = as_json  # renew before the SDK's own refresh window
    outcome = mfasession.obtain(request, keep_unstored=True)
    if as_json:
        text = envoutput.credential_process_json(outcome)
    else:
        if shell_name:
            shell = shells.by_name(shell_name)
        else:
            shell, how = shells.detect_running_shell(os.environ)
            log("printing code for %s (%s)", shell.name, how)
        text = envoutput.shell_code(outcome, shell, os.environ)
    _report(outcome, quiet or as_json)
    _warn(outcome, as_json, "exported")
    click.echo(text, nl=False)


def _warn(outcome, as_json, verb):
    if envoutput.unstored_warning(outcome):  # even with --quiet/--json: the code is spent
        click.echo("awsmfa: " + envoutput.unstored_warning(outcome), err=True)
    elif outcome.renewing_problem and not as_json:
        until = outcome.credentials.expiration.strftime("%H:%M UTC")
        click.echo(f"awsmfa: warning: {outcome.renewing_problem}: {verb} the role session's keys instead, "
                   f"good until {until}; run mfa again then (no code needed until "
                   f"{outcome.code_due.strftime('%H:%M UTC')})", err=True)


@cli.command("exec", context_settings={"allow_interspersed_args": False})
@session_options
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED, metavar="[--] COMMAND [ARGS]...")
@debug_option
def exec_command(quiet, command, **options):
    """Run COMMAND with an MFA session in its environment only.

    \b
      awsmfa exec -- terraform plan
      awsmfa exec --profile ops -q -- aws ec2 describe-instances

    The session is found or made as for `env` (same options, same prompt or token command), and
    COMMAND gets the variables `env` would export (for a role profile: AWS_PROFILE=PROFILE-mfa-auto
    and no keys). awsmfa then becomes COMMAND (same process: signals reach it, its exit status
    is awsmfa's, stdout is its own); the summary goes to stderr (-q: none). Everything after
    COMMAND is its own. A COMMAND not found exits 127 before any code is asked; not executable, 126.
    """
    from .sessions import execcmd

    path = execcmd.find(command[0], os.environ)  # before the session: a typo costs no code
    outcome = mfasession.obtain(_request(options, renewing_profile=True), keep_unstored=True)
    _report(outcome, quiet)
    _warn(outcome, False, "gave the command")
    execcmd.replace_process(path, list(command), execcmd.environment(outcome, os.environ))


@cli.command()
@session_options
@debug_option
def login(quiet, **options):
    """Write an MFA session to the session profile; print a summary on stderr.

    Then use it with --profile mfa (or the name given to --update-profile). For a role profile:
    --profile PROFILE-mfa-auto renews itself without a code while the MFA session lives;
    --profile PROFILE-mfa is the role session itself, for any tool, for its hour.
    """
    outcome = mfasession.obtain(_request(options, renewing_profile=True))
    _report(outcome, quiet)
    if quiet:
        return
    if outcome.renewing_problem:
        click.echo(f"awsmfa: warning: {outcome.renewing_problem}", err=True)
    if outcome.renewing_profile:
        until = outcome.code_due.strftime("%H:%M UTC")
        how = f"renews itself until {until}" if outcome.mfa_profile else "renews it, asking for a code each time"
        click.echo(f"awsmfa: use it with: aws ... --profile {outcome.renewing_profile} ({how}), or --profile "
                   f"{outcome.session_profile} (this role session)", err=True)
    else:
        click.echo(f"awsmfa: use it with: aws ... --profile {outcome.session_profile}", err=True)


@cli.command()
@click.option("--shell", "shell_name", type=click.Choice([*shells.SUPPORTED, "sh"]),
              help="Shell to print code for. Default: the shell running awsmfa, else POSIX.")
@debug_option
def unset(shell_name):
    """Print shell code removing what `env` exported: eval "$(awsmfa unset)".

    Removes AWS_PROFILE, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
    AWS_CREDENTIAL_EXPIRATION and AWSMFA_REUSE_MARGIN from the shell that evaluates it (for fish:
    awsmfa unset | source);
    other variables stay (AWS_DEFAULT_PROFILE, which `env` removes so that its AWS_PROFILE
    wins for AWS CLI v1 and boto3, has no value of awsmfa's to remove). Reads and changes no file: the stored session stays for the next `mfa`
    (`awsmfa logout` removes it).
    """
    if shell_name:
        shell = shells.by_name(shell_name)
    else:
        shell, how = shells.detect_running_shell(os.environ)
        log("printing code for %s (%s)", shell.name, how)
    click.echo(shell.unsets(envoutput.EXPORTED_VARIABLES), nl=False)


@cli.command()
@click.option("--profile", metavar="NAME", shell_complete=_profile_names,
              help="Source profile whose session to remove (as for env/login).")
@click.option("--update-profile", metavar="NAME", shell_complete=_profile_names,
              help="Session profile to remove (as for env/login).")
@click.option("-q", "--quiet", is_flag=True, help="No line on stderr saying what was removed (errors still are).")
@debug_option
def logout(profile, update_profile, quiet):
    """Remove the session profile awsmfa wrote (the undo of login).

    Only that section of the credentials file goes, byte for byte as it came; a profile awsmfa
    did not write is never removed. For a source profile, the role sessions made from its MFA
    session go too, with their config profiles ROLE-mfa-auto (role sessions made with
    --role-mfa per-role stay). For a role profile, its session and config profile
    PROFILE-mfa-auto go; the MFA session of its source stays (logout --profile SOURCE removes
    it). Variables already exported in a shell stay: there, run `mfa --unset` or eval
    "$(awsmfa unset)".
    """
    name, removed, role_sessions, kept = mfasession.forget(profile, update_profile)
    listed = ", ".join(f"[{role_session}]" for role_session in role_sessions)
    if removed and listed:
        said = f"removed session profile [{name}] and the role sessions made from it: {listed}"
    elif removed:
        said = f"removed session profile [{name}]"
    elif listed:
        said = f"no session profile [{name}]; removed the role sessions made from it: {listed}"
    else:
        said = f"no session profile [{name}]; nothing to remove"
    # A profile left in place is said even with --quiet: it is not what was asked for.
    for line in ([] if quiet else [said]) + kept:
        click.echo(f"awsmfa: {line}", err=True)


# --- shell integration: install, uninstall, init, status --------------------------------

_SHELL_CHOICES = [*shells.SUPPORTED, "all"]


def _say(line):
    click.echo(f"awsmfa: {line}", err=True)


def _show(text):
    click.echo(text)


def _confirmer(yes):
    """Ask before writing only when a person is there to answer; --yes never asks."""
    if yes or not (sys.stdin.isatty() and sys.stderr.isatty()):
        return None
    return lambda: click.confirm("awsmfa: go ahead?", default=True, err=True)


def _account_options(command):
    decorators = [
        click.option("--user", metavar="NAME",
                     help="As root: do it all as the account NAME (its rights, home, login PATH; cloud-init, "
                          "fleets). Without it, root works on root's own files only."),
        click.option("--rc-file", metavar="PATH",
                     help="Use this file instead of the shell's usual startup files (one shell)."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def _for_account(user, rc_file, job):
    """Run job(rc_file, False) here, or for --user NAME as root job(rc_file, True) in a child
    process that has become NAME (asuser.py). Returns the exit status. The second argument
    says the job works for another account: without --shell, install and status then take
    NAME's login shell from its passwd entry (scope.login_shell)."""
    from .setup import asuser

    entry = asuser.other_account(user)
    if entry is None:
        return job(rc_file, False)
    if rc_file and not rc_file.startswith("~"):
        rc_file = os.path.abspath(rc_file)  # relative to where root runs it, not to NAME's home
    _say(asuser.describe(entry))

    def in_child():
        try:
            return job(rc_file, True)
        except (AwsmfaError, KeyboardInterrupt, click.Abort) as error:
            return _said(error)

    return asuser.run(entry, in_child)


def _exit(status):
    if status:
        click.get_current_context().exit(status)


@cli.command()
@click.option("--shell", "shell_names", multiple=True, type=click.Choice(_SHELL_CHOICES),
              help="Shell to set up (repeatable, or all). Default: the shell you run awsmfa from; with --user, "
                   "the account's login shell.")
@_account_options
@click.option("--completer", metavar="PATH",
              help="aws_completer to use (a bare name is looked up on PATH at each Tab). Default: found and checked.")
@click.option("--no-completion", is_flag=True, help="Set up the mfa function only, no aws completion.")
@click.option("--dry-run", is_flag=True, help="Print the diff of what would change; write nothing.")
@click.option("-y", "--yes", is_flag=True, help="Never ask (scripts, cloud-init, dotfile bootstrap).")
@debug_option
def install(shell_names, user, rc_file, completer, no_completion, dry_run, yes):
    """Write the mfa function, AWS CLI completion and awsmfa's own into your shell's startup files.

    \b
    bash: a marker block in ~/.bashrc, and in the login file when it does not source ~/.bashrc
    zsh:  a marker block at the end of ${ZDOTDIR:-~}/.zshrc
    fish: ~/.config/fish/functions/mfa.fish and mfa_prompt.fish, completions/aws.fish,
          awsmfa.fish and mfa.fish (files awsmfa owns)

    With it come mfa_prompt, the time left for your prompt (`mfa 3h12m`), and, when
    AWSMFA_WARN is set, a warning before each prompt once `mfa` would ask for a new code (the
    session's last 5 minutes, or last tenth when it is shorter than 50 minutes).
    The block starts no process at shell start. Running it again changes nothing; `awsmfa
    uninstall` removes it byte for byte.
    """
    from .setup import install as installer

    def job(rc, for_account):
        installer.install(shell_names, os.environ, rc_file=rc, completer=completer, completion=not no_completion,
                     dry_run=dry_run, confirm=_confirmer(yes), say=_say, show=_show, for_account=for_account)
        return 0

    _exit(_for_account(user, rc_file, job))


@cli.command()
@click.option("--shell", "shell_names", multiple=True, type=click.Choice(_SHELL_CHOICES),
              help="Shell to clean up (repeatable). Default: all of them.")
@_account_options
@click.option("--dry-run", is_flag=True, help="Print the diff of what would change; write nothing.")
@click.option("-y", "--yes", is_flag=True, help="Never ask.")
@debug_option
def uninstall(shell_names, user, rc_file, dry_run, yes):
    """Remove exactly what install wrote: blocks, and the files it created."""
    from .setup import install as installer

    def job(rc, for_account):
        installer.uninstall(shell_names, os.environ, rc_file=rc, dry_run=dry_run, confirm=_confirmer(yes), say=_say,
                       show=_show)
        return 0

    _exit(_for_account(user, rc_file, job))


@cli.command()
@click.argument("shell_name", metavar="SHELL", type=click.Choice(list(shells.SUPPORTED)))
@click.option("--completer", metavar="PATH",
              help="aws_completer to use; a bare name (aws_completer) is looked up on PATH at each Tab, "
                   "for dotfiles shared between machines. Default: found and checked here.")
@click.option("--no-completion", is_flag=True, help="The mfa function only.")
@debug_option
def init(shell_name, completer, no_completion):
    """Print the block install writes, for a dotfile repository or config.fish.

    \b
      awsmfa init bash >> ~/.bashrc
      awsmfa init zsh --completer aws_completer >> ~/dotfiles/zshrc
      awsmfa init fish >> ~/.config/fish/config.fish
    """
    from .setup import install as installer

    click.echo(installer.init(shell_name, os.environ, completer=completer, completion=not no_completion, say=_say),
               nl=False)


@cli.command()
@click.option("--shell", "shell_names", multiple=True, type=click.Choice(_SHELL_CHOICES),
              help="Shell to check (repeatable, or all). Default: the shells awsmfa is set up for; with --user, "
                   "those and the account's login shell.")
@_account_options
@click.option("--profile", metavar="NAME", shell_complete=_profile_names,
              help="Source profile whose session to report. Default: as `env`.")
@click.option("--keys", is_flag=True,
              help="Also the age of the source profile's access key (one IAM call; a secret store is asked).")
@debug_option
def status(shell_names, user, rc_file, profile, keys):
    """Show what is set up and the session's time left; exit 0 when all is in place, else 1.

    --rc-file without --shell: the shell the block in that file was written for. The key's age
    (--keys) and the session are reported but do not change the exit status."""
    from .setup import status as status_report

    def job(rc, for_account):
        report = status_report.status(shell_names, os.environ, rc_file=rc, profile=profile, for_account=for_account,
                             keys=keys)
        click.echo(report.text, nl=False)
        return 0 if report.ok else 1

    _exit(_for_account(user, rc_file, job))


@cli.command()
@click.option("--profile", metavar="NAME", shell_complete=_profile_names,
              help="Source profile whose access key to replace. Default: as `env`.")
@click.option("--token-code", metavar="CODE", callback=_token,
              help="The MFA code, if a new MFA session is needed. Default: asked on the terminal.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask before replacing the key.")
@debug_option
def rotate(profile, token_code, yes):
    """Replace the profile's access key with a new one (an MFA session makes it), then delete the old.

    A run that stopped halfway (a crash, Ctrl-C, a failed call) is finished by running it again."""
    from .sessions import rotate as rotation

    interactive = sys.stdin.isatty() and sys.stderr.isatty()
    rotation.check_can_ask(yes, interactive)
    confirm = None if yes else (lambda question: click.confirm(f"awsmfa: {question}", default=False, err=True))
    rotation.rotate(os.environ, profile=profile, token_code=token_code, confirm=confirm, say=_say)


def _report(outcome, quiet):
    # The device and the profile names come from a user's file or AWS: escaped (paths.printable).
    serial, serial_how = printable(outcome.serial or "", line=True), printable(outcome.serial_how or "", line=True)
    if outcome.serial_how:
        log("MFA device %s from %s", serial, serial_how)
    if not quiet:
        if outcome.serial and outcome.serial_how != "--serial-number":
            click.echo(f"awsmfa: MFA device {serial} ({serial_how})", err=True)
        for line in envoutput.summary_lines(outcome, os.environ):
            click.echo("awsmfa: " + line, err=True)


def run(argv):
    """Run the CLI; return the exit status. Usage errors become one line, like every other error."""
    if not argv:
        # Bare `awsmfa`: its help, as `awsmfa --help` prints it (click would make it an error).
        argv = ["--help"]
    try:
        status = cli.main(args=argv, prog_name="awsmfa", standalone_mode=False)
    except click.ClickException as error:
        command = " ".join(argv[:1]) if argv and argv[0] in cli.commands else ""
        click.echo(f"awsmfa: error: {error.format_message()} (see: awsmfa {command} --help)".replace("  ", " "),
                   err=True)
        return error.exit_code
    except (KeyboardInterrupt, click.Abort):
        click.echo("\nawsmfa: " + str(Cancelled("cancelled")), err=True)
        return Cancelled.exit_code
    return status if isinstance(status, int) else 0
