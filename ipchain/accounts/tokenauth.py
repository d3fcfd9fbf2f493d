"""DRF token authentication that keeps a valid token's user while nothing changes.

DRF's TokenAuthentication reads the token and its user with a join on every request. A
production line registers thousands of items in a row with one token, so a process keeps
"this key is this active user" while the change counter stands still (changes.py): a token
deleted or a user deactivated in any process is seen by the next request. Unknown keys and
inactive users are never kept. Each request gets its own copy of the user.
"""

import copy

from drf_spectacular.drainage import set_override
from rest_framework.authentication import TokenAuthentication

from .changes import Kept

_tokens = Kept("API tokens")


class KeptTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = _tokens.get(key, super().authenticate_credentials)  # raises: nothing kept
        return copy.copy(user), token


# To API clients this is DRF's token scheme (the same header and tokens): the OpenAPI schema
# names it "tokenAuth" as it does TokenAuthentication.
set_override(KeptTokenAuthentication, "suppress_collision_warning", True)
