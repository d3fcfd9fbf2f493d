"""The node's URLs plus the baseline of bench/verify.py: a bare DRF endpoint doing one
primary-key lookup. Only for benchmarks: never in config/urls.py."""

import os

from django.urls import path
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from config.urls import urlpatterns as node_urls
from ipchain.registry.models import Item
from verifier.api import VerifyView


class Baseline(APIView):
    """DRF's defaults throughout: the project's authentication classes (TokenAuthentication
    reads the token and its user on every request), content negotiation, JSONRenderer."""

    permission_classes = [permissions.AllowAny]

    def post(self, request):
        item = Item.objects.filter(pk=request.data["id"]).values("id", "serial", "status").first()
        return Response(item)


if os.environ.get("BENCH_STOCK_AUTH") == "1":  # bench/verify.py --stock-auth: no remembered tokens
    VerifyView.authentication_classes = api_settings.DEFAULT_AUTHENTICATION_CLASSES

urlpatterns = [path("bench/baseline", Baseline.as_view()), *node_urls]
