"""The MFA code typed at a prompt on the terminal, and the check every code passes.

(codesource.py decides where a code comes from: the flag, a command, or this prompt.)

The prompt goes to /dev/tty, opened once for reading and once for writing, so it works
inside `eval "$(awsmfa env)"` where stdout is captured; stderr/stdin only as a fallback.
Never stdout: that belongs to the shell code `env` prints.
"""
from .errors import Cancelled, NoTerminal, UsageError

PROMPT_TRIES = 3
_DIGITS = frozenset("0123456789")  # ASCII only: str.isdigit() also takes "١٢٣٤٥٦"


def validate(code):
    """The six digits of `code`, checked before any call to AWS.

    Spaces between the digits are dropped, and only spaces: authenticator apps show a code as
    `067 878`, and people type it so. Any other character (a tab, a dash, a final newline),
    or a space before or after the code, is refused (the prompt strips the typed line itself).
    No `re` here: this module is on the cached path of `env` (fastpath.py checks --token-code
    with it), where `re` would cost ~6 ms.
    """
    if code is None or code[:1] == " " or code[-1:] == " ":
        raise UsageError("the MFA code must be exactly six digits")
    digits = code.replace(" ", "")
    if len(digits) != 6 or not _DIGITS.issuperset(digits):
        raise UsageError("the MFA code must be exactly six digits")
    return digits


class _Terminal:
    def __init__(self):
        self.reader = self.writer = None

    def __enter__(self):
        try:
            self.reader = open("/dev/tty", "r")
            self.writer = open("/dev/tty", "w")
        except OSError:
            import sys

            self.close()
            if not (sys.stdin and sys.stdin.isatty()):
                # Also what a credential_process or cron job sees, which can pass no option:
                # name the variable and the config key, and the terminal way out.
                raise NoTerminal("no terminal to ask for the MFA code on; pass --token-code, or a command that "
                                 "prints it (--token-command, AWSMFA_TOKEN_COMMAND, or mfa_process in the profile), "
                                 "or run `mfa` in a terminal first")
            self.reader, self.writer = sys.stdin, sys.stderr
        return self

    def close(self):
        import sys

        for handle in (self.reader, self.writer):
            if handle is not None and handle not in (sys.stdin, sys.stderr):
                handle.close()

    def __exit__(self, *exc):
        self.close()

    def ask(self, prompt):
        self.writer.write(prompt)
        self.writer.flush()
        line = self.reader.readline()
        if not line:
            self.writer.write("\n")
            raise Cancelled("no MFA code entered")
        return line.strip()


def prompt_for_code(serial):
    """Ask on the terminal until a well-formed code is typed (a few tries for typos)."""
    try:
        with _Terminal() as terminal:
            try:
                for attempt in range(PROMPT_TRIES):
                    try:
                        return validate(terminal.ask(f"MFA code for {serial}: "))
                    except UsageError:
                        pass
                    if attempt + 1 < PROMPT_TRIES:
                        terminal.writer.write("The MFA code is six digits; try again.\n")
            except KeyboardInterrupt:
                # End the prompt's line, so that the message goes below it, not after `^C`.
                terminal.writer.write("\n")
                terminal.writer.flush()
                raise
    except KeyboardInterrupt:
        raise Cancelled("cancelled")
    raise UsageError("the MFA code must be exactly six digits")
