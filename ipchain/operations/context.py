"""What the current request is, for log lines written anywhere while it is served."""

from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("ipchain_request_id", default="")
current_request: ContextVar[object | None] = ContextVar("ipchain_request", default=None)


def current_user_id() -> int | None:
    """The signed-in user's id, only when authentication already loaded the user: a log line
    must never be the thing that queries the database."""
    request = current_request.get()
    user = getattr(request, "_cached_user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return user.pk
    return None
