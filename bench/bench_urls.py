"""The node's URLs plus the baseline of bench/verify.py: a bare DRF endpoint doing one
primary-key lookup. Only for benchmarks: never in config/urls.py."""

import os

from django.urls import path
from rest_framework import permissions
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as node_urls
from ipchain.registry.models import Item
from verifier.api import VerifyView

# DRF's own authentication: the token and its user read on every request (the project's
# default keeps them between requests: ipchain/accounts/tokenauth.py).
STOCK_AUTHENTICATION = [TokenAuthentication, SessionAuthentication]


class Baseline(APIView):
    """Stock DRF throughout: DRF's TokenAuthentication, content negotiation, JSONRenderer."""

    authentication_classes = STOCK_AUTHENTICATION
    permission_classes = [permissions.AllowAny]

    def post(self, request):
        item = Item.objects.filter(pk=request.data["id"]).values("id", "serial", "status").first()
        return Response(item)


if os.environ.get("BENCH_STOCK_AUTH") == "1":  # bench/verify.py --stock-auth: no remembered tokens
    VerifyView.authentication_classes = STOCK_AUTHENTICATION

urlpatterns = [path("bench/baseline", Baseline.as_view()), *node_urls]
