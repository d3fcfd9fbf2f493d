from ipchain.errors import DomainError


class RegistryError(DomainError):
    """A registry operation refused."""
