#!/usr/bin/env python3
"""Role profiles: how fast, and how many MFA codes, next to the AWS CLI and aws-mfa.

One run, against the package's local AWS over HTTP (the roles scenario: a user allowed only
sts:AssumeRole, role `ops` in one account, role `audit` in another, both trusting the user
with MFA), prints:

* the median wall time of `awsmfa env --profile ops` with the role session cached, next to
  `python -c pass` (goal: within 3x);
* the median wall time of a second role's fresh session with the MFA session cached
  (`awsmfa env --profile audit --force`: one AssumeRole, no code), next to the AWS CLI's
  `aws sts assume-role` from the same MFA session profile (goal: faster);
* what the self-renewing profile adds to an AWS CLI command (its credential_process, answered
  from the cached role session) next to the same command with the role session's keys;
* how many MFA codes each tool asks for to get sessions for both roles: awsmfa, the AWS CLI
  (`--profile ops` then `--profile audit`, its documented role profiles with mfa_serial), and
  aws-mfa (`--assume-role` per role). Each tool runs in a pseudo-terminal; the prompts it
  shows are counted and answered with valid codes.

    python bench/roles.py             # 25 runs per timing
    python bench/roles.py --runs 60

Every command is started by bash, as a shell starts it. Not a test: figures are reported, not
asserted. awsmfa and the AWS CLI (v1, pip) run from a virtualenv made for this run, where this
checkout is pip-installed as users install it, not editable (bench/benchmark.py's
install_awsmfa: the editable install's .pth would add its cost to every Python start); its
Python is the `python -c pass` baseline, and its bin folder leads PATH, so the self-renewing
profile's credential_process runs that awsmfa too. aws-mfa is installed once into its own
virtualenv (see bench/benchmark.py).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

import pexpect

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import benchmark  # noqa: E402  (bench/benchmark.py, same folder)
from benchmark import VIA_SHELL, peers_venv  # noqa: E402

from awsshell_setup.localaws import LocalAWS, mfa, provision_roles  # noqa: E402

def aws_command(bindir):
    """argv prefix for the AWS CLI installed in the virtualenv of BINDIR (as tests/awscli.py finds it)."""
    python, candidate = os.path.join(bindir, "python"), os.path.join(bindir, "aws")
    return [python, candidate] if os.path.exists(candidate) else [python, "-m", "awscli"]


CODE_PROMPTS = {
    "awsmfa": r"MFA code for arn:aws:iam::\d+:mfa/\S+: ",
    "aws": r"Enter MFA code for arn:aws:iam::\d+:mfa/\S+: ",
    "aws-mfa": r"Enter AWS MFA code for device",
}


def write_files(home, scenario, region="us-east-1"):
    aws = os.path.join(home, ".aws")
    os.makedirs(aws)
    with open(os.path.join(aws, "credentials"), "w") as handle:
        keys = f"aws_access_key_id = {scenario.access_key_id}\naws_secret_access_key = {scenario.secret_access_key}\n"
        # [base] for awsmfa and the AWS CLI; [peer-long-term] for aws-mfa, which writes [peer-SUFFIX].
        handle.write(f"[base]\n{keys}\n[peer-long-term]\n{keys}aws_mfa_device = {scenario.serial_number}\n")
    with open(os.path.join(aws, "config"), "w") as handle:
        handle.write(f"[profile base]\nregion = {region}\nmfa_serial = {scenario.serial_number}\n")
        for name, arn in (("ops", scenario.ops_role_arn), ("audit", scenario.audit_role_arn)):
            handle.write(f"\n[profile {name}]\nrole_arn = {arn}\nsource_profile = base\n"
                         f"mfa_serial = {scenario.serial_number}\nregion = {region}\n")


def environment(home, local, bindir):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "XDG_"))}
    env.update(HOME=home, AWS_ENDPOINT_URL=local.endpoint_url, AWS_EC2_METADATA_DISABLED="true",
               AWS_DEFAULT_REGION="us-east-1")
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    return env


def median_ms(argv, env, runs, expect, cwd=None):
    import time

    times = []
    for index in range(runs + 1):
        start = time.perf_counter()
        result = subprocess.run(VIA_SHELL + argv, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                                cwd=cwd)
        elapsed = (time.perf_counter() - start) * 1000
        if result.returncode != 0 or expect not in result.stdout + result.stderr:
            raise SystemExit(f"{argv} failed:\n{result.stdout}{result.stderr}")
        if index:
            times.append(elapsed)
    return times


def codes_asked(tool, commands, env, local, serial):
    """Run each command in a pseudo-terminal, answering every code prompt; count the prompts."""
    count = 0
    for argv in commands:
        child = pexpect.spawn(argv[0], argv[1:], env=env, encoding="utf-8", timeout=60)
        while True:
            index = child.expect([CODE_PROMPTS[tool], pexpect.EOF])
            if index == 1:
                break
            count += 1
            local.clock_offset += mfa.STEP_SECONDS  # a step of its own: a code never used before
            child.sendline(local.totp_code(serial))
        child.close()
        if child.exitstatus != 0:
            raise SystemExit(f"{' '.join(argv)} failed (exit {child.exitstatus}):\n{child.before}")
    return count


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--peers-venv", default=os.path.expanduser("~/.cache/awsmfa-bench/peers"))
    parser.add_argument("--no-peers", action="store_true", help="skip aws-mfa (no install)")
    args = parser.parse_args()

    with LocalAWS() as local, tempfile.TemporaryDirectory(prefix="awsmfa-bench-") as root:
        print("installing this checkout (pip install, not editable) and awscli into a new virtualenv", file=sys.stderr)
        installed = benchmark.install_awsmfa(root, extra=("awscli",))
        check = os.path.join(root, "check")
        os.makedirs(check)
        benchmark.check_installed(installed, benchmark.environment(benchmark.make_home(check)), check)
        python, awsmfa = os.path.join(installed, "python"), os.path.join(installed, "awsmfa")
        scenario = provision_roles(local)
        serial = scenario.serial_number
        figures = {}

        # How many codes, each tool in a HOME of its own.
        codes = {}
        for tool, commands in (
                ("awsmfa", [[awsmfa, "env", "--profile", "ops"], [awsmfa, "env", "--profile", "audit"]]),
                ("aws", [aws_command(installed) + ["sts", "get-caller-identity", "--profile", "ops"],
                         aws_command(installed) + ["sts", "get-caller-identity", "--profile", "audit"]]),
                ("aws-mfa", None)):
            home = os.path.join(root, tool)
            write_files(home, scenario)
            env = environment(home, local, installed)
            if tool == "aws-mfa":
                if args.no_peers:
                    continue
                peer = os.path.join(peers_venv(args.peers_venv), "aws-mfa")
                commands = [[peer, "--profile", "peer", "--short-term-suffix", name, "--assume-role", arn,
                             "--role-session-name", "bench"]
                            for name, arn in (("ops", scenario.ops_role_arn), ("audit", scenario.audit_role_arn))]
            codes[tool] = codes_asked(tool, commands, env, local, serial)

        # Timings, in the awsmfa HOME where both roles and the MFA session are now cached.
        env = environment(os.path.join(root, "awsmfa"), local, installed)
        commands = [
            ("python -c pass", [python, "-c", "pass"], ""),
            ("awsmfa env --profile ops (cached)", [awsmfa, "env", "--profile", "ops", "--shell", "bash"], "AWS_PROFILE"),
            ("awsmfa env --json --profile ops (cached)", [awsmfa, "env", "--json", "--profile", "ops"], "SessionToken"),
            ("awsmfa env --profile audit --force", [awsmfa, "env", "--profile", "audit", "--force", "--shell", "bash"],
             "AWS_PROFILE"),
            ("aws sts assume-role (AWS CLI)", aws_command(installed) + [
                "sts", "assume-role", "--role-arn", scenario.audit_role_arn, "--role-session-name", "bench",
                "--profile", "base-mfa"], "SessionToken"),
            # What the self-renewing profile costs each AWS CLI command: its credential_process.
            ("aws sts get-caller-identity, ops-mfa", aws_command(installed) + [
                "sts", "get-caller-identity", "--profile", "ops-mfa"], "assumed-role/ops"),
            ("aws sts get-caller-identity, ops-mfa-auto", aws_command(installed) + [
                "sts", "get-caller-identity", "--profile", "ops-mfa-auto"], "assumed-role/ops"),
        ]
        samples = {label: [] for label, _, _ in commands}
        for _ in range(max(1, args.runs // 5)):  # interleaved: a noisy moment hits all alike
            for label, argv, expect in commands:
                samples[label] += median_ms(argv, env, 5, expect, cwd=root)
        figures = {label: statistics.median(values) for label, values in samples.items()}

    base = figures["python -c pass"]
    print(f"median wall time, {args.runs} runs each, local AWS over HTTP, this machine ({os.cpu_count()} cores);")
    print("awsmfa, python and the AWS CLI: a non-editable pip install of this checkout (and awscli) in a new virtualenv:")
    for label, ms in figures.items():
        print(f"  {label:42s} {ms:8.1f} ms")
    print("ratios:")
    cached = figures["awsmfa env --profile ops (cached)"]
    fresh, theirs = figures["awsmfa env --profile audit --force"], figures["aws sts assume-role (AWS CLI)"]
    print(f"  cached role env / python -c pass          {cached / base:6.2f}x   (goal: within 3x)")
    print(f"  second role, fresh / aws sts assume-role  {fresh / theirs:6.2f}x   (goal: under 1x)")
    process = figures["aws sts get-caller-identity, ops-mfa-auto"] - figures["aws sts get-caller-identity, ops-mfa"]
    print(f"  credential_process per AWS CLI command    {process:+6.1f} ms (ops-mfa-auto against ops-mfa's keys)")
    print("MFA codes asked to get sessions for ops (account A) and audit (account B):")
    for tool, count in codes.items():
        print(f"  {tool:10s} {count}")
    if "aws-mfa" not in codes:
        print("  aws-mfa    not measured (--no-peers)")


if __name__ == "__main__":
    main()
