"""One JSON shape for every API error: {"error": {"reason": "...", "message": "..."}}.

Domain exceptions carry a machine-readable `reason`; they are translated here, once.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ipchain.errors import DomainError


class ApiError(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, reason: str, message: str, status_code: int = 400):
        super().__init__(detail=message)
        self.reason = reason
        self.status_code = status_code


def error_body(reason: str, message, **extra) -> dict:
    return {"error": {"reason": reason, "message": message, **extra}}


def exception_handler(exc, context):
    if isinstance(exc, ApiError):
        return Response(error_body(exc.reason, str(exc.detail)), status=exc.status_code)
    if isinstance(exc, DomainError):
        return Response(error_body(exc.reason, str(exc)), status=exc.status)
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
