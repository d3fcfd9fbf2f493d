"""Applications for action, the officers' catalogue and the holder's portfolio shares through
the API (docs/enforcement.md). Thin: each view validates its body, calls one service."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import organisation_of, require
from ipchain.registry.models import IpRight, Product
from ipchain.registry.selectors import right_named

from . import applications, mandates, portfolio, risk_alerts
from .models import Application, ApplicationEvent, Mandate, RiskAlert


def _slug():
    """An organisation by its slug (a new field each time: DRF binds a field to one name)."""
    return serializers.SlugRelatedField(slug_field="slug", read_only=True)


class RightRef(serializers.Serializer):
    office = serializers.CharField(max_length=2)
    kind = serializers.CharField(max_length=24)
    number = serializers.CharField(max_length=40)


class ApplicationEventOut(serializers.ModelSerializer):
    ledger_index = serializers.IntegerField(source="entry.leaf_index", allow_null=True, default=None)

    class Meta:
        model = ApplicationEvent
        fields = ["kind", "at", "ledger_index"]


class ApplicationOut(serializers.ModelSerializer):
    holder = _slug()
    competent_authority = _slug()
    authorities = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    rights = serializers.SerializerMethodField()
    granted_rights = serializers.SerializerMethodField()
    small_consignment_rights = serializers.SerializerMethodField()
    products = serializers.SlugRelatedField(slug_field="gtin", many=True, read_only=True)
    events = ApplicationEventOut(many=True, read_only=True)

    class Meta:
        model = Application
        fields = [
            "ref",
            "holder",
            "kind",
            "status",
            "competent_authority",
            "authorities",
            "peer_authorities",
            "rights",
            "granted_rights",
            "small_consignment_rights",
            "products",
            "filed_at",
            "decide_by",
            "decided_at",
            "reasons",
            "valid_until",
            "extension_requested_at",
            "ended_on",
            "events",
        ]

    def _names(self, rights) -> list[dict]:
        return [right.names for right in rights.all()]

    @extend_schema_field(RightRef(many=True))
    def get_rights(self, application):
        return self._names(application.rights)

    @extend_schema_field(RightRef(many=True))
    def get_granted_rights(self, application):
        return self._names(application.granted_rights)

    @extend_schema_field(RightRef(many=True))
    def get_small_consignment_rights(self, application):
        return self._names(application.small_consignment_rights)


class PeerAuthorityRef(serializers.Serializer):
    registry = serializers.CharField(max_length=255, help_text="The peer office's log origin")
    org = serializers.SlugField(max_length=64, help_text="The authority's identifier in that log")


class ApplicationIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Application.Kind.choices, default=Application.Kind.NATIONAL)
    competent_authority = serializers.SlugField(max_length=64)
    authorities = serializers.ListField(
        child=serializers.SlugField(max_length=64), max_length=40, default=list
    )
    peer_authorities = PeerAuthorityRef(many=True, max_length=40, required=False)
    rights = RightRef(many=True, max_length=100)
    small_consignment_rights = RightRef(many=True, max_length=100, required=False)
    products = serializers.ListField(
        child=serializers.CharField(max_length=14), max_length=1000, default=list
    )
    contact_name = serializers.CharField(max_length=200)
    contact_email = serializers.EmailField()
    contact_phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    liability_undertaking = serializers.BooleanField()


class ApplicationDecisionIn(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["granted", "partly_granted", "rejected"])
    granted_rights = RightRef(many=True, max_length=100, required=False)
    reasons = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    valid_until = serializers.DateField(required=False, allow_null=True)


class ExtensionIn(serializers.Serializer):
    valid_until = serializers.DateField(required=False, allow_null=True)


class ReasonsIn(serializers.Serializer):
    reasons = serializers.CharField(max_length=2000)


def _body(serializer_class, request) -> dict:
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return data.validated_data


def _rights(names, holder=None) -> list[IpRight]:
    found = []
    for name in names or []:
        right = right_named(name, holder=holder)
        if right is None:
            raise serializers.ValidationError({"rights": f"no such right: {name['office']} {name['number']}"})
        found.append(right)
    return found


def _customs(slug: str) -> Organisation:
    return get_object_or_404(Organisation, slug=slug, kind=Organisation.Kind.CUSTOMS)


def _applications(request):
    """The applications the caller may see, with what ApplicationOut reads."""
    require(request.user, "enforcement.view_application")
    return applications.visible_applications(request.user).prefetch_related(
        "authorities", "rights", "granted_rights", "small_consignment_rights", "products", "events__entry"
    )


def _visible(request, ref: str) -> Application:
    return get_object_or_404(_applications(request), ref=ref)


class ApplicationListView(APIView):
    """GET: the applications the caller may see. POST (a rights holder): file one."""

    @extend_schema(responses=ApplicationOut(many=True))
    def get(self, request):
        return Response(ApplicationOut(_applications(request)[:500], many=True).data)

    @extend_schema(request=ApplicationIn, responses={201: ApplicationOut})
    def post(self, request):
        holder = organisation_of(request.user)
        require(request.user, "enforcement.add_application", holder)
        if holder.kind != Organisation.Kind.BRAND:
            raise PermissionDenied("applications are filed for a rights holder (a representative: X-Act-For)")
        d = _body(ApplicationIn, request)
        products = list(Product.objects.filter(brand=holder, gtin__in=d["products"]))
        if len(products) != len(set(d["products"])):
            raise serializers.ValidationError({"products": "name your own products by GTIN"})
        filed = applications.file_application(
            actor=request.user,
            holder=holder,
            kind=d["kind"],
            competent_authority=_customs(d["competent_authority"]),
            authorities=[_customs(slug) for slug in d["authorities"]],
            peer_authorities=[f"{a['registry']} {a['org']}" for a in d.get("peer_authorities", [])],
            rights=_rights(d["rights"], holder),
            small_consignment_rights=_rights(d.get("small_consignment_rights"), holder),
            products=products,
            contact_name=d["contact_name"],
            contact_email=d["contact_email"],
            contact_phone=d["contact_phone"],
            liability_undertaking=d["liability_undertaking"],
        )
        return Response(ApplicationOut(filed).data, status=201)


class ApplicationDetailView(APIView):
    @extend_schema(responses=ApplicationOut)
    def get(self, request, ref: str):
        return Response(ApplicationOut(_visible(request, ref)).data)


class DecisionView(APIView):
    """The competent customs department grants, partly grants or rejects (Art. 9-11)."""

    @extend_schema(request=ApplicationDecisionIn, responses=ApplicationOut)
    def post(self, request, ref: str):
        application = _visible(request, ref)
        d = _body(ApplicationDecisionIn, request)
        decided = applications.decide(
            actor=request.user,
            application=application,
            decision=d["decision"],
            granted_rights=_rights(d.get("granted_rights")),
            reasons=d["reasons"],
            valid_until=d.get("valid_until"),
        )
        return Response(ApplicationOut(decided).data)


class ExtensionRequestView(APIView):
    """The holder asks for a further period (Art. 12(1))."""

    @extend_schema(request=None, responses=ApplicationOut)
    def post(self, request, ref: str):
        done = applications.request_extension(actor=request.user, application=_visible(request, ref))
        return Response(ApplicationOut(done).data)


class ExtensionView(APIView):
    """The competent department extends the period of action (Art. 12(4))."""

    @extend_schema(request=ExtensionIn, responses=ApplicationOut)
    def post(self, request, ref: str):
        d = _body(ExtensionIn, request)
        done = applications.extend(
            actor=request.user, application=_visible(request, ref), valid_until=d.get("valid_until")
        )
        return Response(ApplicationOut(done).data)


class SuspensionView(APIView):
    @extend_schema(request=ReasonsIn, responses=ApplicationOut)
    def post(self, request, ref: str):
        d = _body(ReasonsIn, request)
        done = applications.suspend(
            actor=request.user, application=_visible(request, ref), reasons=d["reasons"]
        )
        return Response(ApplicationOut(done).data)


class RevocationView(APIView):
    @extend_schema(request=ReasonsIn, responses=ApplicationOut)
    def post(self, request, ref: str):
        d = _body(ReasonsIn, request)
        done = applications.revoke(
            actor=request.user, application=_visible(request, ref), reasons=d["reasons"]
        )
        return Response(ApplicationOut(done).data)


# --- The catalogue and the holder's shares ---------------------------------------------------


class CatalogueOut(serializers.ModelSerializer):
    brand = serializers.CharField(source="brand.name")
    rights = serializers.SerializerMethodField()

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
            "rights",
        ]

    @extend_schema_field(RightRef(many=True))
    def get_rights(self, product):
        return [right.names for right in product.rights.all()]


class CatalogueQuery(serializers.Serializer):
    q = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    gtin = serializers.RegexField(r"^\d{1,14}$", required=False, allow_blank=True, default="")
    right = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    klass = serializers.IntegerField(min_value=1, max_value=99, required=False, allow_null=True, default=None)


class CatalogueView(APIView):
    """The products whose guides the caller may see: an officer those shared with its
    authority (docs/enforcement.md). The first 100 matches."""

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="words of the product's or the brand's name"),
            OpenApiParameter("gtin", str, description="a GTIN or part of one"),
            OpenApiParameter("right", str, description="an IP right's registration number"),
            OpenApiParameter("klass", int, description="a Nice or Locarno class"),
        ],
        responses=CatalogueOut(many=True),
    )
    def get(self, request):
        query = CatalogueQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        d = query.validated_data
        found = portfolio.catalogue(
            request.user, text=d["q"], gtin=d["gtin"], right=d["right"], klass=d["klass"]
        )
        return Response(CatalogueOut(found[:100], many=True).data)


class ShareOut(serializers.Serializer):
    authority = serializers.CharField(source="authority.slug")
    applications = serializers.ListField(child=serializers.CharField())
    shared = serializers.BooleanField()


class ShareIn(serializers.Serializer):
    authority = serializers.SlugField(max_length=64)


def _holder(request) -> Organisation:
    org = organisation_of(request.user)
    if org is None or org.kind != Organisation.Kind.BRAND:
        raise PermissionDenied("rights holders share their own portfolio")
    require(request.user, "enforcement.view_application", org)
    return org


class SharesView(APIView):
    """GET: the customs authorities that see the holder's portfolio, and why. POST: share it
    with one more. DELETE (?authority=): stop sharing with one."""

    @extend_schema(responses=ShareOut(many=True))
    def get(self, request):
        return Response(ShareOut(portfolio.who_sees(_holder(request)), many=True).data)

    @extend_schema(request=ShareIn, responses={201: ShareOut(many=True)})
    def post(self, request):
        holder = _holder(request)
        d = _body(ShareIn, request)
        portfolio.share(actor=request.user, holder=holder, authority=_customs(d["authority"]))
        return Response(ShareOut(portfolio.who_sees(holder), many=True).data, status=201)

    @extend_schema(
        parameters=[OpenApiParameter("authority", str, required=True)], responses=ShareOut(many=True)
    )
    def delete(self, request):
        holder = _holder(request)
        query = ShareIn(data=request.query_params)
        query.is_valid(raise_exception=True)
        d = query.validated_data
        portfolio.unshare(actor=request.user, holder=holder, authority=_customs(d["authority"]))
        return Response(ShareOut(portfolio.who_sees(holder), many=True).data)


class LookOut(serializers.Serializer):
    at = serializers.DateTimeField()
    authority = serializers.CharField()
    gtin = serializers.CharField(source="product.gtin", default=None)
    via = serializers.ChoiceField(choices=["scan", "catalogue"])


class LooksView(APIView):
    """Which customs authority looked at which of the holder's products, newest first."""

    @extend_schema(responses=LookOut(many=True))
    def get(self, request):
        return Response(LookOut(portfolio.views_of(_holder(request)), many=True).data)


