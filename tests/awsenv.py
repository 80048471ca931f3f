"""A throwaway user for tests: a HOME with ~/.aws files, and awsmfa/aws run as that user; and
the sections awsmfa stores in those files (sessions, role sessions, self-renewing profiles).

Every run gets a clean environment: none of the developer's AWS_* variables leak in, so a
test cannot pass by accident on the machine's own credentials.
"""
import datetime as dt
import os
import stat
import subprocess

from awscli import aws_command, clean_environment
from awsmfarun import AWSMFA, run_awsmfa
from awsshell_setup.core import timeutil
from awsshell_setup.sessions.profiles import (DURATION_KEY, EXPIRATION_KEY, KEY_ID, MFA_PROFILE_KEY, PROCESS_KEY,
                                              ROLE_ARN_KEY, ROLE_MFA_KEY, SECRET, SOURCE_KEY, STANDARD_EXPIRATION_KEY,
                                              TOKEN)
from awsshell_setup.sessions.roleprofiles import ROLE_MFA_PER_ROLE, ROLE_MFA_SHARED



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
        return run_awsmfa(args, self.environ(**(env or {})), input=input, timeout=timeout)

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


def offline_user(home, credentials=LONG_TERM, config=CONFIG):
    """An AwsUser at `home` with long-term keys, a region and an MFA device, and no AWS to reach.

    `credentials` and `config`: other files to start from (a role scenario's, say)."""
    user = AwsUser(home, endpoint_url=CLOSED)
    user.write_credentials(credentials)
    user.write_config(config)
    return user


# --- sessions as awsmfa stores them ----------------------------------------------------------
# For tests that start from a stored session instead of making one against AWS. The key names
# are awsmfa's own constants and the order is the one it writes them in (profiles.session_items,
# rolestore.role_session_items, rolestore.process_items), so each section is one awsmfa
# could have written; the values are the test's. test_env_offline holds them to awsmfa's own
# writers byte for byte. A test that needs a section awsmfa would never write (an older layout,
# a hostile expiry, a key of the user's) writes that text itself.

# A role scenario with no AWS behind it: long-term keys in [base], a role whose source is base.
BASE = "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = basesecret\n"
OPS_ARN = "arn:aws:iam::111111111111:role/ops"
# (key id, secret, token) of each kind of stored session, told apart in what a test sees.
CACHED_KEYS = ("ASIACACHED", "sessionsecret", "cachedtoken")
MFA_KEYS = ("ASIAMFA", "mfasecret", "mfatoken")
ROLE_KEYS = ("ASIAROLE", "rolesecret", "roletoken")


def stamp(seconds):
    """The moment `seconds` from now (before now when negative) as awsmfa stores a time:
    timeutil.format_utc, UTC to the second with a `Z`. Two calls may fall on either side of a
    second: build a section once and compare the file with that same string."""
    return timeutil.format_utc(timeutil.now() + dt.timedelta(seconds=seconds))


def appended_section(header, items, extra=""):
    """Section `header` with `items` (key -> value, in order) as awsmfa appends it to a file
    that ends with a newline: a blank line, the header, one `key = value` line each
    (inifile's append). `extra` follows as it is: lines a test adds of its own."""
    return f"\n[{header}]\n" + "".join(f"{key} = {value}\n" for key, value in items.items()) + extra


def _session_items(source, expires_in, duration, region, keys):
    """The keys of a plain session section, in profiles.session_items' order; `region` None
    for a source without one (awsmfa then writes no region)."""
    key_id, secret, token = keys
    items = {KEY_ID: key_id, SECRET: secret, TOKEN: token}
    if region:
        items["region"] = region
    expiration = stamp(expires_in)
    items.update({SOURCE_KEY: source, EXPIRATION_KEY: expiration, DURATION_KEY: str(duration),
                  STANDARD_EXPIRATION_KEY: expiration})
    return items


def stored_session(name="mfa", source="default", expires_in=3600, duration=43200, region="eu-west-1",
                   keys=CACHED_KEYS, extra=""):
    """Session profile [name], made from source profile `source`, as `awsmfa login` stores it:
    ending `expires_in` seconds from now (negative: already over), `duration` seconds long."""
    return appended_section(name, _session_items(source, expires_in, duration, region, keys), extra)


def stored_role_session(name, role, arn=OPS_ARN, mfa_profile="base-mfa", expires_in=1800, duration=3600,
                        region="eu-west-1", keys=ROLE_KEYS, extra=""):
    """Role session [name] for role profile `role` (role ARN `arn`) as awsmfa stores it: made
    from the MFA session `mfa_profile` (role MFA `shared`), or, with mfa_profile None, with a
    code of its own (`per-role`: no MFA session behind it)."""
    items = _session_items(role, expires_in, duration, region, keys)
    items.update({ROLE_ARN_KEY: arn, ROLE_MFA_KEY: ROLE_MFA_SHARED if mfa_profile else ROLE_MFA_PER_ROLE})
    if mfa_profile:
        items[MFA_PROFILE_KEY] = mfa_profile
    return appended_section(name, items, extra)


def renewing_profile(name, role, region="eu-west-1", update_profile=None, extra=""):
    """Config profile [profile name] whose credential_process renews role `role`'s session, as
    awsmfa writes it next to the role session (`--update-profile` when the session is stored
    under a name of the user's). The command is spelled out here, not taken from awsmfa."""
    command = f"awsmfa env --json --profile {role}" + (f" --update-profile {update_profile}" if update_profile else "")
    items = {PROCESS_KEY: command}
    if region:
        items["region"] = region
    items[SOURCE_KEY] = role
    return appended_section(f"profile {name}", items, extra)


def role_chain_of_n(count):
    """Config text: role profiles r0 -> r1 -> ... -> r(count-1), whose source is [base]; each
    section after a blank line, so the text can follow any config."""
    text = ""
    for index in range(count):
        source = f"r{index + 1}" if index + 1 < count else "base"
        text += f"\n[profile r{index}]\nrole_arn = arn:aws:iam::111111111111:role/r{index}\nsource_profile = {source}\n"
    return text


def add_process_profile(user, folder, code_file, runs_file=None, name="viaprocess"):
    """`[profile NAME]` in the user's config whose credential_process is awsmfa (`env --json` for
    the default profile) given the code held in `code_file`, as a token source hands out the
    current code; each run appends a line to `runs_file` when one is named. Returns the wrapper."""
    wrapper = folder / "awsmfa-process"
    count = f"echo run >> {runs_file}\n" if runs_file else ""
    wrapper.write_text(f'#!/bin/sh\n{count}exec {AWSMFA[0]} -m awsshell_setup env --json --profile default '
                       f'--token-code "$(cat {code_file})"\n')
    os.chmod(wrapper, 0o755)
    with open(user.config, "a") as handle:
        handle.write(f"\n[profile {name}]\ncredential_process = {wrapper}\nregion = us-east-1\n")
    return wrapper
