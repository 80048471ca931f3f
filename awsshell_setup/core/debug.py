"""`--debug` output on stderr. Not the logging module: importing it costs ~13 ms, which the
cached path of `awsmfa env` cannot afford. Callers pass no secret; this module cannot tell."""
import sys

enabled = False


def log(message, *args):
    if enabled:
        sys.stderr.write("awsmfa: debug: " + (message % args if args else message) + "\n")
