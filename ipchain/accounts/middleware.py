"""The change counter read at most once a request (ipchain/accounts/changes.py)."""

from .changes import RequestCounter


class ChangeCounterMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with RequestCounter():
            return self.get_response(request)
