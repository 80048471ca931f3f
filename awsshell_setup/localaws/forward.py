"""Adjust an authenticated request so moto answers it as AWS would for this caller.

moto runs without its own authentication and knows nothing of the session keys issued here,
so two things would come out wrong if the request went through untouched:

* the account: moto derives it from the access key and falls back to its default for unknown
  keys, which every session key here is. The ``x-moto-account-id`` header (moto's own way to
  name the account, which it reads before the key) is set to the principal's account: a
  user's, a role session's role's (so an ``audit`` role in a second account sees that
  account's instances), or the one the admin named. Whatever a caller sent in that header is
  overwritten, so nobody but the admin picks an account;
* the user: IAM actions such as ``ListMFADevices`` act on the calling user when ``UserName``
  is omitted. moto resolves that from the access key only for some actions and not at all for
  session keys, so the caller's name is added to the request. The signature was already
  checked, and moto does not check it again.
"""

import io
from urllib.parse import quote

from .authorize import CALLER_DEFAULT_IAM_ACTIONS
from .identity import Principal
from .request import IncomingRequest


def prepare(environ: dict, req: IncomingRequest, principal: Principal) -> None:
    environ["HTTP_X_MOTO_ACCOUNT_ID"] = principal.account_id
    if (
        req.service == "iam"
        and principal.user_name
        and req.params.get("Action") in CALLER_DEFAULT_IAM_ACTIONS
        and "UserName" not in req.params
    ):
        extra = f"UserName={quote(principal.user_name, safe='')}"
        if req.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            body = req.body + (b"&" if req.body else b"") + extra.encode()
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        else:
            query = environ.get("QUERY_STRING", "")
            environ["QUERY_STRING"] = f"{query}&{extra}" if query else extra
