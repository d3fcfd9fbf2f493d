"""The signed-in person's membership for every page: the navigation is one, by who is reading."""

from django.utils.functional import SimpleLazyObject

from .roles import membership_of


def membership(request) -> dict:
    # Lazy: a page that shows no navigation (JSON, files) costs no query.
    return {"member": SimpleLazyObject(lambda: membership_of(request.user))}
