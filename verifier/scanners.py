"""Who scans: a signed-in customs officer (a trusted sighting) or anyone else.

An officer's membership is remembered by each process for IPCHAIN_VERIFY_CACHE_SECONDS x 30
(ipchain/remembered.py); a change made in this process is seen at once.
"""

from dataclasses import dataclass

from django.db.models.signals import post_delete, post_save

from ipchain.accounts.models import Membership, Organisation
from ipchain.remembered import Remembered


@dataclass(frozen=True)
class Scanner:
    trusted: bool = False  # a customs officer: the scan counts as a sighting
    user_id: int | None = None
    authority_id: int | None = None
    office: str = ""
    # The officer's customs office, where a scan is placed when the device gives no position.
    latitude: float | None = None
    longitude: float | None = None
    country: str = ""  # the officer's authority's (WIPO ST.3)


_scanners = Remembered(factor=30)


def scanner_for(user) -> Scanner:
    if not getattr(user, "is_authenticated", False):
        return Scanner()
    return _scanners.get(user.pk, _read_scanner)


def _read_scanner(user_id: int) -> Scanner:
    membership = (
        Membership.objects.filter(user_id=user_id)
        .values_list(
            "organisation_id",
            "organisation__kind",
            "customs_office",
            "latitude",
            "longitude",
            "organisation__country",
        )
        .first()
    )
    if membership is None or membership[1] != Organisation.Kind.CUSTOMS:
        return Scanner(user_id=user_id)
    authority, _, office, latitude, longitude, country = membership
    return Scanner(True, user_id, authority, office, latitude, longitude, country)


def forget() -> None:
    _scanners.clear()


post_save.connect(_scanners.clear, sender=Membership, weak=False, dispatch_uid="verifier.scanners.saved")
post_delete.connect(_scanners.clear, sender=Membership, weak=False, dispatch_uid="verifier.scanners.deleted")