# --- Risk alerts ----------------------------------------------------------------------------


class RiskAlertOut(serializers.ModelSerializer):
    holder = _slug()
    authorities = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    products = serializers.SlugRelatedField(slug_field="gtin", many=True, read_only=True)

    class Meta:
        model = RiskAlert
        fields = [
            "id",
            "holder",
            "kind",
            "title",
            "details",
            "party",
            "origin_country",
            "dispatch_country",
            "products",
            "authorities",
            "starts",
            "ends",
            "withdrawn_at",
        ]


class RiskAlertIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RiskAlert.Kind.choices)
    title = serializers.CharField(max_length=120)
    details = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    party = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    origin_country = serializers.CharField(max_length=2, required=False, allow_blank=True, default="")
    dispatch_country = serializers.CharField(max_length=2, required=False, allow_blank=True, default="")
    products = serializers.ListField(child=serializers.CharField(max_length=14), max_length=200, default=list)
    authorities = serializers.ListField(
        child=serializers.SlugField(max_length=64), min_length=1, max_length=40
    )
    starts = serializers.DateField(required=False, allow_null=True)
    ends = serializers.DateField()


class RiskAlertListView(APIView):
    """GET: the holder's own alerts, or those sent to the caller's customs authority. POST (a
    rights holder): send one."""

    @extend_schema(responses=RiskAlertOut(many=True))
    def get(self, request):
        require(request.user, "enforcement.view_application")
        return Response(RiskAlertOut(risk_alerts.visible_alerts(request.user)[:200], many=True).data)

    @extend_schema(request=RiskAlertIn, responses={201: RiskAlertOut})
    def post(self, request):
        holder = organisation_of(request.user)
        require(request.user, "enforcement.add_application", holder)
        d = _body(RiskAlertIn, request)
        products = list(Product.objects.filter(brand=holder, gtin__in=d.pop("products")))
        alert = risk_alerts.post_alert(
            actor=request.user,
            holder=holder,
            authorities=[_customs(slug) for slug in d.pop("authorities")],
            products=products,
            **d,
        )
        return Response(RiskAlertOut(alert).data, status=201)


