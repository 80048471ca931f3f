"""``python -m awsshell_setup.localaws serve|code``: the local AWS for humans.

``serve`` starts the server, provisions a scenario and writes an AWS CLI setup for its user
into a folder of its own (never ``~/.aws``: it refuses a folder holding credentials or config
it did not write), then prints the ``export`` lines that point the CLI (and awsmfa) at it.
Scenarios: ``seed`` (one user whose policy needs MFA to stop an instance) and ``roles`` (a
user who may only assume role ``ops`` in its own account and role ``audit`` in a second one,
both requiring MFA; the config has ``[profile ops]`` and ``[profile audit]``). ``code`` prints
the MFA device's current code, like the phone app the real user would look at.

argparse on purpose: awsmfa's own command line is click, and this developer tool must not
grow into it.
"""

import argparse
import contextlib
import json
import os
import shlex
import signal
import stat
import sys
import threading
import time

from . import demofolder

DEFAULT_DIR = "localaws"
STATE_FILE = "localaws.json"
AWS_FILES = ("credentials", "config")
SCENARIOS = ("seed", "roles")
DEFAULT_USERS = {"seed": "trainee", "roles": "engineer"}

# The first line of every credentials/config file serve writes. serve overwrites a file only if
# it starts with this line, so it may run again in its own demo folder (even after awsmfa
# added a session below the mark) but never over someone's real ~/.aws files.
MARK = "# written by python -m awsshell_setup.localaws serve; serve may overwrite this file"


class NotOurFile(Exception):
    """A credentials or config file in the target folder that serve did not write."""

    def __init__(self, path: str):
        super().__init__(path)
        self.path = path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m awsshell_setup.localaws",
        description="A local AWS (moto plus real MFA checks, role trust policies and "
                    "sessions that expire) with a ready scenario.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the local AWS with a scenario's user "
                                              "until Ctrl-C")
    serve.add_argument("--port", type=int, default=4566, help="TCP port (default 4566; 0 picks "
                                                              "a free one)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default "
                                                           "127.0.0.1)")
    serve.add_argument("--dir", default=DEFAULT_DIR,
                       help="folder for credentials, config and localaws.json, of its own "
                            "(default ./localaws)")
    serve.add_argument("--scenario", choices=SCENARIOS, default="seed",
                       help="seed: a user needing MFA to stop an instance (default); roles: a "
                            "user assuming role ops (account A) and audit (account B) with MFA")
    serve.add_argument("--user", help="IAM user name (default trainee; engineer for roles)")
    serve.add_argument("--allow-list-mfa-devices", action="store_true",
                       help="seed only: also allow the user iam:ListMFADevices on itself (the "
                            "seed's policy alone does not)")
    serve.add_argument("--verbose", action="store_true", help="log every request on stderr")

    code = commands.add_parser("code", help="print the MFA device's current six-digit code")
    code.add_argument("--dir", default=DEFAULT_DIR, help="folder given to serve "
                                                         "(default ./localaws)")

    args = parser.parse_args(argv)
    missing = missing_extra(SERVE_NEEDS if args.command == "serve" else CODE_NEEDS)
    if missing:
        print(f"localaws: needs the localaws extra, and module {missing} is missing: "
              f"pip install '{EXTRA}'", file=sys.stderr)
        return 2
    if args.command == "serve":
        return serve_command(args)
    return code_command(args)


# What `serve` and `code` import (moto's server brings werkzeug and flask; boto3 is awsmfa's own
# requirement, listed for an install that has only the source tree on PYTHONPATH).
SERVE_NEEDS = ("moto.server", "werkzeug.serving", "pyotp", "boto3")
CODE_NEEDS = ("pyotp",)
EXTRA = "awsshell-setup[localaws]"


def missing_extra(modules):
    """The first of `modules` that cannot be imported (its missing module's name), or None:
    without the extra, one line naming it rather than a traceback from deep inside serve."""
    import importlib

    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as error:
            return error.name or module
    return None


