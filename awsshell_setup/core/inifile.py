"""Read and surgically edit INI files the way the AWS CLI reads them.

A small scanner mirrors configparser's reading (headers, `key = value` or `key: value`,
indented continuation lines, # and ; comments) to know each key's value *and* its lines.
Before anything is written the text is also checked with configparser itself, with the
settings botocore uses, so awsmfa refuses exactly the files the AWS CLI would choke on
(duplicate sections, for one). The cached path of `env` skips that check (configparser costs
~8 ms) and falls back to the full path when the scanner saw anything odd.

Editing is done line by line on the original text: only the lines of one section change;
comments, blank lines, order, line endings and every other section stay byte for byte
(configparser rewrites drop comments: aws-mfa #39/#47). Adding a section and removing it
again gives the original bytes back, and every edit is read back with configparser before it
is returned: every other section must read exactly as before.
"""
from .errors import FileProblem

# No `re` here: this module is on the cached path of `env`, where importing re costs ~6 ms.

# Every parse of a user's file is linear in its size (docs/ARCHITECTURE.md §4, "Users' files"),
# configparser's and botocore's included, which read the same text after us. Two line shapes
# would make them quadratic, so a file holding one is refused (and is odd to the scanner):
# - configparser's option pattern (`.*?\s*[=:]`) retries its blank-skipping at each character
#   of a key, so a run of blanks inside a key costs its length squared ("a", 40k blanks, "b" is
#   11 s); a real key has none, a padded one (`key      = v`) ends its run at the `=`;
# - botocore splits every `[profile ...]` header with shlex, which grows its token one
#   character at a time by copying it: a header costs its length squared (1.6 MB: 36 s).
MAX_KEY_BLANKS = 64
MAX_HEADER_CHARS = 1024


def _costly(stripped):
    """Why a stripped, non-comment line would cost configparser or botocore more than linear
    time; '' for every line a real file holds."""
    if _header_of(stripped) is not None:
        if len(stripped) > MAX_HEADER_CHARS:
            return f"a section header of {len(stripped)} characters (awsmfa reads headers up to {MAX_HEADER_CHARS})"
        return ""
    end = stripped.find("=")
    colon = stripped.find(":", 0, end if end >= 0 else len(stripped))
    key = stripped[:colon if colon >= 0 else end if end >= 0 else len(stripped)]
    if len(key) <= MAX_KEY_BLANKS:
        return ""  # no run can be longer than the key
    run = 0
    for char in key:
        if char.isspace():  # what the pattern's \s matches
            run += 1
            continue
        if run > MAX_KEY_BLANKS:
            return f"{run} blanks in a row inside a key (awsmfa reads keys with up to {MAX_KEY_BLANKS})"
        run = 0
    return ""  # a run that ends at the = or : is skipped once


def _header_of(stripped):
    """The section name as configparser's SECTCRE `\\[(?P<header>.+)\\]` matches it at the start
    of the stripped line: up to the last `]`, at least one character; None if not a header."""
    if not stripped.startswith("["):
        return None
    end = stripped.rfind("]")
    return stripped[1:end] if end > 1 else None


def _has_lone_cr(text):
    """botocore reads with universal newlines, where a lone \\r ends a line too; the scanner does not."""
    return text.count("\r") != text.count("\r\n")


def split_lines(text):
    """Lines with their endings kept (\\n or \\r\\n), so joining them gives the text back."""
    lines = text.split("\n")
    last = lines.pop()
    return [line + "\n" for line in lines] + ([last] if last else [])


def newline_of(text):
    at = text.find("\n")
    return "\r\n" if at > 0 and text[at - 1] == "\r" else "\n"


def _indent(line):
    return len(line) - len(line.lstrip())


def _is_comment_or_blank(stripped):
    return not stripped or stripped[0] in "#;"


def _split_entry(stripped):
    """(key, value) of a key line as configparser reads it: first `=` or `:`, keys lowercased."""
    for index, char in enumerate(stripped):
        if char in "=:":
            return stripped[:index].strip().lower(), stripped[index + 1:].strip()
    return stripped.lower(), ""


class _Entry:
    """One key line and the continuation lines that belong to it (`parts` of the value are
    joined once the scan is over: adding to a string line by line would copy it each time)."""

    def __init__(self, key, first, last, value):
        self.key, self.first, self.last, self.parts = key, first, last, [value]
        self.value = value


class _Section:
    def __init__(self, name, header):
        self.name = name
        self.header = header
        self.entries = []
        self.keys = set()  # for the repeated-key test: a scan of `entries` per key is quadratic

    @property
    def last_content(self):
        return self.entries[-1].last if self.entries else self.header


