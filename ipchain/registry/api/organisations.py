"""The office's side, for automation: customs authorities, their customs offices, and
invitations to any organisation (the same services as the portal's pages)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ipchain.accounts import invitations
from ipchain.accounts.models import CustomsOffice, Organisation, Role
from ipchain.accounts.roles import require

from .. import authorities


class CustomsOfficeSerializer(serializers.ModelSerializer):
    latitude = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)

    class Meta:
        model = CustomsOffice
        fields = ["name", "code", "latitude", "longitude"]
        validators = []  # uniqueness is the service's business, with a clearer message


class AuthorityOut(serializers.ModelSerializer):
    customs_offices = CustomsOfficeSerializer(many=True, read_only=True)
    key_id = serializers.SerializerMethodField()

    class Meta:
        model = Organisation
        fields = [
            "slug",
            "name",
            "country",
            "status",
            "contact_email",
            "key_id",
            "customs_offices",
            "created_at",
        ]

    def get_key_id(self, authority) -> str | None:
        keys = [k for k in authority.keys.all() if k.status == "active"]
        return keys[0].kid if keys else None


class AuthorityIn(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    country = serializers.CharField(max_length=2)
    slug = serializers.SlugField(max_length=64, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=40)


class InvitationIn(serializers.Serializer):
    organisation = serializers.SlugField(max_length=64)
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.values)
    customs_office = serializers.CharField(
        max_length=120, required=False, allow_blank=True, help_text="For customs staff: the office's name"
    )


class InvitationOut(serializers.Serializer):
    organisation = serializers.CharField()
    email = serializers.EmailField()
    role = serializers.CharField()
    expires_at = serializers.DateTimeField()
    emailed = serializers.BooleanField(help_text="whether the e-mail went out")
    link = serializers.CharField(
        help_text="the invitation's link, shown this once: pass it on if not emailed"
    )


def _authorities():
    return Organisation.objects.filter(kind=Organisation.Kind.CUSTOMS).prefetch_related(
        "customs_offices", "keys"
    )


class AuthorityListView(APIView):
    @extend_schema(responses=AuthorityOut(many=True))
    def get(self, request):
        require(request.user, "accounts.view_organisation")
        return Response(AuthorityOut(_authorities(), many=True).data)

    @extend_schema(request=AuthorityIn, responses={201: AuthorityOut})
    def post(self, request):
        require(request.user, "accounts.add_organisation")
        data = AuthorityIn(data=request.data)
        data.is_valid(raise_exception=True)
        authority = authorities.create_customs_authority(actor=request.user, **data.validated_data)
        return Response(AuthorityOut(_authorities().get(pk=authority.pk)).data, status=201)


class AuthorityOfficesView(APIView):
    @extend_schema(request=CustomsOfficeSerializer, responses={201: AuthorityOut})
    def post(self, request, slug):
        require(request.user, "accounts.add_customsoffice")
        authority = get_object_or_404(Organisation, slug=slug, kind=Organisation.Kind.CUSTOMS)
        data = CustomsOfficeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        authorities.add_customs_office(actor=request.user, authority=authority, **data.validated_data)
        return Response(AuthorityOut(_authorities().get(pk=authority.pk)).data, status=201)


class InvitationView(APIView):
    @extend_schema(request=InvitationIn, responses={201: InvitationOut})
    def post(self, request):
        require(request.user, "accounts.add_invitation")
        data = InvitationIn(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        organisation = get_object_or_404(Organisation, slug=d["organisation"])
        office = None
        if d.get("customs_office"):
            office = organisation.customs_offices.filter(name=d["customs_office"]).first()
            if office is None:
                raise invitations.InvitationError(
                    "wrong_customs_office", f"{organisation} has no customs office {d['customs_office']!r}"
                )
        invitation, path, sent = invitations.invite(
            actor=request.user,
            organisation=organisation,
            email=d["email"],
            role=d["role"],
            customs_office=office,
        )
        out = {
            "organisation": organisation.slug,
            "email": invitation.email,
            "role": invitation.role,
            "expires_at": invitation.expires_at,
            "emailed": sent,
            "link": invitations.link(path),
        }
        return Response(InvitationOut(out).data, status=201)
