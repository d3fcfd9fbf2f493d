"""One JSON shape for every API error: {"error": {"reason": "...", "message": "..."}}.

Domain exceptions carry a machine-readable `reason`; they are translated here, once: the
reason decides the HTTP status (REASON_STATUS; 400 for any other).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ipchain.errors import DomainError

REASON_STATUS = {
    # The caller may not do this.
    "not_a_brand": 403,
    "brand_not_admitted": 403,
    "not_allowed": 403,
    "wrong_brand": 403,
    "wrong_signer": 403,
    "not_customs": 403,
    # Nothing of that name the caller may see.
    "not_found": 404,
    "unknown_item": 404,
    "no_item": 404,
    # The state of things does not allow it now.
    "duplicate_slug": 409,
    "duplicate_gtin": 409,
    "duplicate_customs_office": 409,
    "active_key_exists": 409,
    "right_held_elsewhere": 409,
    # An IP right's state forbids it now (docs/rules.md).
    "right_not_live": 409,
    "right_live": 409,
    "not_renewable_now": 409,
    "exclusive_taken": 409,
    "licence_ended": 409,
    "stale_owner": 409,
    "right_lapsed": 409,
    "not_right_holder": 409,
    "outside_licence": 409,
    "no_right": 409,
    "no_change": 409,
    "item_final": 409,
    "stale_prev": 409,
    "not_ready": 409,
    "case_closed": 409,
    "deadline_passed": 409,
    "not_confirmed": 409,
    # A detention's procedure, or an application's state, forbids it now (docs/enforcement.md).
    "declarant_period_running": 409,
    "declarant_objected": 409,
    "no_application": 409,
    "not_asked": 409,
    "already_answered": 409,
    "application_late": 409,
    "already_decided": 409,
    "not_in_force": 409,
    # Too large to take.
    "file_too_large": 413,
}


class ApiError(exceptions.APIException):
    """An error only the API layer knows (a missing query parameter, an unknown reference)."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, reason: str, message: str, status_code: int = 400):
        super().__init__(detail=message)
        self.reason = reason
        self.status_code = status_code


def status_for(reason: str) -> int:
    return REASON_STATUS.get(reason, 400)


def error_body(reason: str, message, **extra) -> dict:
    return {"error": {"reason": reason, "message": message, **extra}}


def exception_handler(exc, context):
    if isinstance(exc, ApiError):
        return Response(error_body(exc.reason, str(exc.detail)), status=exc.status_code)
    if isinstance(exc, DomainError):
        return Response(error_body(exc.reason, str(exc)), status=status_for(exc.reason))
    if isinstance(exc, Http404):
        return Response(error_body("not_found", "not found"), status=404)
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("invalid", "the request is not valid", fields=exc.detail)
    elif isinstance(exc, exceptions.APIException):
        response.data = error_body(exc.default_code, str(exc.detail))
    return response
