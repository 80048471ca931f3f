"""Entry point for the `awsmfa` console script and `python -m awsshell_setup`."""
import sys


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    from .fastpath import try_cached_env

    if try_cached_env(argv):
        return 0
    from .cli import run

    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
