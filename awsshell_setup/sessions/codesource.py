"""Where the MFA code comes from once a new session needs one: the flag, a command, or a person.

The first of these that is set wins:
1. --token-code CODE;
2. --token-command COMMAND;
3. the AWSMFA_TOKEN_COMMAND variable (empty counts as unset);
4. `mfa_process` in the profile's section of the config file, aws-vault's key, so one config
   serves both tools; for a role profile, the nearest one walking down its chain of
   source_profile settings, as aws-vault lets a role inherit its source's;
5. the prompt on the terminal (codeprompt.py).
An empty --token-command ('') skips 3 and 4: ask on the terminal this time.

A command runs only here, when a code is about to be spent: never on the cached path, which
does not import this module (fastpath.py only notices the option). How it runs:
- its words are split as sh splits them (quotes, backslashes: shlex) and the program is run
  directly, found on PATH; a value that uses any other shell syntax (SHELL_SYNTAX, or a first
  word NAME=VALUE) runs with `/bin/sh -c VALUE`, as aws-vault runs every mfa_process;
- as userprogram.py runs a program the user configured: within TIMEOUT_SECONDS
  (AWSMFA_TOKEN_COMMAND_TIMEOUT overrides), its stdin and stderr the terminal when there is one
  (a YubiKey's "touch your key" must reach the user even when awsmfa runs as a
  credential_process), with no terminal in a session of its own, killed whole;
- its stdout must be the code: six digits, spaces between them allowed (codeprompt.validate),
  blanks around it ignored.
The command's words, its output and the code never reach a message, the debug trace or a
traceback: a command may hold a TOTP seed (`oathtool --totp -b SEED`).
"""
import os
import shlex

from . import userprogram
from ..core.debug import log
from ..core.errors import AwsmfaError, UsageError

TOKEN_COMMAND_VARIABLE = "AWSMFA_TOKEN_COMMAND"
TIMEOUT_VARIABLE = "AWSMFA_TOKEN_COMMAND_TIMEOUT"
TIMEOUT_SECONDS = 60.0  # a YubiKey waits 15 s for a touch; a password manager may ask to unlock
MFA_PROCESS_KEY = "mfa_process"
SHELL = "/bin/sh"
# What sh would read differently from a plain split into words: pipes, lists, redirections,
# subshells, expansions, globs, comments, negation, and a line break.
SHELL_SYNTAX = frozenset("|&;<>()$`*?[]~#!{}\n")
MAX_OUTPUT_BYTES = 4096  # a code is six digits; anything long is no code


def mfa_process(files, profiles):
    """(value, origin) of the first of `profiles` (nearest first) whose config section sets
    mfa_process, or None."""
    for name in profiles:
        value = (files.config_section(name) or {}).get(MFA_PROCESS_KEY, "").strip()
        if value:
            return value, f"mfa_process of profile [{name}]"
    return None


class CodeSource:
    """How this run gets its code; chosen (and a command checked) before the turn at the prompt,
    asked only when a code is about to be spent."""

    def __init__(self, token_code=None, argv=None, origin=None, timeout=TIMEOUT_SECONDS, environ=None):
        self.token_code, self.argv, self.origin = token_code, argv, origin
        self.timeout, self.environ = timeout, environ

    def __repr__(self):  # never the command's words, nor a code
        return f"CodeSource(origin={self.origin!r})"

    def check_can_get_code(self):
        """NoTerminal now when the code would be asked on a terminal and there is none."""
        if self.token_code is None and self.argv is None:
            from .codeprompt import check_terminal

            check_terminal()

    def code(self, serial, ask_code=None):
        """The code: the flag's, the command's, or the one typed at the prompt."""
        if self.token_code is not None:
            return self.token_code
        if self.argv is not None:
            return _run(self)
        from .codeprompt import prompt_for_code

        return (ask_code or prompt_for_code)(serial)


def choose(request, environ, process=None):
    """The CodeSource for `request` (mfasession.Request): see the module's docstring for the
    order. `process`: what mfa_process() found for the profile, or None. Raises UsageError for
    a command that cannot be split or a bad time limit, before anything is asked or run."""
    if request.token_code is not None:
        return CodeSource(token_code=request.token_code)
    flag = request.token_command
    if flag is not None and not flag.strip():
        log("--token-command is empty: asking on the terminal")
        return CodeSource()
    variable = environ.get(TOKEN_COMMAND_VARIABLE, "")
    for value, origin in ((flag, "--token-command"), (variable, TOKEN_COMMAND_VARIABLE), process or (None, None)):
        if value and value.strip():
            from .sts import seconds_setting

            argv = command_argv(value, origin)
            timeout = seconds_setting(environ, TIMEOUT_VARIABLE, TIMEOUT_SECONDS)
            how = f"with {SHELL} -c" if argv[0] == SHELL and argv[1:2] == ["-c"] else f"program {argv[0]}"
            log("the MFA code will come from the command of %s (%s, at most %g s)", origin, how, timeout)
            return CodeSource(argv=argv, origin=origin, timeout=timeout, environ=environ)
    return CodeSource()


def command_argv(value, origin):
    """The argv a token command runs as: its words, or sh -c for a value using shell syntax."""
    text = value.strip()
    if SHELL_SYNTAX.intersection(text):
        return [SHELL, "-c", text]
    try:
        words = shlex.split(text)
    except ValueError as error:  # "No closing quotation", "No escaped character": no value quoted
        raise UsageError(f"cannot split the MFA token command of {origin} into words ({error})",
                         hint="close its quotes, or end it without a lone backslash") from None
    if not words:
        raise UsageError(f"the MFA token command of {origin} is empty once its quotes are read")
    if "=" in words[0]:
        return [SHELL, "-c", text]  # NAME=VALUE program ...: an assignment only a shell makes
    return words


def _program(source):
    """The program, for a message: never its arguments (they may hold a TOTP seed)."""
    return "/bin/sh -c" if source.argv[:2] == [SHELL, "-c"] else source.argv[0]


def _failed(source, what, hint="run it yourself to see why"):
    return AwsmfaError(f"the MFA token command of {source.origin} {what}", hint=hint)


def _run(source):
    environ = os.environ if source.environ is None else source.environ
    try:
        status, output = userprogram.run(source.argv, environ, source.timeout, _program(source))
    except userprogram.Unrunnable as error:
        raise _failed(source, error.why, **({"hint": error.hint} if error.hint else {})) from None
    except userprogram.TimedOut:
        raise _failed(source, f"gave no code within {source.timeout:g} s",
                      hint=f"is it waiting for a touch or a password? {TIMEOUT_VARIABLE} sets the limit") from None
    return _code_in(source, status, output)


def _code_in(source, status, output):
    if status < 0:
        raise _failed(source, f"was killed by signal {-status}")
    if status == 127 and source.argv[:2] == [SHELL, "-c"]:
        raise _failed(source, "failed: sh found no such command (exit status 127)",
                      hint="install it, or fix the command")
    if status != 0:
        raise _failed(source, f"failed with exit status {status}")
    from .codeprompt import validate

    try:
        if len(output) > MAX_OUTPUT_BYTES:
            raise UsageError("too long")
        code = validate(output.decode("utf-8", "replace").strip())
    except UsageError:
        raise _failed(source, "printed no six-digit code", hint="it must print only the code, e.g. 123456") from None
    log("the MFA token command of %s printed a code", source.origin)
    return code
