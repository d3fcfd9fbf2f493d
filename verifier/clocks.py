"""Case deadlines in working days (Monday to Friday), per EU Regulation 608/2013.

Art. 17(4) and 18(3): the holder is notified of a detention "on the same day as, or
promptly after" it (one working day here); Art. 23(1): the holder answers within 10
working days, 3 for perishable goods, extendable once by up to 10 working days for
goods that are not perishable (Art. 23(4)); Art. 26: small consignments follow their own
10-working-day procedure. The numbers are settings (IPCHAIN_CASE_CLOCKS) so that another
jurisdiction sets its own. Public holidays are not known to this module. Pure: no Django.
"""

from datetime import datetime, timedelta


def add_working_days(start: datetime, days: int) -> datetime:
    """The moment `days` working days after `start` (weekends skipped)."""
    moment = start
    remaining = days
    while remaining > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            remaining -= 1
    return moment


def holder_deadline(
    notified: datetime, *, perishable: bool, small_consignment: bool, clocks: dict
) -> datetime:
    if perishable:
        days = clocks["perishable_working_days"]
    elif small_consignment:
        days = clocks["small_consignment_working_days"]
    else:
        days = clocks["holder_working_days"]
    return add_working_days(notified, days)
