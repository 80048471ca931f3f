"""Where the AWS files are, as the AWS CLI finds them (env overrides first).

Injectable for tests: every function takes the environment mapping instead of reading
os.environ behind the caller's back.
"""
import os


def _expand(path, environ):
    if path.startswith("~"):
        home = environ.get("HOME") or os.path.expanduser("~")
        path = home + path[1:]
    return path


def home_dir(environ):
    home = environ.get("HOME") or os.path.expanduser("~")
    return home


def credentials_file(environ):
    return _expand(environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials", environ)


def config_file(environ):
    return _expand(environ.get("AWS_CONFIG_FILE") or "~/.aws/config", environ)


def display(path, environ):
    """A path as the user would type it: ~ for the home folder."""
    home = home_dir(environ)
    if home and home != "/" and (path == home or path.startswith(home.rstrip("/") + "/")):
        return "~" + path[len(home.rstrip("/")):]
    return path
