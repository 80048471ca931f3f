#!/usr/bin/env python3
"""How fast is `awsmfa env` when the session is cached, next to Python itself and its peers?

Prints, from one run on this machine, the median wall time (whole process, started by bash as
a shell starts it) of each command below and each ratio. Not a test: speed is reported, not asserted.

    python bench/benchmark.py                 # awsmfa against python, aws-mfa, awsume
    python bench/benchmark.py --runs 40       # more runs per command
    python bench/benchmark.py --startup       # also what the installed block adds to shell start
    python bench/benchmark.py --all           # and Tab latency (bench/completion.py): everything in one run

awsmfa is measured as users install it: each run builds this checkout (its package and
templates as they are now, committed or not) and pip-installs it, not editable, into a
virtualenv made for that run in a temporary folder, removed at the end (about 5 s; pip's index
must be reachable, as for any install). Nothing is cached, so a stale copy is never measured.
That virtualenv's own Python is the `python -c pass` baseline, and every ratio uses that awsmfa.
The development virtualenv's awsmfa (`pip install -e .`) has a row of its own: an editable
install adds a .pth finder that runs at every Python start of that virtualenv, a cost users
(pipx install .) never pay. --startup and --all call bench/startup.py and bench/completion.py
as they are: those still run the checkout and the development virtualenv's awsmfa.

Peers (aws-mfa, awsume) are installed once into their own plain virtualenv under
~/.cache/awsmfa-bench (override with --peers-venv), so they never touch the project's
environment. Every command runs against the same throwaway HOME whose session is valid for
six more hours; no command makes a network call (the endpoint is a closed port).
"""
import argparse
import datetime as dt
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKOUT = os.path.dirname(HERE)
# What a wheel of awsmfa is built from: the package, its shell templates, and the build files
# (setup.cfg reads README.md for the long description).
BUILD_INPUTS = ("awsshell_setup", "pyproject.toml", "setup.cfg", "setup.py", "README.md")  # templates: awsshell_setup/shells/templates
BLOCK_START, BLOCK_END = "# >>> awsmfa initialize >>>", "# <<< awsmfa initialize <<<"
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