class IniDocument:
    """An INI text plus where each section's keys sit in it."""

    def __init__(self, text, path="<memory>", check=True):
        """check=False skips configparser's verdict (the cached path); see `odd`."""
        self.text = text
        self.path = path
        # What configparser (so botocore) reads, per section; None on the unchecked path.
        self.parsed = _parse(text, path) if check else None
        self.lines = split_lines(text)
        # Set by _scan too, on anything configparser might read differently.
        self.odd = _has_lone_cr(text)
        self.sections = self._scan(self.lines)
        # botocore merges [DEFAULT] into every profile; the cached path leaves that to the full one.
        self.odd |= "DEFAULT" in self.sections
        if self.parsed is not None:
            self.values = {name: values for name, values in self.parsed.items() if name is not None}
        else:
            self.values = {name: self._values_of(section) for name, section in self.sections.items()}

    @staticmethod
    def _values_of(section):
        values = {}
        for entry in section.entries:
            values.setdefault(entry.key, entry.value.rstrip())
        return values

    def _scan(self, lines):
        """Mirror configparser's reading closely enough to know each key line's span and value."""
        sections = {}
        current = None
        entry, entry_indent = None, 0  # the key line whose value may continue, and its indent
        for number, line in enumerate(lines):
            stripped = line.strip()
            if _is_comment_or_blank(stripped):
                if not stripped and entry is not None:
                    entry.parts.append("\n")  # configparser keeps blank lines inside a value
                continue
            self.odd |= bool(_costly(stripped))  # _parse refuses it: the checked path says so
            if entry is not None and _indent(line) > entry_indent:
                entry.last = number  # a continuation line of the value above
                entry.parts.append("\n" + stripped)
                continue
            name = _header_of(stripped)
            if name is not None:
                self.odd |= name in sections
                current = sections.setdefault(name, _Section(name, number))
                entry = None
                continue
            if current is None:
                self.odd = True  # a key before any header: configparser refuses the file
                continue
            key, value = _split_entry(stripped)
            # configparser refuses a repeated key, an empty one, and a line with no = or :
            self.odd |= not key or key == stripped.lower() or key in current.keys
            entry = _Entry(key, number, number, value)
            entry_indent = _indent(line)
            current.entries.append(entry)
            current.keys.add(key)
        for section in sections.values():
            for each in section.entries:
                each.value = "".join(each.parts)
        return sections

    def section(self, name):
        """The section's keys (lowercased) and raw values, or None when absent."""
        return self.values.get(name)

    def size(self):
        """The text's length in bytes, as it is on disk (UTF-8)."""
        return len(self.text.encode("utf-8"))

    def section_size(self, name):
        """Bytes the section's lines take, its header to its last key; 0 when absent."""
        section = self.sections.get(name)
        if section is None:
            return 0
        return len("".join(self.lines[section.header:section.last_content + 1]).encode("utf-8"))

    def with_section(self, name, items, drop=()):
        """Text with section `name` holding `items` (key -> value, in order).

        Keys in `drop` that are not in `items` are removed; any other key or comment inside
        the section is left where it is. A missing section is appended at the end, in a way
        `without_section` undoes byte for byte. Every line keeps its own line ending, and a
        file without a final newline still has none afterwards, so a second run with the
        same values changes nothing.
        """
        for key, value in items.items():
            if "\n" in value or "\r" in value or value != value.strip():
                raise FileProblem(f"refusing to write a value for {key} that spans lines or has edge blanks")
        return self._verified(self._edited(name, items, drop), name, items)

    def _edited(self, name, items, drop):
        newline = newline_of(self.text)
        section = self.sections.get(name)
        if section is None:
            return self._appended(name, items, newline)
        lines = list(self.lines)
        seen = set()
        for entry in reversed(section.entries):
            if entry.key in items and entry.key not in seen:
                seen.add(entry.key)
                lines[entry.first:entry.last + 1] = [f"{entry.key} = {items[entry.key]}{_ending(lines[entry.last])}"]
            elif entry.key in items or entry.key in drop:
                del lines[entry.first:entry.last + 1]  # a stale or repeated key of ours
        missing = [f"{key} = {value}{newline}" for key, value in items.items() if key not in seen]
        if missing:
            at = self._index_after_content(name, lines)
            if not lines[at - 1].endswith("\n"):
                lines[at - 1] += newline
            lines[at:at] = missing
        text = "".join(lines)
        if not self.text.endswith("\n") and text.endswith("\n"):
            # Only our lines can have moved to the end: the file keeps ending without a newline.
            text = text[:-len(_ending(text))]
        return text

    def without_section(self, name):
        """Text with section `name` (its header, keys, and the comments among them) removed.

        The exact inverse of appending it: `IniDocument(t).with_section(n, items)` followed by
        `without_section(n)` gives `t` back byte for byte whenever `t` had no section `n`. For a
        section found elsewhere in the file the same rule applies: its lines go, with the one
        blank line just above its header (the separator an append adds); everything else stays.
        A missing section returns the text unchanged.
        """
        section = self.sections.get(name)
        if section is None:
            return self.text
        return self._verified(self._removed(section), name, None)

    def _removed(self, section):
        lines = self.lines
        first, last = section.header, section.last_content
        # The ending an append used: the header's own (see _appended).
        if first > 0 and lines[first - 1] in ("\n", "\r\n"):
            first -= 1
        kept = lines[:first] + lines[last + 1:]
        if not _ending(lines[last]) and kept:
            # The file ended without a newline: _appended gave the line above one; take it back.
            # (Whatever that line's ending: a lone \r, which would make it ambiguous, is refused.)
            kept[-1] = kept[-1][:len(kept[-1]) - len(_ending(kept[-1]))]
        return "".join(kept)

    def _verified(self, text, name, items):
        """`text`, once configparser reads every other section exactly as before, and section
        `name` as `items` (absent for None). The line edits above cannot change another
        section's meaning in any file configparser accepts, bar pathological indentation (an
        indented header after our keys would become part of a value): this makes sure."""
        before = self.parsed if self.parsed is not None else _parse(self.text, self.path)
        after = _parse(text, self.path)
        others = [key for key in set(before) | set(after) if key != name]
        changed = sorted(str(key) for key in others if before.get(key) != after.get(key))
        ours = after.get(name)
        if items is None:
            wrong = ours is not None
        else:
            wrong = ours is None or any(ours.get(key) != value for key, value in items.items())
        if changed or wrong:
            what = f"profiles {', '.join(changed)}" if changed else f"profile {name}"
            raise FileProblem(f"cannot edit {self.path} safely: {what} would read differently afterwards "
                              "(unusual indentation?)", hint="fix it by hand")
        return text

    def _index_after_content(self, name, lines):
        # Re-scan: deletions above moved the indices.
        return IniDocument("".join(lines), self.path, check=False).sections[name].last_content + 1

    def _appended(self, name, items, newline):
        # Invertible by construction (without_section): a non-empty file always gets exactly one
        # `newline` before the header, which reads as a blank line after a file that ended with
        # a newline. A file that had no final newline gets a second one (its last line must end
        # before the header), and then the new section ends without one, as the file did.
        text = self.text
        body = "".join(f"{key} = {value}{newline}" for key, value in items.items())
        if not text:
            return f"[{name}]{newline}{body}"
        if text.endswith("\n"):
            return f"{text}{newline}[{name}]{newline}{body}"
        return f"{text}{newline}{newline}[{name}]{newline}{body[:-len(newline)]}"


