"""Direct unit tests of two core rules, for the fast tier (docs/ARCHITECTURE.md §6): which AWS
failures are retried (sts), and the rc-file block format, written and taken back (rcblock). The
reuse rule and the choice of source and names are in test_plan_resolution, the completer's
choice in test_install_completer; the suites of each area drive them end to end.
"""
import botocore.exceptions as bx
import pytest
from botocore.parsers import ResponseParserError

from awsshell_setup.shells import rcblock
from awsshell_setup.sessions import sts

PATH = "/home/u/.bashrc"
BODY = "function mfa { :; }\n"


def _client_error(code, status):
    return bx.ClientError({"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}},
                          "GetSessionToken")


@pytest.mark.parametrize("error, replayable, retried", [
    (bx.EndpointConnectionError(endpoint_url="https://sts"), False, True),  # nothing was sent
    (bx.ConnectTimeoutError(endpoint_url="https://sts"), False, True),
    (_client_error("Throttling", 400), False, True),  # refused before it was acted on
    (_client_error("InternalFailure", 500), False, True),
    (_client_error("AccessDenied", 403), True, False),  # an answer: asking again changes nothing
    (_client_error("InvalidClientTokenId", 403), True, False),
    # A request that may have been acted on is replayed only when that is harmless: never
    # GetSessionToken, whose code is spent once AWS has it.
    (bx.ReadTimeoutError(endpoint_url="https://sts"), True, True),
    (bx.ReadTimeoutError(endpoint_url="https://sts"), False, False),
    (ResponseParserError("truncated"), False, False),
])
def test_what_is_retried(error, replayable, retried):
    assert (sts._transient(error, replayable) is not None) is retried


@pytest.mark.parametrize("text", ["", "# mine\n", "# mine", "a\n\nb\n"])
def test_a_block_added_then_removed_gives_the_file_back_byte_for_byte(text):
    added = rcblock.with_block(text, BODY, PATH)
    assert added.startswith(text) and BODY in added
    assert rcblock.without_blocks(added, PATH) == (text, False)


def test_a_file_the_block_created_is_ours_to_delete_again():
    added = rcblock.with_block("", BODY, PATH, existed=False)
    assert rcblock.without_blocks(added, PATH) == ("", True)


def test_a_new_body_replaces_the_block_in_place_and_drops_copies():
    text = "before\n" + rcblock.block_text(BODY) + "middle\n" + rcblock.block_text(BODY) + "after\n"
    replaced = rcblock.with_block(text, "new\n", PATH)
    assert replaced == "before\n" + rcblock.block_text("new\n") + "middle\nafter\n"