def install_awsmfa(root, extra=()):
    """This checkout pip-installed as users install it (not editable) into a new virtualenv in
    ROOT, with the EXTRA distributions beside it; returns the virtualenv's bin folder. The
    sources are copied first so the build leaves nothing in the checkout and never reuses a
    build/ folder left there."""
    source = os.path.join(root, "source")
    for name in BUILD_INPUTS:
        path = os.path.join(CHECKOUT, name)
        if os.path.isdir(path):
            shutil.copytree(path, os.path.join(source, name),
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
        else:
            os.makedirs(source, exist_ok=True)
            shutil.copy2(path, source)
    venv = os.path.join(root, "awsmfa-venv")
    # A plain virtualenv, made as the peers' is, so the baseline and the peers start alike.
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    bindir = os.path.join(venv, "bin")
    # The pip that writes the `awsmfa` wrapper as pipx's (current) pip does: pip 23's wrapper
    # imports `re` (about 4 ms a start) to trim a `.exe` suffix; current pip's does not.
    subprocess.run([os.path.join(bindir, "python"), "-m", "pip", "install", "-q", "--upgrade", "pip"],
                   check=True, capture_output=True)
    done = subprocess.run([os.path.join(bindir, "python"), "-m", "pip", "install", "-q", source, *extra],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"pip install of this checkout failed:\n{done.stdout}{done.stderr}")
    return bindir


def check_installed(bindir, env, cwd):
    """The copy measured is a real install: its package lives in its own virtualenv (not in
    this checkout), the wheel carries the shell templates (`awsmfa init SHELL` prints the
    block), and `awsmfa env` answers without importing click or botocore (its cached path)."""
    python, awsmfa = os.path.join(bindir, "python"), os.path.join(bindir, "awsmfa")
    where = subprocess.run([python, "-c", "import awsshell_setup.shells.templates as t; print(t.__file__)"],
                           env=env, cwd=cwd, capture_output=True, text=True)
    origin = os.path.realpath(where.stdout.strip())
    if where.returncode != 0 or not origin.startswith(os.path.realpath(os.path.dirname(bindir)) + os.sep):
        raise SystemExit(f"the installed awsmfa's templates are not in its virtualenv: {where.stdout}{where.stderr}")
    for shell in ("bash", "zsh", "fish"):
        # A bare completer name is looked up at Tab, so this needs no AWS CLI on the machine.
        block = subprocess.run([awsmfa, "init", shell, "--completer", "aws_completer"], env=env, cwd=cwd,
                               capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if block.returncode != 0 or BLOCK_START not in block.stdout or BLOCK_END not in block.stdout:
            raise SystemExit(f"the installed `awsmfa init {shell}` printed no block:\n{block.stdout}{block.stderr}")
    imports = subprocess.run(VIA_SHELL + [python, "-X", "importtime", awsmfa, "env", "--shell", "bash"],
                             env=env, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    lines = imports.stderr.splitlines()
    modules = {line.rsplit("|", 1)[-1].strip() for line in lines if line.startswith("import time:")}
    heavy = sorted({"click", "botocore"} & modules)
    if imports.returncode != 0 or "AWS_SESSION_TOKEN" not in imports.stdout or heavy:
        said = "\n".join(line for line in lines if not line.startswith("import time:"))
        raise SystemExit(f"the installed `awsmfa env` did not take its cached path (imported: {heavy}):\n"
                         f"{imports.stdout}{said}")


def editable_awsmfa():
    """The development virtualenv's awsmfa (the one next to this Python) and whether its
    package is this checkout's folder (an editable install); None when it has none."""
    awsmfa = shutil.which("awsmfa", path=os.path.dirname(sys.executable))
    spec = importlib.util.find_spec("awsshell_setup")
    if not awsmfa or spec is None or not spec.origin:
        return None, False
    return awsmfa, os.path.realpath(spec.origin).startswith(os.path.realpath(CHECKOUT) + os.sep)


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


def median_ms(argv, env, runs, expect, cwd=None):
    """Median wall time of the whole process; the first run warms the page cache and is dropped."""
    times = []
    for index in range(runs + 1):
        start = time.perf_counter()
        result = subprocess.run(VIA_SHELL + argv, env=env, capture_output=True, text=True,
                                stdin=subprocess.DEVNULL, cwd=cwd)
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

    dev_awsmfa, editable = editable_awsmfa()
    dev = "editable checkout" if editable else "development venv"
    peers = peers_venv(args.peers_venv)
    with tempfile.TemporaryDirectory(prefix="awsmfa-bench-") as root:
        print("installing this checkout (pip install, not editable) into a new virtualenv", file=sys.stderr)
        installed = install_awsmfa(root)
        python, awsmfa = os.path.join(installed, "python"), os.path.join(installed, "awsmfa")
        env = environment(make_home(root))
        check_installed(installed, env, root)
        commands = [
            ("python -c pass", [python, "-c", "pass"], ""),
            ("awsmfa env --shell bash", [awsmfa, "env", "--shell", "bash"], "AWS_SESSION_TOKEN"),
            ("awsmfa env", [awsmfa, "env"], "AWS_SESSION_TOKEN"),
            ("aws-mfa (cached)", [os.path.join(peers, "aws-mfa"), "--profile", "bench"], "still valid"),
            ("awsume (cached)", [os.path.join(peers, "awsumepy"), "default"], "ASIABENCH"),
        ]
        if dev_awsmfa:
            commands += [
                (f"python -c pass, {dev}", [sys.executable, "-c", "pass"], ""),
                (f"awsmfa env, {dev}", [dev_awsmfa, "env"], "AWS_SESSION_TOKEN"),
            ]
        # Interleave the commands round by round so a noisy moment hits all of them alike.
        samples = {label: [] for label, _, _ in commands}
        for _ in range(max(1, args.runs // 5)):
            for label, argv, expect in commands:
                samples[label].append(median_ms(argv, env, 5, expect, cwd=root))
        results = {label: statistics.median(values) for label, values in samples.items()}

        base, ours = results["python -c pass"], results["awsmfa env"]
        print(f"median wall time, {args.runs} runs each, cached session, this machine ({os.cpu_count()} cores);")
        print("awsmfa and python: a non-editable pip install of this checkout in a new virtualenv (as pipx installs it);")
        print("aws-mfa and awsume: their own plain virtualenv:")
        for label, ms in results.items():
            print(f"  {label:38s} {ms:8.1f} ms")
        print("ratios (the installed awsmfa):")
        print(f"  awsmfa env / python -c pass        {ours / base:6.2f}x   (goal: at most 5x)")
        print(f"  awsmfa env --shell bash / python   {results['awsmfa env --shell bash'] / base:6.2f}x")
        print(f"  aws-mfa / awsmfa env               {results['aws-mfa (cached)'] / ours:6.2f}x   (goal: at least 6x)")
        print(f"  awsume / awsmfa env                {results['awsume (cached)'] / ours:6.2f}x")
        if dev_awsmfa:
            dev_env, dev_base = results[f"awsmfa env, {dev}"], results[f"python -c pass, {dev}"]
            print(f"{dev} ({os.path.dirname(os.path.dirname(sys.executable))}), what users never pay:")
            print(f"  awsmfa env: {dev_env - ours:+.1f} ms, python -c pass: {dev_base - base:+.1f} ms")
        else:
            print(f"no awsmfa next to {sys.executable}: the development venv is not measured")
        sys.path.insert(0, HERE)
        if args.startup or args.all:
            import startup  # bench/startup.py: shell start with and without the installed block

            startup.main()
        if args.all:
            import completion  # bench/completion.py: Tab latency of awsmfa's and aws's completion

            completion.main([], awsmfa=awsmfa)


if __name__ == "__main__":
    main()