def _ending(line):
    """The line's own ending: \\r\\n, \\n, or '' for a last line without one."""
    if line.endswith("\r\n"):
        return "\r\n"
    return "\n" if line.endswith("\n") else ""


def _parse(text, path):
    """{section: {key: value}} as configparser reads `text` ([DEFAULT] under None), or FileProblem."""
    import configparser

    # botocore: configparser.RawConfigParser() with its defaults (strict=True), so awsmfa
    # refuses exactly the files the AWS CLI would choke on (duplicate sections, for one).
    if _has_lone_cr(text):
        raise FileProblem(f"cannot parse {path}: it has a carriage return that ends no line (old Mac line "
                          "endings?)", hint="fix it by hand")
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        why = "" if _is_comment_or_blank(stripped) else _costly(stripped)
        if why:
            from .paths import printable

            raise FileProblem(f"cannot parse {printable(path)}: line {number} has {why}", hint="fix it by hand")
    parser = configparser.RawConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=path)
    except configparser.Error as error:
        raise FileProblem(f"cannot parse {path}: {_first_line(error)}", hint="fix it by hand")
    # Each section's own keys: botocore also merges [DEFAULT] into each, but whether a section is
    # awsmfa's must not depend on another section. _sections is configparser's own store.
    parsed = {name: dict(values) for name, values in parser._sections.items()}
    parsed[None] = dict(parser.defaults())
    return parsed


def _first_line(error):
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def check_section_name(name, what="profile"):
    """Profile names end up in a [header] and in shell output: refuse what cannot round-trip."""
    from .errors import UsageError

    if not name or name != name.strip() or any(c in name for c in "[]\r\n") or not name.isprintable():
        raise UsageError(f"invalid {what} name {name!r}: no brackets, line breaks or edge blanks")
    if name == "DEFAULT":
        # configparser's defaults section: botocore merges its keys into every profile, so a
        # session written there would hand its token to the long-term profiles too.
        raise UsageError(f"invalid {what} name 'DEFAULT': configparser merges it into every profile")
    return name