class RiskAlertWithdrawalView(APIView):
    @extend_schema(request=None, responses=RiskAlertOut)
    def post(self, request, pk: int):
        require(request.user, "enforcement.view_application")
        alert = get_object_or_404(risk_alerts.visible_alerts(request.user), pk=pk)
        return Response(RiskAlertOut(risk_alerts.withdraw(actor=request.user, alert=alert)).data)


# --- Legal representatives ------------------------------------------------------------------


class MandateOut(serializers.ModelSerializer):
    holder = _slug()
    representative = _slug()
    ledger_index = serializers.IntegerField(source="entry.leaf_index", allow_null=True, default=None)

    class Meta:
        model = Mandate
        fields = ["ref", "holder", "representative", "granted_at", "withdrawn_at", "ledger_index"]


class MandateIn(serializers.Serializer):
    representative = serializers.SlugField(max_length=64)


class RepresentativeIn(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=64)
    country = serializers.CharField(max_length=2)


class RepresentativeOut(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    country = serializers.CharField()


class RepresentativeListView(APIView):
    """GET: the admitted legal representatives. POST (the office): admit one."""

    @extend_schema(responses=RepresentativeOut(many=True))
    def get(self, request):
        found = Organisation.objects.filter(kind=Organisation.Kind.REPRESENTATIVE, status="admitted")
        return Response(RepresentativeOut(found.order_by("name"), many=True).data)

    @extend_schema(request=RepresentativeIn, responses={201: RepresentativeOut})
    def post(self, request):
        d = _body(RepresentativeIn, request)
        firm = mandates.create_representative(actor=request.user, **d)
        return Response(RepresentativeOut(firm).data, status=201)


class MandateListView(APIView):
    """GET: a holder's mandates, or a representative firm's. POST (the holder): give one."""

    @extend_schema(responses=MandateOut(many=True))
    def get(self, request):
        return Response(MandateOut(mandates.visible_mandates(request.user)[:500], many=True).data)

    @extend_schema(request=MandateIn, responses={201: MandateOut})
    def post(self, request):
        holder = organisation_of(request.user)
        d = _body(MandateIn, request)
        firm = get_object_or_404(
            Organisation, slug=d["representative"], kind=Organisation.Kind.REPRESENTATIVE
        )
        return Response(
            MandateOut(mandates.grant(actor=request.user, holder=holder, representative=firm)).data,
            status=201,
        )


class MandateWithdrawalView(APIView):
    @extend_schema(request=None, responses=MandateOut)
    def post(self, request, ref: str):
        mandate = get_object_or_404(mandates.visible_mandates(request.user), ref=ref)
        return Response(MandateOut(mandates.withdraw(actor=request.user, mandate=mandate)).data)
