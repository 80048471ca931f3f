"""Read and surgically edit INI files the way the AWS CLI reads them.

A small scanner mirrors configparser's reading (headers, `key = value` or `key: value`,
indented continuation lines, # and ; comments) to know each key's value *and* its lines.
Before anything is written the text is also checked with configparser itself, with the
settings botocore uses, so awsmfa refuses exactly the files the AWS CLI would choke on
(duplicate sections, for one). The cached path of `env` skips that check (configparser costs
~8 ms) and falls back to the full path when the scanner saw anything odd. Editing is done line by line on the original text: only the
lines of one section's keys change; comments, blank lines, order, line endings and every other
section stay byte for byte (configparser rewrites drop comments: aws-mfa #39/#47).
"""
import re

from .errors import FileProblem

# configparser's own header pattern (RawConfigParser.SECTCRE), applied to the stripped line.
_HEADER = re.compile(r"\[(?P<header>.+)\]")
_LINE = re.compile(r"[^\n]*\n|[^\n]+")


def split_lines(text):
    """Lines with their endings kept (\\n or \\r\\n), so joining them gives the text back."""
    return _LINE.findall(text)


def newline_of(text):
    match = re.search(r"\r?\n", text)
    return match.group(0) if match else "\n"


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
    """One key line and the continuation lines that belong to it."""

    def __init__(self, key, first, last, value):
        self.key, self.first, self.last, self.value = key, first, last, value


class _Section:
    def __init__(self, name, header):
        self.name = name
        self.header = header
        self.entries = []

    @property
    def last_content(self):
        return self.entries[-1].last if self.entries else self.header


class IniDocument:
    """An INI text plus where each section's keys sit in it."""

    def __init__(self, text, path="<memory>", check=True):
        """check=False skips configparser's verdict (the cached path); see `odd`."""
        self.text = text
        self.path = path
        if check:
            self._check_with_configparser(text, path)
        self.lines = split_lines(text)
        self.odd = False  # set by _scan on anything configparser might read differently
        self.sections = self._scan(self.lines)
        self.values = {name: self._values_of(section) for name, section in self.sections.items()}

    @staticmethod
    def _check_with_configparser(text, path):
        import configparser

        # botocore: configparser.RawConfigParser() with its defaults (strict=True).
        parser = configparser.RawConfigParser(interpolation=None)
        try:
            parser.read_string(text, source=path)
        except configparser.Error as error:
            raise FileProblem(f"cannot parse {path}: {_first_line(error)}; fix it by hand, awsmfa changed nothing")

    @staticmethod
    def _values_of(section):
        values = {}
        for entry in section.entries:
            values.setdefault(entry.key, entry.value)
        return values

    def _scan(self, lines):
        """Mirror configparser's reading closely enough to know each key line's span and value."""
        sections = {}
        current = None
        entry = None
        for number, line in enumerate(lines):
            stripped = line.strip()
            if _is_comment_or_blank(stripped):
                continue
            if entry is not None and _indent(line) > entry_indent:
                entry.last = number  # a continuation line of the value above
                entry.value += "\n" + stripped
                continue
            header = _HEADER.match(stripped)
            if header:
                name = header.group("header")
                self.odd |= name in sections
                current = sections.setdefault(name, _Section(name, number))
                entry = None
                continue
            if current is None:
                self.odd = True  # a key before any header: configparser refuses the file
                continue
            key, value = _split_entry(stripped)
            self.odd |= any(other.key == key for other in current.entries)
            entry = _Entry(key, number, number, value)
            entry_indent = _indent(line)
            current.entries.append(entry)
        return sections

    def has_section(self, name):
        return name in self.values

    def section(self, name):
        """The section's keys (lowercased) and raw values, or None when absent."""
        return self.values.get(name)

    def with_section(self, name, items, drop=()):
        """Text with section `name` holding `items` (key -> value, in order).

        Keys in `drop` that are not in `items` are removed; any other key or comment inside
        the section is left where it is. A missing section is appended at the end.
        """
        for key, value in items.items():
            if "\n" in value or "\r" in value or value != value.strip():
                raise FileProblem(f"refusing to write a value for {key} that spans lines or has edge blanks")
        newline = newline_of(self.text)
        section = self.sections.get(name)
        if section is None:
            return self._appended(name, items, newline)
        lines = list(self.lines)
        seen = set()
        for entry in reversed(section.entries):
            ending = newline_of(lines[entry.last]) if lines[entry.last].endswith("\n") else newline
            if entry.key in items and entry.key not in seen:
                seen.add(entry.key)
                lines[entry.first:entry.last + 1] = [f"{entry.key} = {items[entry.key]}{ending}"]
            elif entry.key in items or entry.key in drop:
                del lines[entry.first:entry.last + 1]  # a stale or repeated key of ours
        missing = [f"{key} = {value}{newline}" for key, value in items.items() if key not in seen]
        if missing:
            at = self._index_after_content(name, lines)
            if not lines[at - 1].endswith("\n"):
                lines[at - 1] += newline
            lines[at:at] = missing
        return "".join(lines)

    def _index_after_content(self, name, lines):
        # Re-scan: deletions above moved the indices.
        return IniDocument("".join(lines), self.path, check=False).sections[name].last_content + 1

    def _appended(self, name, items, newline):
        text = self.text
        if text and not text.endswith("\n"):
            text += newline
        if text.strip() and not text.endswith(newline * 2):
            text += newline
        body = "".join(f"{key} = {value}{newline}" for key, value in items.items())
        return f"{text}[{name}]{newline}{body}"


def _first_line(error):
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def check_section_name(name, what="profile"):
    """Profile names end up in a [header] and in shell output: refuse what cannot round-trip."""
    from .errors import UsageError

    if not name or name != name.strip() or any(c in name for c in "[]\r\n") or not name.isprintable():
        raise UsageError(f"invalid {what} name {name!r}: no brackets, line breaks or edge blanks")
    return name
