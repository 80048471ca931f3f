"""A local AWS for tests and demos: moto's backends over HTTP, plus what moto lacks.

moto's server accepts any MFA code, hands out the same session keys every time and ignores
``Bool`` policy conditions and role trust policies, so against it neither the seed scenario
nor the roles scenario can fail the way they fail against AWS. ``LocalAWS`` serves moto on
127.0.0.1 behind a WSGI middleware that adds SigV4 verification, real STS sessions
(GetSessionToken and AssumeRole) checked against virtual MFA devices and role trust policies,
the one-hour cap of role chaining, and identity-policy evaluation with the MFA condition keys,
for IAM users and role sessions, in as many accounts as moto keeps.

Module map (one job each):

* ``server``      LocalAWS: start/stop/reset, clock offset, admin key, code helpers, faults
                  (``fail_next``, ``heal``, ``down``, ``requests_seen``)
* ``middleware``  the order of checks for each request
* ``request``     reading a request and its SigV4 signature from the WSGI environ
* ``sigv4``       timestamp window and signature verification (botocore's signer)
* ``identity``    access key -> admin, IAM user, user session or role session
* ``sts_actions`` GetSessionToken, AssumeRole and GetCallerIdentity
* ``trust``       role trust policies: principal, MFA and external-id conditions
* ``mfa``         TOTP checks and used-code memory
* ``sessions``    issued temporary credentials
* ``authorize``   which action/resources a request is, for ``policy``
* ``policy``      identity-policy evaluation
* ``forward``     adjusting a request for moto
* ``iamstore``    reading moto's IAM backends (users, roles, devices; every account)
* ``aws_errors``  AWS error envelopes per protocol
* ``faults``      failures on demand for tests: reset, hang, 500, throttling, malformed XML
* ``scenario``    the seed user, policy, MFA device and instance; the roles scenario
                  (``provision_roles``: roles ``ops`` and ``audit`` in two accounts)
* ``commands``    ``python -m awsshell_setup.localaws serve [--scenario roles]|code``
* ``demofolder``  the folder serve writes into: the caller's alone, made 0700 if missing

Importing ``awsshell_setup`` never imports this package; importing this package does not
import moto (only ``LocalAWS.start`` does).
"""

from .scenario import (SEED_POLICY, RolesScenario, SeedUser, list_own_mfa_devices_statement,
                       provision_roles, provision_seed)
from .server import LocalAWS

__all__ = ["LocalAWS", "SeedUser", "SEED_POLICY", "provision_seed",
           "list_own_mfa_devices_statement", "RolesScenario", "provision_roles"]
