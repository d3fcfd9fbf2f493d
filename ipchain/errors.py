class DomainError(ValueError):
    """A refused operation: `reason` is machine-readable, the message is for people, and
    `status` is the HTTP status the API answers with (4xx)."""

    def __init__(self, reason: str, message: str, *, status: int = 400):
        super().__init__(message)
        self.reason = reason
        self.status = status
