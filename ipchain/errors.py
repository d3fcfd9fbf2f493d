class DomainError(ValueError):
    """A refused operation: `reason` is machine-readable, the message is for people (English).

    The reason alone says what went wrong; each interface turns it into what its users read:
    an HTTP status and JSON body (ipchain/api_errors.py), a translated sentence on a page
    (ipchain/reasons.py), a command's message."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
