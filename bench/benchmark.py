#!/usr/bin/env python3
"""How fast is `awsmfa env` when the session is cached, next to Python itself and its peers?

Prints, from one run on this machine, the median wall time (whole process, started by bash as
a shell starts it) of each command below and each ratio. Not a test: speed is reported, not asserted.

    python bench/benchmark.py                 # awsmfa against python, aws-mfa, awsume
    python bench/benchmark.py --runs 40       # more runs per command
    python bench/benchmark.py --startup       # also what the installed block adds to shell start
    python bench/benchmark.py --all           # and Tab latency (bench/completion.py): everything in one run

Peers (aws-mfa, awsume) are installed once into their own virtualenv under
~/.cache/awsmfa-bench (override with --peers-venv), so they never touch the project's
environment. Every command runs against the same throwaway HOME whose session is valid for
six more hours; no command makes a network call (the endpoint is a closed port).
"""
import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
KEY_ID, SECRET = "AKIABENCHMARK0000000", "benchmarksecret"
SERIAL = "arn:aws:iam::123456789012:mfa/trainee"


def peers_venv(path):
    """A virtualenv with aws-mfa and awsume, made on first use."""
    python = os.path.join(path, "bin", "python")
    if not os.path.exists(os.path.join(path, "bin", "awsumepy")):
        print(f"installing aws-mfa and awsume into {path} (first run only)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", path], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "aws-mfa", "awsume"], check=True)
    return os.path.join(path, "bin")


def make_home(root):
    """One HOME holding, side by side, each tool's idea of a valid cached session."""
    home = os.path.join(root, "home")
    aws = os.path.join(home, ".aws")
    os.makedirs(aws)
    utc_end = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=6)
    session = "aws_access_key_id = ASIABENCH\naws_secret_access_key = s\naws_session_token = t\n"
    with open(os.path.join(aws, "credentials"), "w") as handle:
        handle.write(
            # awsmfa: long-term [default], session [mfa] with its UTC expiry
            f"[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n\n"
            f"[mfa]\n{session}awsmfa_source_profile = default\n"
            f"awsmfa_expiration = {utc_end:%Y-%m-%dT%H:%M:%SZ}\nawsmfa_duration_seconds = 43200\n\n"
            # aws-mfa: long-term [bench-long-term], session [bench] with a naive UTC expiry
            f"[bench-long-term]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
            f"aws_mfa_device = {SERIAL}\n\n"
            f"[bench]\n{session}aws_security_token = t\nassumed_role = False\n"
            f"expiration = {utc_end:%Y-%m-%d %H:%M:%S}\n")
    with open(os.path.join(aws, "config"), "w") as handle:
        handle.write(f"[default]\nregion = us-east-1\nmfa_serial = {SERIAL}\n")
    # awsume: a JSON cache per access key, expiry in naive *local* time
    cache = os.path.join(home, ".awsume", "cache")
    os.makedirs(cache)
    local_end = (dt.datetime.now() + dt.timedelta(hours=6)).strftime("%Y-%m-%d %H:%M:%S")
    with open(os.path.join(cache, f"aws-credentials-{KEY_ID}"), "w") as handle:
        json.dump({"AccessKeyId": "ASIABENCH", "SecretAccessKey": "s", "SessionToken": "t",
                   "Expiration": local_end, "Region": "us-east-1"}, handle)
    return home


def environment(home):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "XDG_"))}
    env.update(HOME=home, AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_EC2_METADATA_DISABLED="true")
    return env


# Every command is started by a bash, as a user's shell starts it: `awsmfa env` then finds its
# parent is a shell, as in eval "$(awsmfa env)". `; exit $?` keeps bash from exec'ing the command
# in its place. The same few ms of bash start are in every figure, the baseline's included.
VIA_SHELL = ["bash", "-c", '"$@"; exit $?', "bash"]


def median_ms(argv, env, runs, expect):
    """Median wall time of the whole process; the first run warms the page cache and is dropped."""
    times = []
    for index in range(runs + 1):
        start = time.perf_counter()
        result = subprocess.run(VIA_SHELL + argv, env=env, capture_output=True, text=True,
                                stdin=subprocess.DEVNULL)
        elapsed = (time.perf_counter() - start) * 1000
        if result.returncode != 0 or expect not in result.stdout + result.stderr:
            raise SystemExit(f"{argv} did not take its cached path:\n{result.stdout}{result.stderr}")
        if index:
            times.append(elapsed)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--peers-venv", default=os.path.expanduser("~/.cache/awsmfa-bench/peers"))
    parser.add_argument("--startup", action="store_true", help="also measure shell start with the installed block")
    parser.add_argument("--all", action="store_true",
                        help="also shell start and Tab latency (awsmfa's completion, aws with each CLI): one run, every figure")
    args = parser.parse_args()

    bindir = os.path.dirname(sys.executable)
    awsmfa = shutil.which("awsmfa", path=bindir) or shutil.which("awsmfa")
    peers = peers_venv(args.peers_venv)
    with tempfile.TemporaryDirectory() as root:
        env = environment(make_home(root))
        commands = [
            ("python -c pass", [sys.executable, "-c", "pass"], ""),
            ("awsmfa env --shell bash", [awsmfa, "env", "--shell", "bash"], "AWS_SESSION_TOKEN"),
            ("awsmfa env", [awsmfa, "env"], "AWS_SESSION_TOKEN"),
            ("aws-mfa (cached)", [os.path.join(peers, "aws-mfa"), "--profile", "bench"], "still valid"),
            ("awsume (cached)", [os.path.join(peers, "awsumepy"), "default"], "ASIABENCH"),
        ]
        results = {}
        # Interleave the commands round by round so a noisy moment hits all of them alike.
        samples = {label: [] for label, _, _ in commands}
        for _ in range(max(1, args.runs // 5)):
            for label, argv, expect in commands:
                samples[label].append(median_ms(argv, env, 5, expect))
        results = {label: statistics.median(values) for label, values in samples.items()}

    base, ours = results["python -c pass"], results["awsmfa env"]
    print(f"median wall time, {args.runs} runs each, cached session, this machine ({os.cpu_count()} cores):")
    for label, ms in results.items():
        print(f"  {label:26s} {ms:8.1f} ms")
    print("ratios:")
    print(f"  awsmfa env / python -c pass        {ours / base:6.2f}x   (goal: at most 5x)")
    print(f"  awsmfa env --shell bash / python   {results['awsmfa env --shell bash'] / base:6.2f}x")
    print(f"  aws-mfa / awsmfa env               {results['aws-mfa (cached)'] / ours:6.2f}x   (goal: at least 6x)")
    print(f"  awsume / awsmfa env                {results['awsume (cached)'] / ours:6.2f}x")
    sys.path.insert(0, HERE)
    if args.startup or args.all:
        import startup  # bench/startup.py: shell start with and without the installed block

        startup.main()
    if args.all:
        import completion  # bench/completion.py: Tab latency of awsmfa's and aws's completion

        completion.main([])


if __name__ == "__main__":
    main()
