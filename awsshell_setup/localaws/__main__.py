"""``python -m awsshell_setup.localaws serve|code`` (see ``cli``)."""

from .commands import main

if __name__ == "__main__":
    raise SystemExit(main())
