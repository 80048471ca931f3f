"""The shell templates (shells/templates/, one file per shell): read once, split into their
`#@ section` parts, and filled in ({{name}} placeholders). A subpackage, so installed and
editable installs alike have them beside the code."""

import os


_PLACEHOLDER = r"\{\{([a-z_]+)\}\}"


_SECTION = "#@ "


# A completion section opens with this comment, naming the completer it calls: status reads
# it back to re-render the block and tell whether it is current.
COMPLETER_COMMENT = "# aws completion: "


_templates = {}  # file name -> {section: text}, read once per process


def load_template(filename):
    """{section name: text} of a template: a file of the subpackage shells/templates/, so that
    installed and editable installs alike have it beside the code. Read once and
    kept: asuser reads them all this way before it drops root, since the package may sit
    where the account cannot read."""
    if filename not in _templates:
        _templates[filename] = _read_template(filename)
    return dict(_templates[filename])


def _read_template(filename):
    from . import templates

    with open(os.path.join(os.path.dirname(templates.__file__), filename), encoding="utf-8") as handle:
        text = handle.read()
    sections, current = {}, None
    for line in text.splitlines(keepends=True):
        if line.startswith(_SECTION):
            current = line[len(_SECTION):].strip()
            sections[current] = ""
        elif current is not None:  # lines before the first section are notes for maintainers
            sections[current] += line
    return sections


def fill(text, values):
    """The trivial renderer: {{name}} -> values[name]; an unknown name is a bug, not a blank."""
    import re

    return re.sub(_PLACEHOLDER, lambda match: values[match.group(1)], text)
