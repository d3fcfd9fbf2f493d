"""A peer misconfigured at the transport says what is wrong, not a TLS library's riddle."""

import http.server
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