def serve_command(args) -> int:
    from .server import LocalAWS

    if args.allow_list_mfa_devices and args.scenario != "seed":
        print("localaws: --allow-list-mfa-devices is for the seed scenario; leave it out with "
              "--scenario roles", file=sys.stderr)
        return 2
    folder = os.path.abspath(args.dir)
    try:
        # Before anything else: a refusal must leave the folder exactly as it was (a missing
        # folder is made 0700 first, once the way to it is known to be the caller's alone).
        demofolder.prepare(folder, STATE_FILE)
        check_folder(folder)
        running = _serving_from(folder)
        if running:
            raise demofolder.FolderRefused(
                f"{demofolder.shown(folder)} is the folder of a localaws serve still running (pid {running}): "
                f"stop that one first, or {demofolder.SUGGESTION}")
    except demofolder.FolderRefused as refused:
        print(f"localaws: {refused}", file=sys.stderr)
        return 2
    except NotOurFile as error:
        print(f"localaws: {demofolder.shown(error.path)} was not written by localaws and would be overwritten; "
              f"give serve a folder of its own with --dir", file=sys.stderr)
        return 2
    local = LocalAWS(port=args.port, host=args.host, quiet=not args.verbose)
    user_name = args.user or DEFAULT_USERS[args.scenario]
    # Handlers first: a caller may signal as soon as it reads the instructions, and a SIGTERM
    # that came before them would kill the process without stopping the server cleanly.
    with _stop_on_signal() as stop:
        try:
            local.start()
        except OSError as error:
            print(f"localaws: cannot listen on {args.host}:{args.port}: {error.strerror}",
                  file=sys.stderr)
            return 1
        try:
            if args.scenario == "roles":
                lines = _serve_roles(local, folder, user_name)
            else:
                lines = _serve_seed(local, folder, user_name, args.allow_list_mfa_devices)
            print("\n".join(lines), file=sys.stderr, flush=True)
            # A timed wait keeps the main thread responsive to signals on every platform.
            while not stop.wait(0.5):
                pass
        finally:
            local.stop()
    print("localaws: stopped", file=sys.stderr)
    return 0


def _serve_seed(local, folder: str, user_name: str, allow_list_mfa_devices: bool):
    from .scenario import list_own_mfa_devices_statement, provision_seed

    extra = []
    if allow_list_mfa_devices:
        extra.append(list_own_mfa_devices_statement(
            f"arn:aws:iam::{local.account_id}:user/{user_name}"))
    seed = provision_seed(local, user_name=user_name, extra_statements=extra)
    paths = write_files(folder, local, seed)
    return [
        f"localaws: serving on {local.endpoint_url} (Ctrl-C to stop)",
        f"localaws: IAM user {seed.user_arn}, MFA device {seed.serial_number}",
        f"localaws: instance to stop: {seed.instance_id}",
    ] + _instructions(local, seed.region, paths)


def _serve_roles(local, folder: str, user_name: str):
    from .scenario import provision_roles

    roles = provision_roles(local, user_name=user_name)
    paths = write_roles_files(folder, local, roles)
    return [
        f"localaws: serving on {local.endpoint_url} (Ctrl-C to stop)",
        f"localaws: IAM user {roles.user_arn} (may only assume roles), "
        f"MFA device {roles.serial_number}",
        f"localaws: profile ops: {roles.ops_role_arn} (MFA; may stop {roles.ops_instance_id})",
        f"localaws: profile audit: {roles.audit_role_arn} "
        f"(MFA; read only; sees {roles.audit_instance_id})",
    ] + _instructions(local, roles.region, paths)


def _serving_from(folder: str):
    """The pid of another `serve` still running with this folder (its state file names it, and
    that process is a localaws serve of this account), else None."""
    try:
        with open(os.path.join(folder, STATE_FILE), "rb") as f:
            pid = int(json.loads(f.read(65536))["pid"])
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
        alive = os.stat(f"/proc/{pid}").st_uid == os.geteuid()
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if pid == os.getpid() or not alive:
        return None
    return pid if b"awsshell_setup.localaws" in argv and b"serve" in argv else None


def check_folder(folder: str) -> None:
    """Raise :class:`NotOurFile` if ``folder`` holds a credentials or config file that serve
    did not write: anything by that name that is not a regular file starting with ``MARK``
    (a symlink too, which would lead the write to whatever file it points at)."""
    for name in AWS_FILES:
        path = os.path.join(folder, name)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except FileNotFoundError:
            continue
        except OSError:            # a symlink (ELOOP), unreadable, ...: not ours to replace
            raise NotOurFile(path)
        try:
            ours = stat.S_ISREG(os.fstat(fd).st_mode) and \
                os.read(fd, len(MARK) + 2).decode("utf-8", "replace").splitlines()[:1] == [MARK]
        finally:
            os.close(fd)
        if not ours:
            raise NotOurFile(path)


def write_files(folder: str, local, seed) -> dict:
    """Write the seed user's credentials, config and localaws.json into ``folder``; return
    their paths.

    Raises :class:`NotOurFile`, having written nothing, if ``folder`` already holds a
    credentials or config file that serve did not write."""
    config = ("[default]\n"
              f"region = {seed.region}\n"
              f"mfa_serial = {seed.serial_number}\n")
    return _write_all(folder, _credentials_text(seed), config, {
        "scenario": "seed",
        "endpoint_url": local.endpoint_url,
        "region": seed.region,
        "account_id": seed.account_id,
        "user_name": seed.user_name,
        "user_arn": seed.user_arn,
        "access_key_id": seed.access_key_id,
        "serial_number": seed.serial_number,
        "seed": seed.seed,
        "instance_id": seed.instance_id,
    })


