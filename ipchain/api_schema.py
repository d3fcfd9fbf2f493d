"""The OpenAPI schema as the contract: every operation documents the errors it can answer,
each with the one JSON error body (ipchain/api_errors.py). Checked by schemathesis in
`make test` (tests/test_schema_contract.py)."""

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ErrorDetail(serializers.Serializer):
    reason = serializers.CharField(help_text="Machine-readable: what went wrong")
    message = serializers.CharField(help_text="For people, in English")
    fields = serializers.DictField(required=False, help_text="Per field, when the request was not valid")


class ErrorOut(serializers.Serializer):
    error = ErrorDetail()


ERRORS = {
    "400": "The request is not valid (the reason says why)",
    "401": "Not signed in (a token or a session)",
    "403": "Signed in, but not allowed to do this",
    "404": "Nothing of that name that you may see",
    "405": "Not a method this address takes",
    "406": "Not a response type this address gives",
    "409": "The state of things does not allow it now",
    "413": "The body or the file is too large",
    "415": "Not a body type this address takes",
    "429": "Too many requests: wait the seconds of Retry-After",
}


class IpchainAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        ref = self.resolve_serializer(ErrorOut, direction).ref
        # An error comes in the view's own JSON type (the EPCIS document's is JSON-LD).
        types = [t for t in self.map_renderers("media_type") if "json" in t] or ["application/json"]
        error = {media_type: {"schema": ref} for media_type in types}
        for code, description in ERRORS.items():
            responses.setdefault(code, {"description": description, "content": error})
        return responses
