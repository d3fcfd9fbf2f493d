"""Federation tests run with a throw-away witness key besides the log key."""

import pytest

from ipchain.federation.peer_setup import peer_configure
from ipchain.federation.tlog_cosignature import CosignatureSigner
from ipchain.federation.witnesskey import witness_signer

TEST_WITNESS_NAME = "test.ipchain.example/witness"
TEST_WITNESS = CosignatureSigner.generate(TEST_WITNESS_NAME)


@pytest.fixture(autouse=True)
def witness_settings(settings):
    settings.IPCHAIN_WITNESS_NAME = TEST_WITNESS_NAME
    settings.IPCHAIN_WITNESS_KEY = TEST_WITNESS.skey
    settings.IPCHAIN_WITNESS_QUORUM = 0
    settings.IPCHAIN_TRUSTED_WITNESSES = []
    witness_signer.cache_clear()
    yield settings
    witness_signer.cache_clear()


def add_peer(log, *, url: str = "http://127.0.0.1:9", name: str = "peer", **roles):
    """A peer whose log is `log` (a PeerLog): witnessed and mirrored unless told otherwise."""
    roles = {"witness_its_log": True, "mirror_its_log": True} | roles
    peer, _ = peer_configure(name=name, url=url, log_vkey=log.vkey, **roles)
    return peer
