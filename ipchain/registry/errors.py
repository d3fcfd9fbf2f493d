class RegistryError(ValueError):
    """A registry operation refused; `reason` is machine-readable, the message is for people."""

    def __init__(self, reason: str, message: str, *, status: int = 400):
        super().__init__(message)
        self.reason = reason
        self.status = status
