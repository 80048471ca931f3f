#!/usr/bin/env python3
"""Tab latency of the AWS CLI's completion (Debian's AWS CLI v2 completer against PyPI's v1) and
of awsmfa's own.

Two figures per CLI, medians of whole-process wall time:
- the completer alone: one run with COMP_LINE='aws ec2 stop-ins' and COMP_POINT at its end,
  exactly what bash, zsh and fish run on that Tab;
- Tab in a real interactive bash after `awsmfa install` (Debian's ~/.bashrc, which loads
  bash-completion when installed): the time from the Tab key to the completed word on the
  terminal, through `complete -C` (v1) or Debian's bash-completion file (v2, which install
  leaves to bash-completion).
And for awsmfa itself: one answer of click's completion, as the installed block asks it on
`awsmfa sta<Tab>` and `awsmfa env --profile <Tab>` (the profiles of a throwaway home's files).

    python bench/completion.py            # print the table
    python bench/completion.py --runs 20

A benchmark, not a test: it asserts nothing. Needs Debian's awscli (apt-get install awscli),
the AWS CLI v1 of this Python (pip install -e '.[test]'), bash and pexpect.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

LINE = "aws ec2 stop-ins"
DEBIAN_COMPLETER = "/usr/libexec/aws_completer"
V1_COMPLETER = os.path.join(os.path.dirname(sys.executable), "aws_completer")
SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
PROMPT = "BENCH-READY> "
SKEL_BASHRC = "/etc/skel/.bashrc"

# label, completer, PATH under which `awsmfa install` finds it
CLIS = [
    ("AWS CLI v2 (Debian, /usr/libexec)", DEBIAN_COMPLETER, SYSTEM_PATH),
    ("AWS CLI v1 (PyPI, this venv)", V1_COMPLETER, os.path.dirname(V1_COMPLETER) + ":" + SYSTEM_PATH),
]


def completer_once(path):
    env = {"PATH": SYSTEM_PATH, "HOME": os.environ.get("HOME", "/"), "COMP_LINE": LINE, "COMP_POINT": str(len(LINE))}
    start = time.perf_counter()
    answer = subprocess.run([path], env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if "stop-instances" not in answer.stdout:
        raise SystemExit(f"{path} did not complete {LINE!r}: {answer.stdout!r} {answer.stderr[-300:]!r}")
    return elapsed


def bash_tab_times(search_path, runs):
    """Tab in an interactive bash whose ~/.bashrc holds what `awsmfa install` wrote."""
    import pexpect

    with tempfile.TemporaryDirectory(prefix="awsmfa-bench-") as home:
        shutil.copyfile(SKEL_BASHRC, os.path.join(home, ".bashrc"))
        env = {"HOME": home, "PATH": search_path, "TERM": "xterm-256color", "LANG": "C.UTF-8",
               "USER": os.environ.get("USER", "root")}
        subprocess.run([sys.executable, "-m", "awsshell_setup", "install", "--shell", "bash", "--yes"], env=env,
                       check=True, capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
        child = pexpect.spawn("bash", ["-i"], env=env, cwd=home, encoding="utf-8", timeout=60, dimensions=(50, 250))
        try:
            half = len(PROMPT) // 2
            child.sendline(f"PS1='{PROMPT[:half]}''{PROMPT[half:]}'; unset PROMPT_COMMAND")
            child.expect_exact(PROMPT)
            times = []
            for _ in range(runs + 1):  # the first Tab loads bash-completion's file: not counted
                child.send(LINE)
                child.expect_exact(LINE)
                start = time.perf_counter()
                child.send("\t")
                child.expect_exact("tances")
                times.append(time.perf_counter() - start)
                child.send("\x03")  # Ctrl-C: drop the line
                child.expect_exact(PROMPT)
            return times[1:]
        finally:
            child.close(force=True)


AWSMFA = os.path.join(os.path.dirname(sys.executable), "awsmfa")
# (what is typed, COMP_WORDS, COMP_CWORD, a word the answer must hold)
AWSMFA_TABS = [("awsmfa sta", "awsmfa sta", 1, "plain,status"),
               ("awsmfa env --profile ", "awsmfa env --profile ", 3, "plain,work")]


def awsmfa_tab_once(home, words, cword, expected, awsmfa=AWSMFA):
    """One Tab's answer, as the installed block asks it: `env _AWSMFA_COMPLETE=bash_complete
    COMP_WORDS=... COMP_CWORD=... awsmfa`; whole-process wall time."""
    env = {"PATH": os.path.dirname(awsmfa) + ":" + SYSTEM_PATH, "HOME": home, "_AWSMFA_COMPLETE": "bash_complete",
           "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    start = time.perf_counter()
    answer = subprocess.run([awsmfa], env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if expected not in answer.stdout.splitlines():
        raise SystemExit(f"awsmfa did not complete {words!r}: {answer.stdout!r} {answer.stderr[-300:]!r}")
    return elapsed


def awsmfa_tab_medians(runs, awsmfa=AWSMFA):
    with tempfile.TemporaryDirectory(prefix="awsmfa-bench-") as home:
        os.mkdir(os.path.join(home, ".aws"))
        with open(os.path.join(home, ".aws", "credentials"), "w") as handle:
            handle.write("[default]\naws_access_key_id = AKIAEXAMPLE\n\n[work]\naws_access_key_id = AKIAEXAMPLE2\n")
        with open(os.path.join(home, ".aws", "config"), "w") as handle:
            handle.write("[default]\nregion = eu-west-1\n\n[profile ops]\nrole_arn = arn:aws:iam::1:role/x\n")
        rows = []
        for typed, words, cword, expected in AWSMFA_TABS:
            awsmfa_tab_once(home, words, cword, expected, awsmfa)  # warm the disk cache
            rows.append((typed, statistics.median(awsmfa_tab_once(home, words, cword, expected, awsmfa)
                                                  for _ in range(runs))))
        return rows


def print_awsmfa_tabs(runs, awsmfa=AWSMFA):
    rows = awsmfa_tab_medians(runs, awsmfa)
    print(f"Tab latency of awsmfa's own completion (click, one answer), medians of {runs} runs; goal < 150 ms")
    print(f"  ({awsmfa})")
    for typed, median in rows:
        print(f"  {typed + '<Tab>':36} {median * 1000:7.1f} ms")
    return rows


def main(argv=None, awsmfa=AWSMFA):
    """Print every figure; `awsmfa`: which awsmfa answers Tab (bench/benchmark.py --all passes
    the non-editable install it made, as users have it; alone, this venv's)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--awsmfa-only", action="store_true", help="Only the Tab latency of awsmfa's completion.")
    args = parser.parse_args(argv)
    awsmfa_rows = print_awsmfa_tabs(10, awsmfa)  # ten answers: the figure the README quotes
    if args.awsmfa_only:
        return awsmfa_rows
    for _, path, _ in CLIS:
        if not os.path.exists(path):
            raise SystemExit(f"{path} is missing: apt-get install awscli; pip install -e '.[test]'")
    rows = []
    for label, path, search_path in CLIS:
        completer_once(path)  # warm the disk cache
        alone = statistics.median(completer_once(path) for _ in range(args.runs))
        tab = statistics.median(bash_tab_times(search_path, args.runs))
        rows.append((label, alone, tab))
    v2_alone, v2_tab = rows[0][1], rows[0][2]
    print(f"Tab latency for {LINE!r}, medians of {args.runs} runs")
    print(f"{'CLI':36} {'completer alone':>16} {'ratio':>7} {'bash Tab':>10} {'ratio':>7}")
    for label, alone, tab in rows:
        print(f"{label:36} {alone * 1000:13.1f} ms {alone / v2_alone:6.1f}x {tab * 1000:7.1f} ms {tab / v2_tab:6.1f}x")
    return rows + awsmfa_rows


if __name__ == "__main__":
    main()
