#!/usr/bin/env python3
"""What the block `awsmfa install` writes adds to shell start, per shell.

Each case is an interactive shell that starts, reads its startup files and exits
(`bash -i -c exit`, `zsh -i -c exit`, `fish -i -c exit`) in a throwaway HOME, once without
awsmfa and once with what `awsmfa install` writes there. Runs of the two alternate so a noisy
moment hits both alike; the figures are medians of whole-process wall time.

    python bench/startup.py              # print the table, and what the prompt helper costs a prompt
    python bench/startup.py --runs 60

    from startup import measure_startup  # bench/benchmark.py --startup calls main()

The goal: under 3 ms added for bash and fish, and for zsh when the user's own rc
already runs compinit. Without that, the block runs compinit itself (zsh completion needs it),
which is most of zsh's cost; that case is reported too.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # the checkout's awsshell_setup, installed or not

from awsshell_setup.setup import install  # noqa: E402

GOAL_MS = 3.0
SKEL_BASHRC = "/etc/skel/.bashrc"
USER_COMPINIT = "autoload -Uz compinit && compinit\n"

# (label, shell, the user's own rc text or None for the distribution's default, goal applies)
CASES = [
    ("bash (Debian .bashrc)", "bash", None, True),
    ("zsh (rc runs compinit)", "zsh", USER_COMPINIT, True),
    ("zsh (empty rc: block runs compinit)", "zsh", "", False),
    ("fish", "fish", None, True),
]


def _completer():
    # Never run at start, so any path does for the measurement; the real one when there is one.
    return shutil.which("aws_completer") or "/usr/bin/aws_completer"


def _prepare(root, shell_name, user_rc, with_block):
    home = os.path.join(root, f"{shell_name}-{'with' if with_block else 'without'}-{len(os.listdir(root))}")
    os.makedirs(home)
    if shell_name == "bash":
        shutil.copyfile(SKEL_BASHRC, os.path.join(home, ".bashrc")) if os.path.exists(SKEL_BASHRC) else None
    if shell_name == "zsh":
        with open(os.path.join(home, ".zshrc"), "w") as handle:
            handle.write(user_rc or "")
    env = {"HOME": home, "PATH": os.environ.get("PATH", os.defpath), "TERM": "dumb", "LANG": "C.UTF-8"}
    if with_block:
        install.install([shell_name], env, completer=_completer(), say=lambda *_: None, show=lambda *_: None)
    return env


def _once(shell_name, env):
    start = time.perf_counter()
    subprocess.run([shell_name, "-i", "-c", "exit"], env=env, cwd=env["HOME"], stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return (time.perf_counter() - start) * 1000


def measure_startup(runs=40, warmup=3):
    """{label: {"without": ms, "with": ms, "added": ms, "goal": bool}}, medians of `runs` starts.

    A shell that is not installed is reported with None figures rather than skipped silently.
    """
    results = {}
    with tempfile.TemporaryDirectory(prefix="awsmfa-startup-") as root:
        for label, shell_name, user_rc, goal in CASES:
            if shutil.which(shell_name) is None:
                results[label] = {"without": None, "with": None, "added": None, "goal": goal,
                                  "error": f"{shell_name} is not installed"}
                continue
            envs = {flag: _prepare(root, shell_name, user_rc, flag) for flag in (False, True)}
            for _ in range(warmup):  # zsh writes .zcompdump on its first compinit; caches warm up
                for flag in (False, True):
                    _once(shell_name, envs[flag])
            samples = {False: [], True: []}
            for index in range(runs):
                order = (False, True) if index % 2 == 0 else (True, False)
                for flag in order:
                    samples[flag].append(_once(shell_name, envs[flag]))
            without, with_block = statistics.median(samples[False]), statistics.median(samples[True])
            results[label] = {"without": without, "with": with_block, "added": with_block - without, "goal": goal}
    return results


# Per shell: a loop calling BODY CALLS times, after sourcing the block. The same loop around a
# do-nothing body is the baseline: the difference is what the helper costs a prompt.
PROMPT_LOOPS = {
    "bash": (["bash", "--norc", "--noprofile", "-c"],
             'source "$1"; function noop { :; }; for ((i = 0; i < $2; i++)); do {body}; done', "bash"),
    "zsh": (["zsh", "-f", "-c"],
            'source "$1"; function noop { : }; for ((i = 0; i < $2; i++)); do {body}; done', "zsh"),
    "fish": (["fish", "--no-config", "-c"],
             "source $argv[1]; function noop; end; for i in (seq $argv[2]); {body}; end", None),
}
PROMPT_BODIES = {
    "bash": {"mfa_prompt -v NAME": "mfa_prompt -v x", "the warning (AWSMFA_WARN, hours left)": "_mfa_warn",
             "baseline": "noop"},
    "zsh": {"mfa_prompt -v NAME": "mfa_prompt -v x", "the warning (AWSMFA_WARN, hours left)": "_mfa_warn",
            "baseline": "noop"},
    "fish": {"mfa_prompt": "set x (mfa_prompt)", "the warning (AWSMFA_WARN, hours left)": "mfa_prompt --warn",
             "baseline": "set x (noop)"},
}


def measure_prompt(calls=2000, runs=5):
    """{shell: {what: microseconds per call}}: best of `runs` loops of `calls` calls, minus the
    same loop around a function that does nothing."""
    from awsshell_setup import shells
    from awsshell_setup.core import timeutil

    import datetime

    results = {}
    end = timeutil.format_utc(timeutil.now() + datetime.timedelta(hours=3))
    with tempfile.TemporaryDirectory(prefix="awsmfa-prompt-") as root:
        for name, (argv, script, zeroth) in PROMPT_LOOPS.items():
            if shutil.which(name) is None:
                continue
            template = shells.load_template(shells.by_name(name).template)
            code = template["function"] + template["prompt"]
            block = os.path.join(root, f"block.{name}")
            with open(block, "w") as handle:
                handle.write(code)
            env = {"PATH": os.environ.get("PATH", os.defpath), "HOME": root, "AWS_CREDENTIAL_EXPIRATION": end,
                   "AWSMFA_WARN": "1", "LC_ALL": "C.UTF-8"}
            timings = {}
            for what, call in PROMPT_BODIES[name].items():
                command = argv + [script.replace("{body}", call)] + ([zeroth] if zeroth else []) + [block, str(calls)]
                best = None
                for _ in range(runs):
                    start_time = time.perf_counter()
                    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
                    elapsed = time.perf_counter() - start_time
                    best = elapsed if best is None else min(best, elapsed)
                timings[what] = best
            baseline = timings.pop("baseline")
            results[name] = {what: (seconds - baseline) / calls * 1e6 for what, seconds in timings.items()}
    return results


def main(runs=40):
    results = measure_startup(runs)
    print(f"shell start with the awsmfa block (median of {runs} starts each, `SHELL -i -c exit`):")
    print(f"  {'case':38s} {'without':>9s} {'with':>9s} {'added':>9s}")
    for label, figures in results.items():
        if figures["added"] is None:
            print(f"  {label:38s} {figures['error']}")
            continue
        verdict = ("ok" if figures["added"] < GOAL_MS else "OVER") + f" (goal < {GOAL_MS:.0f} ms)" \
            if figures["goal"] else "(the block's own compinit: zsh completion needs it)"
        print(f"  {label:38s} {figures['without']:7.1f}ms {figures['with']:7.1f}ms {figures['added']:+7.1f}ms  "
              f"{verdict}")
    prompt = measure_prompt()
    print("each prompt, with the prompt helper (best of 5 loops of 2000 calls, minus an empty function's):")
    for name, figures in prompt.items():
        print("  " + name + ": " + ", ".join(f"{what} {micro:.0f} us" for what, micro in figures.items()))
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    main(parser.parse_args().runs)
