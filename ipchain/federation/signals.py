"""Asking for cosignatures after the sequencer publishes a checkpoint.

A receiver rather than a call inside ledger/log.py: the ledger knows nothing of federation.
It runs after the integration's transaction commits, so integration never waits on a witness.
"""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from ipchain.ledger.models import SignedCheckpoint
from ipchain.outbox.enqueue import embedded, nudge


@receiver(post_save, sender=SignedCheckpoint, dispatch_uid="federation-cosign-after-checkpoint")
def checkpoint_published(sender, instance: SignedCheckpoint, created: bool, **kwargs) -> None:
    if created:
        transaction.on_commit(request_cosignatures)


def request_cosignatures() -> None:
    """Ask for cosignatures, debounced. In the embedded mode it runs here and skips witnesses
    that failed moments ago (the periodic task retries them)."""
    from .models import Peer

    if not Peer.objects.filter(cosigns_our_log=True).exists():
        return
    nudge("ipchain.federation.tasks.collect_cosignatures", every=1, retry_failed=not embedded())


@receiver(post_save, sender="federation.Peer", dispatch_uid="federation-peer-trust-list")
def peer_changed(sender, **kwargs) -> None:
    """A witness added or changed: the offline trust list names our witnesses (cosigning.our_witnesses)."""
    from verifier import trustlist

    trustlist.forget()
