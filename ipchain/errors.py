class DomainError(ValueError):
    """A refused operation: `reason` is machine-readable, the message is for people (English).

    The reason alone says what went wrong; each interface turns it into what its users read:
    an HTTP status and JSON body (ipchain/api_errors.py), a translated sentence on a page
    (ipchain/reasons.py), a command's message."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def checked_text(value, name: str, limit: int, *, error: type[DomainError], required: bool = False) -> str:
    """`value` stripped, if it is text of at most `limit` characters with no NUL byte (and, when
    `required`, not blank); else `error` with reason bad_text or <name>_required."""
    if not isinstance(value, str) or "\x00" in value or len(value.strip()) > limit:
        raise error("bad_text", f"{name} is text of at most {limit} characters")
    if required and not value.strip():
        raise error(f"{name.replace(' ', '_')}_required", f"give the {name}")
    return value.strip()
