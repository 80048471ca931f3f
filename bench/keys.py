#!/usr/bin/env python3
"""Is the reused-session path of `awsmfa env` the same when the source's keys come from a secret
store (credential_process)? It must be: the store runs only when a new MFA session is about to
spend a code (docs/keys.md), never for a reused session, never on the fast path.

Two throwaway HOMEs hold the same valid [mfa] session (six hours left); in one, [default] has
its keys in ~/.aws/credentials, in the other, in a store: `credential_process` is a program that
appends a line to a counter file and sleeps 2 s, so a run of it would show in both the count and
the time. Prints the median wall time of `awsmfa env` (the fast path) and `awsmfa login` (the
full command) in each (runs interleaved, started by bash as a shell starts it), their ratio, and
how many times the store ran (must be 0). Not a test:
speed is reported, not asserted.

    python bench/keys.py              # 30 runs each, the development virtualenv's awsmfa
    python bench/keys.py --runs 60 --awsmfa /path/to/awsmfa
"""
import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SERIAL = "arn:aws:iam::123456789012:mfa/trainee"
VIA_SHELL = ["bash", "-c", '"$@"; exit $?', "bash"]


def make_home(root, name, from_store):
    """A HOME with a valid [mfa] session of [default]; [default]'s keys in the credentials file,
    or from a counting, slow credential_process. Returns (home, counter file or None)."""
    home = os.path.join(root, name)
    aws = os.path.join(home, ".aws")
    os.makedirs(aws)
    end = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=6)
    keys = "" if from_store else "[default]\naws_access_key_id = AKIABENCHMARK0000000\naws_secret_access_key = s\n\n"
    with open(os.path.join(aws, "credentials"), "w") as handle:
        handle.write(f"{keys}[mfa]\naws_access_key_id = ASIABENCH\naws_secret_access_key = s\n"
                     f"aws_session_token = t\nawsmfa_source_profile = default\n"
                     f"awsmfa_expiration = {end:%Y-%m-%dT%H:%M:%SZ}\nawsmfa_duration_seconds = 43200\n")
    os.chmod(os.path.join(aws, "credentials"), 0o600)
    config = f"[default]\nregion = us-east-1\nmfa_serial = {SERIAL}\n"
    counter = None
    if from_store:
        counter = os.path.join(root, f"{name}-store-runs")
        program = os.path.join(root, f"{name}-store")
        with open(program, "w") as handle:
            answer = '{"Version": 1, "AccessKeyId": "AKIABENCHMARK0000000", "SecretAccessKey": "s"}'
            handle.write(f"#!/bin/sh\necho run >> '{counter}'\nsleep 2\necho '{answer}'\n")
        os.chmod(program, 0o755)
        open(counter, "w").close()
        config += f"credential_process = {program}\n"
    with open(os.path.join(aws, "config"), "w") as handle:
        handle.write(config)
    return home, counter


def environment(home):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "XDG_"))}
    env.update(HOME=home, AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_EC2_METADATA_DISABLED="true")
    return env


def one_run_ms(argv, env):
    started = time.perf_counter()
    result = subprocess.run(VIA_SHELL + argv, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    elapsed = (time.perf_counter() - started) * 1000
    if result.returncode != 0 or "reusing session" not in result.stderr:
        sys.exit(f"awsmfa {argv[1]} did not reuse the stored session: {result.stderr.strip()}")
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--awsmfa", default=shutil.which("awsmfa") or os.path.join(
        os.path.dirname(sys.executable), "awsmfa"))
    options = parser.parse_args()
    commands = {"env": [options.awsmfa, "env", "--shell", "bash"],  # the fast path
                "login": [options.awsmfa, "login"]}  # the full click path, reusing too
    root = tempfile.mkdtemp(prefix="awsmfa-bench-keys-")
    try:
        homes = {"keys": make_home(root, "keys", from_store=False)[0]}
        homes["store"], counter = make_home(root, "store", from_store=True)
        for command, argv in commands.items():
            times = {"keys": [], "store": []}
            for home in homes.values():
                one_run_ms(argv, environment(home))  # warm the page cache
            for _ in range(options.runs):
                for name, home in homes.items():
                    times[name].append(one_run_ms(argv, environment(home)))
            keys_ms, store_ms = (statistics.median(times[name]) for name in ("keys", "store"))
            print(f"awsmfa {command}, reused session, {options.runs} runs each ({options.awsmfa})")
            print(f"  source keys in ~/.aws/credentials: median {keys_ms:6.1f} ms")
            print(f"  source keys from a secret store:   median {store_ms:6.1f} ms  (ratio {store_ms / keys_ms:.2f})")
        with open(counter) as handle:
            store_runs = len(handle.read().splitlines())
        print(f"runs of the store's credential_process: {store_runs} (each would add 2000 ms)")
        return 0 if store_runs == 0 else 1
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
