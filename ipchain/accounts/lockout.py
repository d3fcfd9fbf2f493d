"""What someone locked out of signing in sees (django-axes' lockout response)."""

from django.conf import settings
from django.shortcuts import render


def locked_out(request, credentials=None, *args, **kwargs):
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    context = {"wait": seconds, "minutes": max(1, -(-seconds // 60)), "login": True}
    response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response
