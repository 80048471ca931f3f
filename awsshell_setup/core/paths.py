"""Where the AWS files are, as the AWS CLI finds them (env overrides first).

Injectable for tests: every function takes the environment mapping instead of reading
os.environ behind the caller's back.
"""
import os

def _expand(path, environ):
    """As botocore expands AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE
    (configloader.raw_config_parse: os.path.expandvars, then os.path.expanduser), with `environ`
    in place of os.environ, so awsmfa writes the very file the AWS CLI reads."""
    if "$" in path:
        path = _expand_variables(path, environ)
    if not path.startswith("~"):
        return path
    user, slash, rest = path[1:].partition("/")
    home = home_dir(environ) if not user else os.path.expanduser("~" + user)
    if home.startswith("~"):
        from .errors import FileProblem

        # Else "~/.aws" would become a folder named "~" in the current folder.
        raise FileProblem(f"cannot tell where {path} is: HOME is not set and this user has no home folder "
                          "in the passwd database", hint="set HOME, or AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE")
    return home.rstrip("/") + slash + rest if home != "/" else "/" + rest


_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def _expand_variables(path, environ):
    """posixpath.expandvars' rule, $NAME or ${NAME} (NAME: ASCII word characters; inside braces
    anything up to the first `}`), an unknown one left as it is, anything else ($(...), a lone
    $) too. By hand, in one pass: its regex, `\\$(\\w+|\\{[^}]*\\})`, rescans to the end from every
    `${` that has no `}` after it, quadratic in the length (and `re` costs ~6 ms on the cached
    `env` path)."""
    out, at, search, close = [], 0, 0, -1  # at: the text not yet copied; search: where the next `$` may be
    while True:
        dollar = path.find("$", search)
        if dollar < 0:
            out.append(path[at:])
            return "".join(out)
        start = search = dollar + 1
        name, end = None, start
        if path.startswith("{", start):
            if close is not None and close < start:
                close = path.find("}", start)
                close = None if close < 0 else close  # none after here: none after any later `${`
            if close is not None:
                name, end = path[start:close + 1].strip("{}"), close + 1
        if name is None:
            while end < len(path) and path[end] in _WORD:
                end += 1
            if end > start:
                name = path[start:end]
        if name is not None:
            out += (path[at:dollar], environ.get(name, path[dollar:end]))
            at = search = end


def home_dir(environ):
    home = environ.get("HOME") or os.path.expanduser("~")
    return home


def credentials_file(environ):
    return _expand(environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials", environ)


def config_file(environ):
    return _expand(environ.get("AWS_CONFIG_FILE") or "~/.aws/config", environ)


def printable(text, line=False):
    """`text` as it may reach a terminal: the one place anything a user, a file or another
    account controls is escaped for display (docs/ARCHITECTURE.md §4).

    A path (or a message holding paths): as it is when every character prints, else Python's
    quoted form, where a newline in a folder name shows as \\n and cannot end the message or
    start a forged line.
    line=True: a piece of a line of output (a line of someone's file, what their program
    printed, everything the --user child writes): each character that does not print (ESC of
    a CSI or OSC sequence, BEL, CR, BS, a C1 control, a bidi override) is replaced by its escape
    (\\x1b, \\r, \\u202e), with no quotes, so that pieces escaped one by one read as the whole
    would; a tab stays (it moves the cursor on, it cannot erase or rewrite what is there).
    Linear in the length of the text."""
    if not line:
        return text if text.isprintable() else repr(text)
    if text.isprintable() or text.replace("\t", "").isprintable():
        return text
    return "".join(each if each.isprintable() or each == "\t" else repr(each)[1:-1] for each in text)


def display(path, environ):
    """A path as the user would type it: ~ for the home folder; escaped as printable() does."""
    home = home_dir(environ)
    if home and home != "/" and (path == home or path.startswith(home.rstrip("/") + "/")):
        path = "~" + path[len(home.rstrip("/")):]
    return printable(path)
