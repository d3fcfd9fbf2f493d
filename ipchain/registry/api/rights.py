"""IP rights: their register and timeline, the office's decisions, the owner's acts
(docs/rules.md). Thin: each view validates its body, calls one service, answers the right."""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import require

from .. import rights
from ..models import IpRight, Licence, RightEvent
from .common import gtin14, registry_member


class EventOut(serializers.ModelSerializer):
    ledger_index = serializers.IntegerField(source="entry.leaf_index", allow_null=True)

    class Meta:
        model = RightEvent
        fields = ["kind", "effective_date", "recorded_at", "ledger_index", "details"]


class LicenceOut(serializers.ModelSerializer):
    licensor = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    licensee = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Licence
        fields = [
            "ref",
            "licensor",
            "licensee",
            "territory",
            "starts",
            "ends",
            "exclusive",
            "gtins",
            "classes",
        ]
        fields += ["status", "ended_on"]


class RightOut(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(source="holder", slug_field="slug", read_only=True)
    products = serializers.SlugRelatedField(many=True, slug_field="gtin", read_only=True)

    representative = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = IpRight
        fields = ["id", "kind", "office", "registration_number", "mark", "owner", "representative", "status"]
        fields += ["filing_date"]
        fields += [
            "registration_date",
            "expiry_date",
            "ended_on",
            "nice_classes",
            "locarno_classes",
            "products",
        ]


class RightDetailOut(RightOut):
    events = EventOut(many=True, read_only=True)
    licences = LicenceOut(many=True, read_only=True)

    class Meta(RightOut.Meta):
        fields = [*RightOut.Meta.fields, "events", "licences"]


class RightIn(serializers.Serializer):
    holder = serializers.SlugField(max_length=64)
    kind = serializers.ChoiceField(choices=IpRight.Kind.choices)
    office = serializers.CharField(max_length=2)
    registration_number = serializers.CharField(max_length=64)
    mark = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    nice_classes = serializers.ListField(child=serializers.IntegerField(), max_length=45, default=list)
    locarno_classes = serializers.ListField(child=serializers.IntegerField(), max_length=33, default=list)
    filing_date = serializers.DateField(required=False, allow_null=True)
    registration_date = serializers.DateField(required=False, allow_null=True)
    expiry_date = serializers.DateField(required=False, allow_null=True)
    representative = serializers.SlugField(max_length=64, required=False, allow_null=True)


class RenewalIn(serializers.Serializer):
    expiry = serializers.DateField(required=False, allow_null=True)


class AssignmentIn(serializers.Serializer):
    new_owner = serializers.SlugField(max_length=64)
    effective_date = serializers.DateField(required=False, allow_null=True)
    consent = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class InvalidationIn(serializers.Serializer):
    effective_date = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(max_length=200)


class LicenceIn(serializers.Serializer):
    licensee = serializers.SlugField(max_length=64)
    territory = serializers.ListField(child=serializers.CharField(max_length=2), min_length=1, max_length=60)
    starts = serializers.DateField(required=False, allow_null=True)
    ends = serializers.DateField(required=False, allow_null=True)
    exclusive = serializers.BooleanField(default=False)
    gtins = serializers.ListField(child=serializers.CharField(max_length=14), max_length=1000, default=list)
    classes = serializers.ListField(child=serializers.IntegerField(), max_length=45, default=list)


class ProductRightsIn(serializers.Serializer):
    rights = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=100)


def visible_rights(request):
    """The office sees the register; a rights holder its own rights and those it is licensed."""
    organisation = registry_member(request)
    require(request.user, "registry.view_ipright")
    found = IpRight.objects.select_related("holder").prefetch_related("products")
    if organisation.kind == Organisation.Kind.OFFICE:
        return found
    return found.filter(Q(holder=organisation) | Q(licences__licensee=organisation)).distinct()


def _body(serializer_class, request):
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return data.validated_data


def _brand(slug: str) -> Organisation:
    return get_object_or_404(Organisation, slug=slug, kind=Organisation.Kind.BRAND)


