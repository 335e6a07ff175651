"""JWT: dev HS256, production RS256 by public key or JWKS URL; scopes nest by prefix.

Every token carries `exp` and a non-empty `sub`; `iss`/`aud` are checked where configured; the
algorithm follows the configured key, never the token's header.
"""

import base64
import hashlib
import hmac
import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from shouwang.common.auth.principal import Principal
from shouwang.common.auth.tokens import InvalidToken, issue_token, verify_token
from shouwang.common.config import CommonSettings

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PUBLIC_PEM = (
    KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


def rs256(claims: dict, kid: str = "k1") -> str:
    return jwt.encode(claims, KEY, algorithm="RS256", headers={"kid": kid})


def claims(**extra) -> dict:
    exp = int((datetime.now(UTC) + timedelta(hours=1)).timestamp())
    return {"sub": "u1", "role": "township", "scope": "231226100", "exp": exp, **extra}


def hs256(claims: dict, settings: CommonSettings | None = None) -> str:
    secret = (settings or CommonSettings()).jwt_secret.get_secret_value()
    return jwt.encode(claims, secret, algorithm="HS256")


def without(claims: dict, name: str) -> dict:
    return {k: v for k, v in claims.items() if k != name}


BOUND = {"jwt_issuer": "https://idp.example.org", "jwt_audience": "shouwang"}


def test_dev_token_round_trip_and_scope_nesting():
    settings = CommonSettings()
    principal = verify_token(settings, issue_token(settings, role="county", scope="231226"))
    assert principal.covers("231226100201") and not principal.covers("230125100201")
    dept = Principal(sub="d", role="department", scope="health", county="231226")
    assert dept.region == "231226"


def test_expired_and_forged_tokens_are_refused():
    settings = CommonSettings()
    expired = issue_token(settings, role="county", scope="231226", ttl=timedelta(seconds=-1))
    with pytest.raises(InvalidToken):
        verify_token(settings, expired)
    forged = jwt.encode(claims(), "not-the-secret" * 3, algorithm="HS256")
    with pytest.raises(InvalidToken):
        verify_token(settings, forged)


def test_bad_scope_claim_is_refused():
    settings = CommonSettings()
    with pytest.raises(InvalidToken):
        verify_token(settings, hs256(claims(scope="2312")))


def test_a_token_without_exp_is_refused():
    with pytest.raises(InvalidToken, match="exp"):
        verify_token(CommonSettings(), hs256(without(claims(), "exp")))


def test_an_expired_token_is_refused():
    past = int((datetime.now(UTC) - timedelta(minutes=5)).timestamp())
    with pytest.raises(InvalidToken, match="expired"):
        verify_token(CommonSettings(), hs256(claims(exp=past)))


@pytest.mark.parametrize("sub", [None, "", "  "], ids=["missing", "empty", "blank"])
def test_a_token_without_a_subject_is_refused(sub):
    token_claims = without(claims(), "sub") if sub is None else claims(sub=sub)
    with pytest.raises(InvalidToken):
        verify_token(CommonSettings(), hs256(token_claims))


def test_iss_and_aud_are_checked_where_configured():
    settings = CommonSettings(**BOUND)
    good = claims(iss=BOUND["jwt_issuer"], aud=BOUND["jwt_audience"])
    assert verify_token(settings, hs256(good, settings)).sub == "u1"
    for name, value in (("iss", "https://elsewhere.example.org"), ("aud", "another-system")):
        with pytest.raises(InvalidToken):
            verify_token(settings, hs256({**good, name: value}, settings))
        with pytest.raises(InvalidToken):
            verify_token(settings, hs256(without(good, name), settings))


def test_dev_tokens_carry_the_configured_iss_and_aud():
    settings = CommonSettings(**BOUND)
    token = issue_token(settings, role="township", scope="231226100")
    assert verify_token(settings, token).key == "township:township-231226100"
    payload = jwt.decode(token, options={"verify_signature": False})
    assert (payload["iss"], payload["aud"]) == (BOUND["jwt_issuer"], BOUND["jwt_audience"])
    with pytest.raises(InvalidToken):  # a token bound to nothing is not accepted there
        verify_token(settings, issue_token(CommonSettings(), role="auditor"))


def _b64(part: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "settings",
    [CommonSettings(), CommonSettings(jwt_public_key=PUBLIC_PEM)],
    ids=["shared-secret", "public-key"],
)
def test_an_unsigned_alg_none_token_is_refused(settings):
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims())}."
    with pytest.raises(InvalidToken):
        verify_token(settings, token)


def test_an_hs256_token_keyed_with_the_rsa_public_key_is_refused():
    """HS/RS confusion: the public key is public, so an HMAC under it is forgeable by anyone."""
    header, payload = _b64({"alg": "HS256", "typ": "JWT"}), _b64(claims(role="auditor", scope=""))
    signing_input = f"{header}.{payload}".encode()
    mac = hmac.new(PUBLIC_PEM.encode(), signing_input, hashlib.sha256).digest()
    forged = f"{header}.{payload}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    with pytest.raises(InvalidToken):
        verify_token(CommonSettings(jwt_public_key=PUBLIC_PEM), forged)


def test_principal_key_separates_equal_subs_of_different_roles():
    resident = Principal(sub="13800000000", role="resident", scope="")
    township = Principal(sub="13800000000", role="township", scope="231226100")
    assert resident.key == "resident:13800000000" and resident.key != township.key


def test_rs256_with_a_configured_public_key():
    settings = CommonSettings(jwt_public_key=PUBLIC_PEM)
    assert verify_token(settings, rs256(claims())).scope == "231226100"
    with pytest.raises(InvalidToken):  # an HS256 dev token is no longer accepted
        verify_token(settings, issue_token(CommonSettings(), role="auditor"))


@pytest.fixture
def jwks_url():
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/jwks.json"
    server.shutdown()


def test_rs256_keys_from_a_jwks_url(jwks_url):
    settings = CommonSettings(jwks_url=jwks_url)
    assert verify_token(settings, rs256(claims())).role == "township"
    with pytest.raises(InvalidToken):
        verify_token(settings, rs256(claims(), kid="unknown"))


def test_kafka_security_options_only_when_configured():
    assert CommonSettings().kafka_client_options() == {}
    options = CommonSettings(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username="warning",
        kafka_sasl_password="pw",
    ).kafka_client_options()
    assert options["sasl_mechanism"] == "SCRAM-SHA-512" and "ssl_context" in options
