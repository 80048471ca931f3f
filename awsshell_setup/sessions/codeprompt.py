"""The MFA code typed at a prompt on the terminal, and the check every code passes.

(codesource.py decides where a code comes from: the flag, a command, or this prompt.)

The prompt goes to /dev/tty, opened once for reading and once for writing, so it works
inside `eval "$(awsmfa env)"` where stdout is captured; stderr/stdin only as a fallback.
Never stdout: that belongs to the shell code `env` prints.
"""
from ..core.errors import Cancelled, NoTerminal, UsageError

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


NO_TERMINAL = ("no terminal to ask for the MFA code on; pass --token-code, or a command that prints it "
               "(--token-command, AWSMFA_TOKEN_COMMAND, or mfa_process in the profile), or run `mfa` in a "
               "terminal first")


class Terminal:
    """The terminal awsmfa asks its questions on: /dev/tty, opened once for reading and once for
    writing. The one class for every question (the code here, the device in devicechoice.py).

    fallback: with no /dev/tty, stdin and stderr when stdin is a terminal (the code's prompt);
    False: /dev/tty or nothing (a question whose answer is written to a file is asked only of
    a terminal). Without one, NoTerminal: its message names the ways to pass a code (also what
    a credential_process or cron job sees, which can pass no option)."""

    def __init__(self, fallback=True):
        self.fallback = fallback
        self.reader = self.writer = None

    def __enter__(self):
        try:
            self.reader = open("/dev/tty", "r")
            self.writer = open("/dev/tty", "w")
        except OSError:
            import sys

            self.close()
            if not (self.fallback and sys.stdin and sys.stdin.isatty()):
                raise NoTerminal(NO_TERMINAL) from None
            self.reader, self.writer = sys.stdin, sys.stderr
        return self

    def close(self):
        import sys

        for handle in (self.reader, self.writer):
            if handle is not None and handle not in (sys.stdin, sys.stderr):
                handle.close()

    def __exit__(self, *exc):
        self.close()

    def say(self, line):
        self.writer.write(line + "\n")
        self.writer.flush()

    def ask(self, prompt):
        """The typed line, stripped; None at the end of input (Ctrl-D), after ending the line."""
        self.writer.write(prompt)
        self.writer.flush()
        line = self.reader.readline()
        if not line:
            self.writer.write("\n")
            self.writer.flush()
            return None
        return line.strip()


def check_terminal():
    """NoTerminal now, when the prompt would find no terminal: so that a run that cannot get a
    code says so before a secret store is asked for keys (sourcekeys.keys_ready)."""
    with Terminal():
        pass


def prompt_for_code(serial):
    """Ask on the terminal until a well-formed code is typed (a few tries for typos). The
    device comes from a user's file or AWS: escaped (paths.printable), docs/ARCHITECTURE.md §4."""
    from ..core.paths import printable

    try:
        with Terminal() as terminal:
            try:
                for attempt in range(PROMPT_TRIES):
                    typed = terminal.ask(f"MFA code for {printable(serial, line=True)}: ")
                    if typed is None:
                        raise Cancelled("no MFA code entered")
                    try:
                        return validate(typed)
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
