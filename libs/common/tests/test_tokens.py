"""JWT: dev HS256, production RS256 by public key or JWKS URL; scopes nest by prefix."""

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
    forged = jwt.encode(claims(), "not-the-secret", algorithm="HS256")
    with pytest.raises(InvalidToken):
        verify_token(settings, forged)


def test_bad_scope_claim_is_refused():
    settings = CommonSettings()
    token = jwt.encode(claims(scope="2312"), settings.jwt_secret, algorithm="HS256")
    with pytest.raises(InvalidToken):
        verify_token(settings, token)


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
