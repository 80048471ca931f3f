"""A throwaway user for tests: a HOME with ~/.aws files, and awsmfa/aws run as that user.

Every run gets a clean environment: none of the developer's AWS_* variables leak in, so a
test cannot pass by accident on the machine's own credentials.
"""
import os
import stat
import subprocess
import sys

from awscli import aws_command, clean_environment

PYTHON = sys.executable
AWSMFA = [PYTHON, "-m", "awsshell_setup"]


class AwsUser:
    def __init__(self, home, endpoint_url=None):
        self.home = str(home)
        self.aws_dir = os.path.join(self.home, ".aws")
        os.makedirs(self.aws_dir, exist_ok=True)
        self.credentials = os.path.join(self.aws_dir, "credentials")
        self.config = os.path.join(self.aws_dir, "config")
        self.endpoint_url = endpoint_url

    def write_credentials(self, text, mode=0o600):
        with open(self.credentials, "w") as handle:
            handle.write(text)
        os.chmod(self.credentials, mode)

    def write_config(self, text):
        with open(self.config, "w") as handle:
            handle.write(text)

    def read_credentials(self):
        with open(self.credentials) as handle:
            return handle.read()

    def credentials_mode(self):
        return stat.S_IMODE(os.stat(self.credentials).st_mode)

    def environ(self, **extra):
        env = clean_environment(self.home)
        env.update(AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true",
                   PYTHONDONTWRITEBYTECODE="1")
        if self.endpoint_url:
            env["AWS_ENDPOINT_URL"] = self.endpoint_url
        for key, value in extra.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    def awsmfa(self, *args, env=None, input=None, timeout=60):
        return subprocess.run(AWSMFA + list(args), env=self.environ(**(env or {})), input=input,
                              capture_output=True, text=True, timeout=timeout,
                              stdin=None if input is not None else subprocess.DEVNULL)

    def aws(self, *args, env=None, timeout=60):
        return subprocess.run(aws_command() + list(args), env=self.environ(**(env or {})),
                              capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def seed_user_files(user, seed, serial_in="config", region="us-east-1"):
    """~/.aws files for the seed's trainee: long-term keys, region, and where the MFA serial lives."""
    creds = f"[default]\naws_access_key_id = {seed.access_key_id}\naws_secret_access_key = {seed.secret_access_key}\n"
    config = f"[default]\nregion = {region}\n"
    if serial_in == "config":
        config += f"mfa_serial = {seed.serial_number}\n"
    elif serial_in == "credentials":
        creds += f"aws_mfa_device = {seed.serial_number}\n"
    user.write_credentials(creds)
    user.write_config(config)


# A user whose AWS is out of reach: `env` answers only from what is stored (the discard port,
# where nothing listens, makes any call fail at once).
CLOSED = "http://127.0.0.1:9"
SERIAL = "arn:aws:iam::123456789012:mfa/trainee"
LONG_TERM = "[default]\naws_access_key_id = AKIALONGTERM\naws_secret_access_key = longtermsecret\n"
CONFIG = f"[default]\nregion = eu-west-1\nmfa_serial = {SERIAL}\n"


def offline_user(home):
    """An AwsUser at `home` with long-term keys, a region and an MFA device, and no AWS to reach."""
    user = AwsUser(home, endpoint_url=CLOSED)
    user.write_credentials(LONG_TERM)
    user.write_config(CONFIG)
    return user
