"""Helpers for tests that run the real aws CLI (or awsmfa) against a LocalAWS: test code,
so it lives with the tests, not in the package users install."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional


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
    neither the caller's credentials nor their ``~/.aws`` reach the command under test; and the
    folder of the Python running the tests first on PATH, as an activated virtualenv puts it,
    so `python3`, `awsmfa` and `aws` typed in a shell are this installation's however pytest
    was started."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["HOME"] = str(home)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", os.defpath)
    return env


class AwsCliRunner:
    """Runs the real aws CLI against a LocalAWS with the files of one scenario.

    ``env`` is scrubbed of the caller's ``AWS_*`` variables and points at the endpoint and at
    ``credentials_file``/``config_file``. ``input`` feeds stdin, e.g. an MFA code for a role
    profile with ``mfa_serial``: the command runs in a new session without a controlling
    terminal, so botocore's prompt (``getpass``) reads the code from stdin as it does in CI.
    """

    def __init__(self, home, endpoint_url: str, credentials_file, config_file, region: str):
        self.credentials_file = Path(credentials_file)
        self.config_file = Path(config_file)
        self.env = clean_environment(home)
        self.env.update({
            "AWS_ENDPOINT_URL": endpoint_url,
            "AWS_SHARED_CREDENTIALS_FILE": str(credentials_file),
            "AWS_CONFIG_FILE": str(config_file),
            "AWS_DEFAULT_REGION": region,
            "AWS_EC2_METADATA_DISABLED": "true",
        })

    def __call__(self, *args: str, input: Optional[str] = None, check: bool = False,
                 timeout: float = 60) -> subprocess.CompletedProcess:
        result = subprocess.run(aws_command() + list(args), env=self.env, input=input,
                                stdin=None if input is not None else subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=timeout,
                                start_new_session=True)
        if check and result.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed: {result.stderr}")
        return result


def start_serve(folder, env, *options):
    """Start `python -m awsshell_setup.localaws serve` on a free port, writing into `folder`;
    return (process, its stderr up to the line with the MFA codes hint)."""
    server = subprocess.Popen([sys.executable, "-m", "awsshell_setup.localaws", "serve", *options, "--port", "0",
                               "--dir", str(folder)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    lines = []
    deadline = time.time() + 45
    while time.time() < deadline:
        line = server.stderr.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("localaws: MFA codes:"):
            break
    return server, "".join(lines)


def stop_serve(server):
    """SIGTERM, as Ctrl-C or `kill %1` would stop it; its exit status tells whether it stopped cleanly."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            raise
