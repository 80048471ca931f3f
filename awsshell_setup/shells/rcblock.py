"""The rc-file format: awsmfa's marker blocks in a user's startup file, and the files it owns whole.

The twin of inifile.py for shell startup files; pure text in, text out, except read_rc.
- A block is a BEGIN marker line, awsmfa's lines, an END marker line. A marker is a line that,
  apart from spaces, tabs and a CR (CRLF files), is exactly the marker, and only "\n" ends a
  line (as in a shell). An END with no block open is the user's text; a BEGIN that never
  ends, or opens again inside a block, is refused before anything is written.
- Byte-exact uninstall (docs/ARCHITECTURE.md §4, users' files): install appends the block
  right after the last line; when the file did not end with a newline, or did not exist, the
  block carries a note saying so, and uninstall takes that newline back, or deletes the file.
  Nothing else is added outside the block.
- An owned file (fish's autoload files) starts with OWNED_HEADER; a file without it is the
  user's and is never overwritten.
"""
import dataclasses

from ..core import fileio
from ..core.errors import FileProblem
from ..core.inifile import split_lines
from ..core.paths import printable
from .template import COMPLETER_COMMENT

BEGIN = "# >>> awsmfa initialize >>>"
END = "# <<< awsmfa initialize <<<"
# First line of a file awsmfa owns whole (fish); a file without it is never overwritten.
OWNED_MARK = "# awsmfa: managed file"
OWNED_HEADER = (OWNED_MARK + ": `awsmfa install` rewrites it and `awsmfa uninstall` deletes it;"
                " delete this line to make it yours.\n")
CREATED_NOTE = "# (awsmfa created this file: uninstall deletes it if nothing else is left)\n"
NEWLINE_NOTE = "# (awsmfa ended the line above with a newline: uninstall takes it back)\n"
NOTES = (CREATED_NOTE, NEWLINE_NOTE)


@dataclasses.dataclass
class Block:
    """One marker block found in a text, by character offsets."""
    start: int   # offset of the BEGIN line
    stop: int    # offset just after the END line (and its newline)
    notes: list
    body: str    # between the markers, notes left out


def lines_of(text):
    """The lines of `text` with their endings, as a shell reads them: only "\\n" ends a line.
    (str.splitlines also breaks at form feed, \\x1c-\\x1e, NEL and U+2028/9, which a shell
    keeps inside the line: a marker after one of them is not a marker to the shell, and
    taking it for one would swallow the user's lines up to the next marker.) The credentials
    editor splits the same way, for its own reasons: one function for both."""
    return split_lines(text)


def is_marker(line, marker):
    """A marker line: the marker alone, give or take spaces, tabs and a CR (CRLF files)."""
    return line.rstrip("\n").strip(" \t\r") == marker


def find_blocks(text, path):
    """Every marker block in `text`, in order. A BEGIN without END, or a BEGIN inside a block,
    is refused; an END with no block open is the user's text."""
    found, offset, opened = [], 0, None
    for number, line in enumerate(lines_of(text), 1):
        if is_marker(line, BEGIN):
            if opened is not None:
                raise FileProblem(f"{printable(path)}: line {opened[2]} opens an awsmfa block that line {number} "
                                  "opens again", hint="fix the markers by hand")
            opened = (offset, [], number, [])
        elif is_marker(line, END) and opened is not None:
            start, notes, _, body = opened
            found.append(Block(start, offset + len(line), notes, "".join(body)))
            opened = None
        elif opened is not None:
            (opened[1] if line in NOTES else opened[3]).append(line)
        offset += len(line)
    if opened is not None:
        raise FileProblem(f"{printable(path)}: line {opened[2]} opens an awsmfa block ({BEGIN}) that never "
                          f"ends ({END})", hint="fix the markers by hand")
    return found


def has_block_start(text):
    """True when a line of `text` is a BEGIN marker, whether or not its block ever ends."""
    return any(is_marker(line, BEGIN) for line in lines_of(text))


def block_text(body, notes=()):
    return BEGIN + "\n" + "".join(notes) + body + END + "\n"


def with_block(text, body, path, existed=True):
    """`text` with our block holding `body`: replaced in place (notes kept), or appended after
    the last line. Further copies (init output appended twice) go as uninstall takes them."""
    blocks = find_blocks(text, path)
    if blocks:
        first = blocks[0]
        rest, _ = without_blocks(text[first.stop:], path)
        notes = list(first.notes)
        if any(CREATED_NOTE in block.notes for block in blocks[1:]) and CREATED_NOTE not in notes:
            notes.append(CREATED_NOTE)
        return text[:first.start] + block_text(body, notes) + rest
    if not existed:
        return block_text(body, [CREATED_NOTE])
    if text and not text.endswith("\n"):
        return text + "\n" + block_text(body, [NEWLINE_NOTE])
    return text + block_text(body)


