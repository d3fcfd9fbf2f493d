from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import catalogue
from ..models import Product
from .common import gtin14, my_brand, registry_member


class ProductOut(serializers.ModelSerializer):
    brand = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    items = serializers.IntegerField(source="items.count", read_only=True)

    class Meta:
        model = Product
        fields = [
            "gtin",
            "name",
            "brand",
            "description",
            "genuine_features",
            "packaging",
            "made_in",
            "trade_routes",
            "contact",
            "image",
            "items",
            "created_at",
        ]


class ProductIn(serializers.Serializer):
    gtin = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    genuine_features = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    packaging = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    made_in = serializers.CharField(required=False, allow_blank=True, max_length=200)
    trade_routes = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    contact = serializers.CharField(required=False, allow_blank=True, max_length=300)


class ProductUpdate(ProductIn):
    gtin = None
    name = serializers.CharField(max_length=200, required=False)


class ProductListView(APIView):
    @extend_schema(responses=ProductOut(many=True))
    def get(self, request):
        organisation = registry_member(request)
        products = Product.objects.select_related("brand").order_by("name")
        if organisation.kind != organisation.Kind.OFFICE:
            products = products.filter(brand=organisation)
        return Response(ProductOut(products[:1000], many=True).data)

    @extend_schema(request=ProductIn, responses={201: ProductOut})
    def post(self, request):
        data = ProductIn(data=request.data)
        data.is_valid(raise_exception=True)
        product = catalogue.create_product(actor=request.user, brand=my_brand(request), **data.validated_data)
        return Response(ProductOut(product).data, status=201)


class ProductDetailView(APIView):
    def _product(self, request, gtin):
        organisation = registry_member(request)
        product = get_object_or_404(Product, gtin=gtin14(gtin))
        if organisation.kind != organisation.Kind.OFFICE and product.brand_id != organisation.pk:
            get_object_or_404(Product, pk=None)
        return product

    @extend_schema(responses=ProductOut)
    def get(self, request, gtin):
        return Response(ProductOut(self._product(request, gtin)).data)

    @extend_schema(request=ProductUpdate, responses=ProductOut)
    def patch(self, request, gtin):
        product = self._product(request, gtin)
        data = ProductUpdate(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        product = catalogue.update_product(actor=request.user, product=product, **data.validated_data)
        return Response(ProductOut(product).data)
