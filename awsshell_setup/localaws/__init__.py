"""A local AWS for tests and demos: moto's backends over HTTP, plus what moto lacks.

moto's server accepts any MFA code, hands out the same session keys every time and ignores
``Bool`` policy conditions, so against it the seed scenario (DESIGN.md section 1) cannot fail
the way it fails against AWS. ``LocalAWS`` serves moto on 127.0.0.1 behind a WSGI middleware
that adds SigV4 verification, real STS sessions checked against virtual MFA devices, and
identity-policy evaluation with the MFA condition keys.

Module map (one job each):

* ``server``      LocalAWS: start/stop/reset, clock offset, admin key, code helpers, faults
                  (``fail_next``, ``heal``, ``down``, ``requests_seen``)
* ``middleware``  the order of checks for each request
* ``request``     reading a request and its SigV4 signature from the WSGI environ
* ``sigv4``       timestamp window and signature verification (botocore's signer)
* ``identity``    access key -> admin, IAM user, or session
* ``sts``         GetSessionToken and GetCallerIdentity
* ``mfa``         TOTP checks and used-code memory
* ``sessions``    issued temporary credentials
* ``authorize``   which action/resources a request is, for ``policy``
* ``policy``      identity-policy evaluation
* ``forward``     adjusting a request for moto
* ``iamstore``    reading moto's IAM backend
* ``errors``      AWS error envelopes per protocol
* ``faults``      failures on demand for tests: reset, hang, 500, throttling, malformed XML
* ``scenario``    the seed user, policy, MFA device and instance
* ``cli``         ``python -m awsshell_setup.localaws serve|code``

Importing ``awsshell_setup`` never imports this package; importing this package does not
import moto (only ``LocalAWS.start`` does).
"""

from .scenario import SEED_POLICY, SeedUser, list_own_mfa_devices_statement, provision_seed
from .server import LocalAWS

__all__ = ["LocalAWS", "SeedUser", "SEED_POLICY", "provision_seed",
           "list_own_mfa_devices_statement"]
