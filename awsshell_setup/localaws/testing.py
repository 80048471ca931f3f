"""Helpers for tests that run the real aws CLI (or awsmfa) against a LocalAWS.

Kept in the package rather than in a conftest so any test module can import them, whatever
the layout of the tests folder.
"""

import os
import sys
from pathlib import Path
from typing import Dict, List


def aws_command() -> List[str]:
    """argv prefix for the aws CLI installed with this Python.

    The script next to ``sys.executable`` is run by that interpreter directly: a pyenv shim on
    PATH would need the real $HOME, which these tests replace.
    """
    candidate = Path(sys.executable).with_name("aws")
    if candidate.exists():
        return [sys.executable, str(candidate)]
    return [sys.executable, "-m", "awscli"]


def clean_environment(home) -> Dict[str, str]:
    """``os.environ`` without any ``AWS_*`` variable and with ``HOME`` set to ``home``, so
    neither the caller's credentials nor their ``~/.aws`` reach the command under test."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["HOME"] = str(home)
    return env
