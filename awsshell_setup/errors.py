"""The one error family awsmfa raises; cli.py turns it into a message and an exit code.

Helpers raise, never exit: the command layer is the only place that talks to the user.
Messages are one line, say what to do next, and never carry a secret.
"""


class AwsmfaError(Exception):
    """Something the user can act on. `exit_code` follows sysexits loosely: 1 generic, 2 usage."""

    exit_code = 1

    def __init__(self, message, hint=None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self):
        text = f"{self.message} ({self.hint})" if self.hint else self.message
        # One line, whatever a path or name in it holds: no newline, no terminal escape.
        return text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class UsageError(AwsmfaError):
    """Bad input on the command line or at the prompt, found before any call or write."""

    exit_code = 2


class FileProblem(AwsmfaError):
    """A user's file cannot be read, parsed or written; nothing was changed."""


class ProfileProblem(AwsmfaError):
    """The source or session profile is missing, incomplete or not what awsmfa may touch."""


class ProfileNotFound(UsageError, ProfileProblem):
    """The profile named (by --profile, AWS_PROFILE or the default) is in neither file: bad
    input, so exit 2 as for any usage error."""


class AwsCallFailed(AwsmfaError):
    """STS or IAM refused, or could not be reached."""


class Cancelled(AwsmfaError):
    """Ctrl-C or end of input at a prompt; nothing was written."""

    exit_code = 130