def roles_config_text(roles) -> str:
    """The config of the roles scenario, as a user of several accounts writes it: the source
    profile with the long-term keys and its device, and one role profile per role, in the form
    botocore reads (role_arn, source_profile, mfa_serial, external_id)."""
    audit_extra = ""
    if roles.audit_requires_mfa:
        audit_extra += f"mfa_serial = {roles.serial_number}\n"
    if roles.audit_external_id is not None:
        audit_extra += f"external_id = {roles.audit_external_id}\n"
    return ("[default]\n"
            f"region = {roles.region}\n"
            f"mfa_serial = {roles.serial_number}\n"
            "\n"
            "[profile ops]\n"
            f"role_arn = {roles.ops_role_arn}\n"
            "source_profile = default\n"
            f"mfa_serial = {roles.serial_number}\n"
            f"region = {roles.region}\n"
            "\n"
            "[profile audit]\n"
            f"role_arn = {roles.audit_role_arn}\n"
            "source_profile = default\n"
            f"{audit_extra}"
            f"region = {roles.region}\n")


def write_roles_files(folder: str, local, roles) -> dict:
    """Write the roles scenario's credentials, config and localaws.json into ``folder``;
    return their paths. Refuses as :func:`write_files` does."""
    return _write_all(folder, _credentials_text(roles), roles_config_text(roles), {
        "scenario": "roles",
        "endpoint_url": local.endpoint_url,
        "region": roles.region,
        "account_id": roles.account_a,
        "account_b": roles.account_b,
        "user_name": roles.user_name,
        "user_arn": roles.user_arn,
        "access_key_id": roles.access_key_id,
        "serial_number": roles.serial_number,
        "seed": roles.seed,
        "ops_role_arn": roles.ops_role_arn,
        "audit_role_arn": roles.audit_role_arn,
        "ops_instance_id": roles.ops_instance_id,
        "audit_instance_id": roles.audit_instance_id,
    })


def _credentials_text(user) -> str:
    return ("[default]\n"
            f"aws_access_key_id = {user.access_key_id}\n"
            f"aws_secret_access_key = {user.secret_access_key}\n")


def _write_all(folder: str, credentials_text: str, config_text: str, state: dict) -> dict:
    check_folder(folder)
    paths = {name: os.path.join(folder, name) for name in AWS_FILES}
    paths["state"] = os.path.join(folder, STATE_FILE)
    _write_private(paths["credentials"], f"{MARK}\n{credentials_text}")
    _write_private(paths["config"], f"{MARK}\n{config_text}")
    _write_private(paths["state"],
                   json.dumps(dict(state, pid=os.getpid()), indent=2) + "\n")
    return paths


def _write_private(path: str, text: str) -> None:
    # Secrets (keys, the MFA seed): create 0600, and fix the mode of a file left by a previous
    # run, which os.open's mode argument would not change. O_NOFOLLOW: check_folder refused
    # symlinks; one planted since then makes this fail rather than write through it.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _instructions(local, region: str, paths) -> list:
    return [
        "localaws: in another shell, run:",
        f"export AWS_ENDPOINT_URL={shlex.quote(local.endpoint_url)}",
        f"export AWS_SHARED_CREDENTIALS_FILE={shlex.quote(paths['credentials'])}",
        f"export AWS_CONFIG_FILE={shlex.quote(paths['config'])}",
        f"export AWS_DEFAULT_REGION={shlex.quote(region)}",
        f"localaws: MFA codes: python -m awsshell_setup.localaws code "
        f"--dir {shlex.quote(os.path.dirname(paths['state']))}",
    ]


@contextlib.contextmanager
def _stop_on_signal():
    """An Event set by SIGINT or SIGTERM inside the block; the old handlers come back after."""
    stop = threading.Event()

    def handler(signum, frame):
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def code_command(args) -> int:
    path = os.path.join(os.path.abspath(args.dir), STATE_FILE)
    try:
        with open(path) as f:
            seed = json.load(f)["seed"]
    except (OSError, ValueError, KeyError) as error:
        print(f"localaws: cannot read the MFA seed from {path}: {error}", file=sys.stderr)
        return 1
    from .mfa import STEP_SECONDS, code_at

    now = time.time()
    print(code_at(seed, now))
    left = int(STEP_SECONDS - now % STEP_SECONDS)
    print(f"localaws: valid for {left} more seconds (and the next 30)", file=sys.stderr)
    return 0
