"""The one error family: every refusal is one line that ends by saying what awsmfa did not do,
and that ending is written once, by the error type (docs/ARCHITECTURE.md §4, "One error
family"), not by hand at each raise."""
import os
import re

import awsshell_setup
from awsshell_setup.core.errors import ASKED_NOTHING, CHANGED_NOTHING, AwsmfaError, Cancelled, FileProblem, UsageError


def test_every_error_ends_with_what_awsmfa_did_not_do():
    assert str(FileProblem("x is a folder")) == "x is a folder; awsmfa changed nothing"
    assert str(UsageError("bad", hint="do this")) == "bad (do this); awsmfa changed nothing"
    assert str(Cancelled("cancelled")) == "cancelled; awsmfa changed nothing"
    assert str(FileProblem("no room", done=ASKED_NOTHING)).endswith("; awsmfa asked for no code and changed nothing")
    assert str(FileProblem("cannot write x: disk full", done=None)) == "cannot write x: disk full"


def test_an_error_stays_one_line_whatever_it_quotes():
    text = str(AwsmfaError("cannot read /tmp/a\nb\x1b[31m", hint="x"))
    assert "\n" not in text and "\x1b" not in text and text.endswith(CHANGED_NOTHING)


def test_no_module_writes_the_ending_by_hand():
    folder = os.path.dirname(awsshell_setup.__file__)
    found = []
    for name in sorted(os.listdir(folder)):
        if name.endswith(".py") and name != "errors.py":
            text = open(os.path.join(folder, name), encoding="utf-8").read()
            found += [f"{name}: {match}" for match in re.findall(r"(?:changed nothing|nothing was changed)", text)]
    assert found == []