def without_blocks(text, path):
    """(`text` without our blocks, and whether the file is then ours to delete)."""
    blocks = find_blocks(text, path)
    # The user's text between the blocks, joined once at the end: cutting the blocks out one by
    # one would copy the whole text per block (quadratic in a file of many blocks).
    gaps = [text[stop:block.start] for stop, block in zip([0] + [b.stop for b in blocks], blocks)]
    gaps.append(text[blocks[-1].stop:] if blocks else text)
    created = False
    nothing_after = gaps[-1] == ""
    for index in reversed(range(len(blocks))):
        block = blocks[index]
        # A newline the block added (its note) goes again when nothing of the user's follows.
        # With no gap before the block, that newline ends the block before it, which goes anyway.
        if NEWLINE_NOTE in block.notes and nothing_after and text[block.start - 1:block.start] == "\n" \
                and gaps[index]:
            gaps[index] = gaps[index][:-1]
        created = created or CREATED_NOTE in block.notes
        nothing_after = nothing_after and gaps[index] == ""
    text = "".join(gaps)
    return text, (created and text == "")


def lines_outside_blocks(text):
    """(line number, line) of each line outside our blocks: what the user wrote. Tolerant
    (never refuses): for looking at the user's text, not for editing it."""
    inside = False
    for number, line in enumerate(lines_of(text), 1):
        if is_marker(line, BEGIN):
            inside = True
        elif inside and is_marker(line, END):
            inside = False
        elif not inside:
            yield number, line


def is_owned(text):
    """The header line awsmfa writes, or an older one: the mark, then ':' or the line's end.
    ('# awsmfa: managed files of mine' is someone else's line.)"""
    return text.startswith(OWNED_MARK) and text[len(OWNED_MARK):len(OWNED_MARK) + 1] in ("", ":", "\n", "\r")


# A real rc file is a few KB (oh-my-zsh's template is 4 KB); past fileio's bound for every user's
# file (2 MiB) something is wrong, and reading on would cost memory for nothing.
MAX_RC_BYTES = fileio.MAX_FILE_BYTES


def check_size(text, path):
    """Never write what read_rc would then refuse: a block that takes a file past the limit
    would leave `status` and `uninstall` unable to read it."""
    if len(text.encode("utf-8")) > MAX_RC_BYTES:
        raise FileProblem(f"{printable(path)} would grow past {MAX_RC_BYTES // 2**20} MiB with awsmfa's block, "
                          "and awsmfa refuses to read a startup file that big",
                          hint="make it smaller, or use --rc-file for another file")
    return text


STARTUP_FILE = fileio.FileKind("a shell startup file", MAX_RC_BYTES, directory="folder")


def read_rc(path):
    """The file's text, or None when there is no file. Whatever cannot be an rc file we may
    edit (a dangling symlink, a folder, a FIFO or device, not UTF-8, huge, unreadable) is
    refused by the one bounded reader, before anything is written, with one line that names it."""
    return fileio.read_text(path, absent=None, kind=STARTUP_FILE)


# The second line of an owned file whose folder install created (fish's functions/ and
# completions/, when the user had none): uninstall removes that folder once it is empty, and
# only that one. A folder that was there before install is the user's, empty or not.
FOLDER_NOTE = "# (awsmfa created this folder: uninstall removes it once nothing else is in it)\n"


def made_its_folder(text):
    """True when an owned file's text says install created its folder (FOLDER_NOTE)."""
    return text is not None and is_owned(text) and text[len(OWNED_HEADER):].startswith(FOLDER_NOTE)


def installed_body(target, text):
    """The part of `text` that is awsmfa's: its block's body (the first: install rewrites that
    one), or an owned file's text after the header; None when there is none (status too)."""
    if target.owned:
        if not is_owned(text):
            return None
        body = text[len(OWNED_HEADER):]
        return body[len(FOLDER_NOTE):] if body.startswith(FOLDER_NOTE) else body
    blocks = find_blocks(text, target.path)
    return blocks[0].body if blocks else None


def completer_in(target, text):
    """The completer the awsmfa block (or owned file) in `text` calls, from its
    `# aws completion: NAME` line; None when it has none."""
    body = installed_body(target, text)
    return completer_named(target, body) if body is not None else None


def completer_named(target, body):
    """The completer named in `body` (installed_body's), None when none. In a wrapped block
    (~/.profile) that line sits inside the quoted string the wrapper evals."""
    if target.wrap:
        body = _wrapped_code(body)
    for line in body.split("\n"):  # only "\n" ends the comment, as in a shell
        if line.startswith(COMPLETER_COMMENT):
            return line[len(COMPLETER_COMMENT):]
    return None


def _wrapped_code(text):
    """The code a wrapper (`eval 'CODE'`) holds, unquoted; '' when it cannot be read."""
    import shlex

    try:
        words = shlex.split(text, comments=True)
        return words[words.index("eval") + 1]
    except (ValueError, IndexError):
        return ""
