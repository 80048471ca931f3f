"""Where systems put the AWS CLI's `aws_completer`, and the bash-completion file that names
one: what a block written for a bare --completer name looks up at each Tab (shells.base), what
bash's block leaves to bash-completion (shells.bash), and where setup's completer search
looks."""
import os

from ..core import fileio

# Searched in this order, after PATH and the folder of `aws`. Also written into the block for a
# bare --completer name (Shell.render), which looks in them after PATH at each Tab.
KNOWN_FOLDERS = ("/usr/bin", "/usr/local/bin", "/usr/local/aws-cli/v2/current/bin", "/usr/local/aws-cli",
                 "/usr/libexec", "/opt/homebrew/bin", "~/.local/bin")
# The system's bash-completion file for aws (Debian's awscli ships one: `complete -C
# /usr/libexec/aws_completer aws`), and the bash-completion framework that loads it on the
# first Tab after `aws`: without the framework the file is never read, and in a shell that has
# not loaded the framework (root's default ~/.bashrc on Debian) neither.
BASH_COMPLETION_FILE = "/usr/share/bash-completion/completions/aws"
BASH_COMPLETION_FRAMEWORK = "/usr/share/bash-completion/bash_completion"


def named_by_bash_completion(path):
    """The program a bash-completion file's `complete ... -C PROGRAM aws` line runs, or None."""
    import shlex

    head = fileio.read_head(path, 65536)
    if head is None:
        return None
    text = head.decode("utf-8", "replace")
    for line in text.splitlines():
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            continue
        if len(words) >= 4 and words[0] == "complete" and words[-1] == "aws" and "-C" in words[1:-2]:
            program = words[words.index("-C") + 1]
            return program if program.startswith("/") else None
    return None


def provided_for_bash(path):
    """The system's bash-completion file when it already completes aws with `path` for bash
    (and the framework that loads it is installed), else None. Installed is not loaded: the
    block then completes aws only in a shell where bash-completion's loader is not active
    (the template section completion_provided)."""
    if not path or not os.path.isfile(BASH_COMPLETION_FRAMEWORK):
        return None
    named = named_by_bash_completion(BASH_COMPLETION_FILE)
    return BASH_COMPLETION_FILE if named and named == path else None
