"""The office's side: rights holders, their IP rights, admission and suspension."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import require

from .. import admission
from ..holders import create_rights_holder
from ..models import IpRight


class IpRightSerializer(serializers.ModelSerializer):
    nice_classes = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=45), required=False, max_length=45
    )
    locarno_classes = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=33)

    class Meta:
        model = IpRight
        fields = ["kind", "office", "registration_number", "nice_classes", "locarno_classes", "mark"]
        fields += ["filing_date", "registration_date", "expiry_date", "status"]
        extra_kwargs = {"nice_classes": {"required": False}, "status": {"read_only": True}}
        validators = []  # uniqueness is the service's business, with a clearer message


class HolderOut(serializers.ModelSerializer):
    ip_rights = IpRightSerializer(many=True, read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "slug",
            "name",
            "country",
            "status",
            "contact_email",
            "contact_phone",
            "website",
            "ip_rights",
            "created_at",
        ]


class HolderIn(serializers.Serializer):
    slug = serializers.SlugField(max_length=64)
    name = serializers.CharField(max_length=200)
    country = serializers.CharField(max_length=2)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    website = serializers.URLField(required=False, allow_blank=True)
    ip_rights = IpRightSerializer(many=True, required=False)


class DecisionIn(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["admitted", "suspended"])
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)


class HolderListView(APIView):
    @extend_schema(responses=HolderOut(many=True))
    def get(self, request):
        require(request.user, "accounts.view_organisation")
        holders = Organisation.objects.filter(kind=Organisation.Kind.BRAND).prefetch_related("ip_rights")
        return Response(HolderOut(holders, many=True).data)

    @extend_schema(request=HolderIn, responses={201: HolderOut})
    def post(self, request):
        require(request.user, "accounts.add_organisation")
        data = HolderIn(data=request.data)
        data.is_valid(raise_exception=True)
        holder = create_rights_holder(actor=request.user, **data.validated_data)
        return Response(HolderOut(holder).data, status=201)


class HolderRightsView(APIView):
    @extend_schema(request=IpRightSerializer, responses={201: HolderOut})
    def post(self, request, slug):
        require(request.user, "accounts.change_organisation")
        holder = get_object_or_404(Organisation, slug=slug, kind=Organisation.Kind.BRAND)
        data = IpRightSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        admission.add_ip_right(holder=holder, actor=request.user, **data.validated_data)
        return Response(HolderOut(holder).data, status=201)


class HolderDecisionView(APIView):
    @extend_schema(request=DecisionIn, responses=HolderOut)
    def post(self, request, slug):
        holder = get_object_or_404(Organisation, slug=slug, kind=Organisation.Kind.BRAND)
        data = DecisionIn(data=request.data)
        data.is_valid(raise_exception=True)
        admission.decide(actor=request.user, holder=holder, **data.validated_data)
        holder.refresh_from_db()
        return Response(HolderOut(holder).data)
