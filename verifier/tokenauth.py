"""DRF token authentication that remembers a valid token briefly, for the verify hot path.

DRF's TokenAuthentication reads the token and its user with a join on every request: about
a third of a verification's time on a busy node (bench/README.md). Officers scan in bursts
with one token, so a process remembers "this key is this active user" for
IPCHAIN_VERIFY_CACHE_SECONDS x 30 (one minute by default), the same delay after which a
change of an officer's membership is seen (scanners.py).

What that delay means: a token deleted, or a user deactivated, in another process still
authenticates verifications in this one for at most that long. In this process it stops at
once (the signals below). Unknown keys and inactive users are never remembered: each such
request reads the database and fails as DRF's does. Each request gets its own copy of the
user, so nothing one request sets on request.user reaches the next.
"""

import copy

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from drf_spectacular.drainage import set_override
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from ipchain.remembered import Remembered

_tokens = Remembered(factor=30)


class RememberedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        found = _tokens.peek(key)
        if found is None:
            found = super().authenticate_credentials(key)  # raises for unknown or inactive
            _tokens.put(key, found)
        user, token = found
        return copy.copy(user), token


# To API clients this is DRF's token scheme: the same header, the same tokens, so the OpenAPI
# schema names it "tokenAuth" as it does TokenAuthentication (without this, a warning).
set_override(RememberedTokenAuthentication, "suppress_collision_warning", True)


def forget(**kwargs) -> None:
    _tokens.clear()


for model in (Token, get_user_model()):
    post_save.connect(forget, sender=model, weak=False, dispatch_uid=f"verifier.tokenauth.saved.{model}")
    post_delete.connect(forget, sender=model, weak=False, dispatch_uid=f"verifier.tokenauth.deleted.{model}")
