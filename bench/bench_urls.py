"""The node's URLs plus the baseline of bench/verify.py: a bare DRF endpoint doing one
primary-key lookup. Only for benchmarks: never in config/urls.py."""

from django.urls import path
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as node_urls
from ipchain.registry.models import Item


class Baseline(APIView):
    permission_classes = [permissions.AllowAny]

    def post(self, request):
        item = Item.objects.filter(pk=request.data["id"]).values("id", "serial", "status").first()
        return Response(item)


urlpatterns = [path("bench/baseline", Baseline.as_view()), *node_urls]
