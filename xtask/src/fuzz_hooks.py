"""schemathesis hooks of `cargo xtask fuzz-api` (written next to its config, loaded through
SCHEMATHESIS_HOOKS).

Every API call must carry a DPoP proof (RFC 9449) made for that very request by the key its
session is bound to; without one the server answers 2101 and the handler never runs, so the
fuzzing would test nothing. This module is that client: one P-256 key, a session signed in
(and, in the first pass, a device enrolled) with it, and a fresh proof on every request put
on the wire.

Proofs are made at the transport (`requests`' adapter), not when a case is built: the checks
resend cases (without authentication, with invalid authentication), and a proof can be sent
only once; only there are the final URL and `Authorization` header known.
"""

import base64
import hashlib
import json
import os
import re
import secrets
import time
import urllib.parse

import requests
import requests.adapters
import schemathesis
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from schemathesis.core.parameters import ParameterLocation

BASE_URL = os.environ["PORTAL_FUZZ_BASE_URL"]
ACCOUNT = os.environ["PORTAL_FUZZ_ACCOUNT"]
PASSWORD = os.environ["PORTAL_FUZZ_PASSWORD"]
PHONE = os.environ["PORTAL_FUZZ_PHONE"]
PIN = os.environ["PORTAL_FUZZ_PIN"]
# The sign-out pass needs a session only, and the first pass may have changed the PIN.
ENROLL = os.environ.get("PORTAL_FUZZ_ENROLL") == "1"

# A `DPoP` value meaning "sign this request when it is sent".
SIGN_AT_SEND = "xtask.sign-at-send.dpop"

KEY = ec.generate_private_key(ec.SECP256R1())


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def compact_json(value) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def public_jwk() -> dict:
    numbers = KEY.public_key().public_numbers()
    return {
        "crv": "P-256",
        "kty": "EC",
        # Full 32 bytes each, leading zeros kept (RFC 7518 section 6.2.1.2).
        "x": b64(numbers.x.to_bytes(32, "big")),
        "y": b64(numbers.y.to_bytes(32, "big")),
    }


def proof(method: str, url: str, access_token: str | None) -> str:
    parts = urllib.parse.urlsplit(url)
    claims = {
        "jti": b64(secrets.token_bytes(16)),
        "htm": method,
        # Without query and fragment, as the server compares it.
        "htu": urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
        "iat": int(time.time()),
    }
    if access_token is not None:
        claims["ath"] = b64(hashlib.sha256(access_token.encode()).digest())
    header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": public_jwk()}
    signing_input = f"{b64(compact_json(header))}.{b64(compact_json(claims))}"
    der = KEY.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    # JWS wants r || s, 32 bytes each, not DER.
    r, s = decode_dss_signature(der)
    return f"{signing_input}.{b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def bearer_token(headers) -> str | None:
    """The token the server reads from `Authorization`, which the proof's `ath` must hash."""
    value = headers.get("Authorization") or ""
    for prefix in ("Bearer ", "bearer "):
        if value.startswith(prefix):
            return value[len(prefix) :].strip() or None
    return None


_adapter_send = requests.adapters.HTTPAdapter.send


def _send_signed(self, request, *args, **kwargs):
    if request.headers.get("DPoP") == SIGN_AT_SEND:
        request.headers["DPoP"] = proof(request.method, request.url, bearer_token(request.headers))
    return _adapter_send(self, request, *args, **kwargs)


requests.adapters.HTTPAdapter.send = _send_signed


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    # A case whose headers were generated invalid on purpose keeps its `DPoP` (missing,
    # malformed): the server's refusal of it is under test. Every other case gets a real
    # proof, so that the handler behind the check is reached.
    if case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER):
        return
    if case.headers is None:
        case.headers = {}
    case.headers["DPoP"] = SIGN_AT_SEND


def api(method: str, path: str, token: str | None = None, body=None, signed: bool = True):
    headers = {"Accept": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if signed:
        headers["DPoP"] = SIGN_AT_SEND
    response = requests.request(method, BASE_URL + path, headers=headers, json=body, timeout=30)
    if '"status":"SUCCEEDED"' not in response.text:
        raise RuntimeError(f"{method} {path}: HTTP {response.status_code} {response.text[:300]}")
    return response.json().get("result")


def enrolled_session() -> str:
    """Signs in with this module's key and, in the first pass, enrolls it as a device of the
    account, as the portal does (the seeded devices' private keys were dropped at seed time)."""
    result = api("POST", "/api/v1/session", body={"email": ACCOUNT, "password": PASSWORD})
    token = result["token"]
    if not ENROLL:
        return token
    api("POST", "/api/v1/pims/authentication/smscode/request", token, {"type": "enrollment"})
    # The outbox shows a signed-in account its own messages only.
    outbox = api("GET", "/api/v1/dev/outbox?to=" + urllib.parse.quote(PHONE), token)
    messages = outbox["messages"]
    code = messages and re.search(r"(?<!\d)\d{6}(?!\d)", messages[0]["text"])
    if not code:
        raise RuntimeError(f"no SMS code in the demo outbox: {str(outbox)[:300]}")
    api(
        "POST",
        "/api/v1/pims/authentication/smscode",
        token,
        {"action": "enrollment", "smsCode": code.group(0)},
    )
    api("POST", "/api/v1/pims/authentication/enrollment", token, {"action": "enroll", "pinCode": PIN})
    return token


# No caching by schemathesis: it would fetch again after an interval or a 401 (which the
# authentication checks provoke on purpose), and each fetch would enroll another device.
@schemathesis.auth(refresh_interval=None)
class EnrolledDevice:
    token: str | None = None

    def get(self, case, ctx):
        if EnrolledDevice.token is None:
            EnrolledDevice.token = enrolled_session()
        return EnrolledDevice.token

    def set(self, case, data, ctx):
        if case.headers is None:
            case.headers = {}
        case.headers["Authorization"] = f"Bearer {data}"
