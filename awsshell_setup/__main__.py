"""Entry point for the `awsmfa` console script and `python -m awsshell_setup`."""
import os
import sys


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        status = _main(argv)
        sys.stdout.flush()  # here, where a closed pipe can still be caught, not at exit
    except BrokenPipeError:
        return _stdout_gone()
    return status


def _main(argv):
    from .fastpath import try_cached_env

    if try_cached_env(argv):
        return 0
    from .cli import run

    return run(argv)


def _stdout_gone():
    """Standard output was closed (`awsmfa env | head -c0`): nobody reads what is left, so no
    traceback, and no second failure when Python flushes stdout at exit. Exit 1 as click does."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
    return 1


if __name__ == "__main__":
    sys.exit(main())
