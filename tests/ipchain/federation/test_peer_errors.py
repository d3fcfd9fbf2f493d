"""A peer misconfigured at the transport says what is wrong, not a TLS library's riddle."""

import http.server
import ssl
import threading

import pytest

from ipchain.federation.peer_client import PeerClient, PeerUnavailable


class Redirecting(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        # What Django's SECURE_SSL_REDIRECT answers on a production node reached over http.
        self.send_response(301)
        self.send_header("Location", f"https://{self.headers['Host']}{self.path}")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def plain_http_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_redirect_is_reported_not_followed(plain_http_server):
    client = PeerClient(f"http://{plain_http_server}", timeout=5)
    with pytest.raises(PeerUnavailable) as caught:
        client.checkpoint()
    assert caught.value.reason == "redirected"
    assert f"a redirect to https://{plain_http_server}/log/checkpoint" in str(caught.value)
    assert "docs/federation.md" in str(caught.value)


def test_https_to_a_plain_http_port_says_so(plain_http_server):
    client = PeerClient(f"https://{plain_http_server}", timeout=5)
    with pytest.raises(PeerUnavailable) as caught:
        client.checkpoint()
    assert caught.value.reason == "tls_error"
    assert "is that port plain HTTP?" in str(caught.value)


class Checkpoint(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"peer.example/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def self_signed(directory) -> tuple[str, str]:
    """A certificate for 127.0.0.1 signed by itself: what an office's private CA looks like
    to a node that was not told to trust it."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test offices CA")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "peer.crt", directory / "peer.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return str(cert_file), str(key_file)


@pytest.fixture
def tls_server(tmp_path):
    cert, key = self_signed(tmp_path)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Checkpoint)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}", cert
    server.shutdown()
    server.server_close()


def test_a_peer_certificate_from_an_untrusted_ca_says_which_setting_trusts_it(tls_server):
    url, ca = tls_server
    with pytest.raises(PeerUnavailable) as caught:
        PeerClient(url, timeout=5).checkpoint()
    assert caught.value.reason == "tls_untrusted"
    assert "IPCHAIN_PEER_CA_FILE" in str(caught.value)
    # Trusting the offices' CA, the same peer answers.
    assert PeerClient(url, timeout=5, ca_file=ca).checkpoint().startswith("peer.example/log\n")
