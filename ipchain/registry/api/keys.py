from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ipchain.accounts.roles import require

from .. import keys as key_services
from ..errors import RegistryError
from ..models import OrgKey
from ..signing import PublicKey, SignatureError
from .common import my_organisation


class KeyOut(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.slug")
    jwk = serializers.SerializerMethodField()
    ledger_index = serializers.IntegerField(
        source="registration_entry.leaf_index", allow_null=True, default=None
    )

    class Meta:
        model = OrgKey
        # Never the sealed private key.
        fields = [
            "kid",
            "organisation",
            "custody",
            "status",
            "public_pem",
            "jwk",
            "created_at",
            "retired_at",
            "revoked_at",
            "revocation_effective_at",
            "revocation_reason",
            "ledger_index",
        ]

    def get_jwk(self, key) -> dict:
        return PublicKey.from_pem(key.public_pem).to_jwk()


class KeyIn(serializers.Serializer):
    """Give a public key (PEM or JWK) to bring your own; give neither to have the node hold one."""

    public_pem = serializers.CharField(required=False, max_length=2000)
    jwk = serializers.DictField(required=False)
    rotate = serializers.BooleanField(default=False, help_text="Replace the active key")


class RevokeIn(serializers.Serializer):
    reason = serializers.CharField(max_length=200)
    effective_at = serializers.DateTimeField(required=False)


def _public_key(data) -> PublicKey | None:
    try:
        if data.get("public_pem"):
            return PublicKey.from_pem(data["public_pem"])
        if data.get("jwk"):
            return PublicKey.from_jwk(data["jwk"])
    except SignatureError as exc:
        raise RegistryError("bad_public_key", str(exc)) from None
    return None


class KeyListView(APIView):
    @extend_schema(responses=KeyOut(many=True))
    def get(self, request):
        organisation = my_organisation(request)
        keys = OrgKey.objects.select_related("organisation", "registration_entry").order_by("-created_at")
        if organisation.kind != organisation.Kind.OFFICE:
            keys = keys.filter(organisation=organisation)
        return Response(KeyOut(keys, many=True).data)

    @extend_schema(request=KeyIn, responses={201: KeyOut})
    def post(self, request):
        organisation = my_organisation(request)
        require(request.user, "registry.manage_keys", organisation)
        data = KeyIn(data=request.data)
        data.is_valid(raise_exception=True)
        key = key_services.add_key(
            actor=request.user,
            organisation=organisation,
            public_key=_public_key(data.validated_data),
            rotate=data.validated_data["rotate"],
        )
        return Response(KeyOut(key).data, status=201)


class KeyRevokeView(APIView):
    @extend_schema(request=RevokeIn, responses=KeyOut)
    def post(self, request, kid):
        my_organisation(request)
        key = get_object_or_404(OrgKey, kid=kid)
        data = RevokeIn(data=request.data)
        data.is_valid(raise_exception=True)
        key = key_services.revoke_key_for(actor=request.user, key=key, **data.validated_data)
        return Response(KeyOut(key).data)