class RightListView(APIView):
    @extend_schema(responses=RightOut(many=True))
    def get(self, request):
        return Response(
            RightOut(visible_rights(request).order_by("office", "registration_number"), many=True).data
        )

    @extend_schema(request=RightIn, responses={201: RightDetailOut})
    def post(self, request):
        require(request.user, "registry.decide_rights")
        data = _body(RightIn, request)
        representative = data.pop("representative", None)
        if representative:
            data["representative"] = get_object_or_404(Organisation, slug=representative)
        right = rights.add_ip_right(actor=request.user, holder=_brand(data.pop("holder")), **data)
        return Response(RightDetailOut(right).data, status=201)


class RightDetailView(APIView):
    @extend_schema(responses=RightDetailOut)
    def get(self, request, right_id: int):
        return Response(RightDetailOut(get_object_or_404(visible_rights(request), pk=right_id)).data)


class _RightAction(APIView):
    """POST a decision or an act on one right."""

    body = None

    def act(self, request, right: IpRight, data: dict):
        raise NotImplementedError

    def post(self, request, right_id: int):
        right = get_object_or_404(visible_rights(request), pk=right_id)
        data = _body(self.body, request) if self.body else {}
        result = self.act(request, right, data)
        if isinstance(result, Licence):
            return Response(LicenceOut(result).data, status=201)
        result.refresh_from_db()
        return Response(RightDetailOut(result).data)


class RenewalView(_RightAction):
    body = RenewalIn

    @extend_schema(request=RenewalIn, responses=RightDetailOut)
    def post(self, request, right_id: int):
        return super().post(request, right_id)

    def act(self, request, right, data):
        return rights.renew(actor=request.user, right=right, **data)


class AssignmentView(_RightAction):
    body = AssignmentIn

    @extend_schema(request=AssignmentIn, responses=RightDetailOut)
    def post(self, request, right_id: int):
        return super().post(request, right_id)

    def act(self, request, right, data):
        new_owner = _brand(data.pop("new_owner"))
        return rights.assign(actor=request.user, right=right, new_owner=new_owner, **data)


class InvalidationView(_RightAction):
    body = InvalidationIn

    @extend_schema(request=InvalidationIn, responses=RightDetailOut)
    def post(self, request, right_id: int):
        return super().post(request, right_id)

    def act(self, request, right, data):
        return rights.invalidate(actor=request.user, right=right, **data)


class RestorationView(_RightAction):
    body = RenewalIn

    @extend_schema(request=RenewalIn, responses=RightDetailOut)
    def post(self, request, right_id: int):
        return super().post(request, right_id)

    def act(self, request, right, data):
        return rights.restore(actor=request.user, right=right, **data)


class SurrenderView(_RightAction):
    @extend_schema(request=None, responses=RightDetailOut)
    def post(self, request, right_id: int):
        return super().post(request, right_id)

    def act(self, request, right, data):
        return rights.surrender(actor=request.user, right=right)


class LicenceListView(_RightAction):
    body = LicenceIn

    @extend_schema(request=LicenceIn, responses={201: LicenceOut})
    def post(self, request, right_id: int):
        return super().post(request, right_id)

    def act(self, request, right, data):
        licensee = _brand(data.pop("licensee"))
        return rights.grant_licence(actor=request.user, right=right, licensee=licensee, **data)


class LicenceEndView(APIView):
    @extend_schema(request=None, responses=LicenceOut)
    def post(self, request, ref: str):
        organisation = registry_member(request)
        licence = get_object_or_404(Licence, ref=ref, licensor=organisation)
        return Response(LicenceOut(rights.end_licence(actor=request.user, licence=licence)).data)


class ProductRightsView(APIView):
    @extend_schema(request=ProductRightsIn, responses=RightOut(many=True))
    def put(self, request, gtin: str):
        organisation = registry_member(request)
        product = get_object_or_404(organisation.products, gtin=gtin14(gtin))
        wanted = _body(ProductRightsIn, request)["rights"]
        found = list(IpRight.objects.filter(pk__in=wanted, holder=organisation))
        if len(found) != len(set(wanted)):
            found = []  # the service refuses, naming the reason
        rights.set_product_rights(actor=request.user, product=product, rights=found)
        return Response(RightOut(product.rights.all(), many=True).data)
