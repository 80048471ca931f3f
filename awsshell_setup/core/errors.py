"""The one error family awsmfa raises; cli.py turns it into a message and an exit code.

Helpers raise, never exit: the command layer is the only place that talks to the user.
Messages are one line, say what to do next, and never carry a secret.
"""


# What awsmfa has not done when it refuses, said once, here, after every error's message: each
# refusal comes before any write (docs/ARCHITECTURE.md §4, "Refuse early").
CHANGED_NOTHING = "awsmfa changed nothing"
# ...and, on the way to a session, before the MFA code is asked for.
ASKED_NOTHING = "awsmfa asked for no code and changed nothing"


class AwsmfaError(Exception):
    """Something the user can act on. `exit_code` follows sysexits loosely: 1 generic, 2 usage.

    done: what awsmfa has not done, said after the message and its hint (CHANGED_NOTHING by
    default; ASKED_NOTHING before a prompt; None where a file may have changed, such as a write
    that failed halfway through a multi-file install)."""

    exit_code = 1

    def __init__(self, message, hint=None, done=CHANGED_NOTHING):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.done = done

    def __str__(self):
        text = f"{self.message} ({self.hint})" if self.hint else self.message
        if self.done:
            text += f"; {self.done}"
        # One line, whatever a path or name in it holds: no newline, no terminal escape.
        return text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class UsageError(AwsmfaError):
    """Bad input on the command line or at the prompt, found before any call or write."""

    exit_code = 2


class FileProblem(AwsmfaError):
    """A user's file cannot be read, parsed or written."""


class ProfileProblem(AwsmfaError):
    """The source or session profile is missing, incomplete or not what awsmfa may touch."""


class NoTerminal(UsageError):
    """A code is needed and there is no terminal to ask on, nor another way to get one."""


class ProfileNotFound(UsageError, ProfileProblem):
    """The profile named (by --profile, AWS_PROFILE or the default) is in neither file: bad
    input, so exit 2 as for any usage error."""


class AwsCallFailed(AwsmfaError):
    """STS or IAM refused, or could not be reached."""


class Cancelled(AwsmfaError):
    """Ctrl-C, end of input at a prompt, or no to a question."""

    exit_code = 130
