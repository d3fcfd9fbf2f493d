"""The verifier's REST API: verify a code, send scans made offline, work detention cases.

One view per operation: validate, call a service, serialize (docs/verifier.md)."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import permissions, serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from ipchain.api_errors import ApiError, error_body
from ipchain.edge import StrictJSONParser
from ipchain.registry.digital_link import DigitalLinkError, normalize_gtin
from ipchain.registry.models import Item
from ipchain.registry.selectors import right_named

from . import cases, offline, plugins
from .audiences import INSIDE, audience_for, shows_guide
from .forms import MAX_PHOTOS
from .models import Case
from .scanners import scanner_for
from .selectors import product_by_gtin, scan_by_ref
from .tokenauth import RememberedTokenAuthentication
from .verification import MAX_CODE, verify_code
from .wording import reason_text

OFFLINE_BATCH = 100  # scans per request from an offline queue


class VerifyIn(serializers.Serializer):
    code = serializers.CharField(max_length=MAX_CODE, trim_whitespace=True)
    latitude = serializers.FloatField(required=False, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, min_value=-180, max_value=180)


def plain_verify_fields(data) -> dict | None:
    """VerifyIn's validated data for the usual request (an ASCII code, numbers in range),
    without building a serializer: that is a tenth of a verification (bench/verify.py).
    None for anything else, which VerifyIn then validates or refuses with its own errors."""
    code = data.get("code") if type(data) is dict else None
    if type(code) is not str or not code.isascii() or "\x00" in code:
        return None
    fields = {"code": code.strip()}
    if not fields["code"] or len(fields["code"]) > MAX_CODE:
        return None
    for name, limit in (("latitude", 90), ("longitude", 180)):
        if name in data:
            value = data[name]
            if type(value) not in (int, float) or not -limit <= value <= limit:
                return None
            fields[name] = float(value)
    return fields


class VerifyView(APIView):
    """POST {"code": "<scanned text>"} → the verdict, for customs systems."""

    permission_classes = [permissions.AllowAny]
    parser_classes = [StrictJSONParser]
    throttle_scope = "verify"
    # The hot path: an officer's token is remembered briefly (verifier/tokenauth.py).
    authentication_classes = [RememberedTokenAuthentication, SessionAuthentication]

    @extend_schema(request=VerifyIn, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        d = plain_verify_fields(request.data)
        if d is None:
            data = VerifyIn(data=request.data)
            data.is_valid(raise_exception=True)
            d = data.validated_data
        result = verify_code(
            d["code"], user=request.user, latitude=d.get("latitude"), longitude=d.get("longitude")
        )
        audience = audience_for(request.user, result)
        guide = shows_guide(audience, request.user, result.item and result.item.product)
        return Response(result.as_json(reason_text, inside=audience in INSIDE, guide=guide))


class OfflineScanIn(VerifyIn):
    id = serializers.UUIDField(help_text="Made by the phone when it queued the scan")
    scanned_at = serializers.DateTimeField()
    offline_verdict = serializers.ChoiceField(
        choices=[
            "offline_valid",
            "recalled",
            "stolen",
            "destroyed",
            "suspected_clone",
            "listed",
            "forged",
            "revoked",
            "unknown_product",
            "unchecked",
            "",
        ],
        required=False,
    )


class OfflineScansIn(serializers.Serializer):
    scans = OfflineScanIn(many=True, allow_empty=False, max_length=OFFLINE_BATCH)


class OfficersOnly(permissions.BasePermission):
    """Offline scans are trusted sightings: only signed-in customs officers send them."""

    message = "only customs officers send scans made offline"

    def has_permission(self, request, view) -> bool:
        return scanner_for(request.user).trusted


class OfflineScansView(APIView):
    """POST {"scans": [{"id", "code", "scanned_at", ...}]}: scans queued on a phone while
    offline, verified and logged now at the moment each was made (verifier/offline.py).
    Sending a batch again is harmless: each scan already logged answers `duplicate`."""

    permission_classes = [permissions.IsAuthenticated, OfficersOnly]
    parser_classes = [StrictJSONParser]
    throttle_scope = "offline"

    @extend_schema(request=OfflineScansIn, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        data = OfflineScansIn(data=request.data)
        data.is_valid(raise_exception=True)
        answers = offline.log_offline_scans(request.user, data.validated_data["scans"])
        return Response({"results": [_offline_answer(answer) for answer in answers]})


def _offline_answer(answer: offline.OfflineAnswer) -> dict:
    head = {"id": str(answer.id), "status": answer.status}
    if answer.status == "refused":
        return head | error_body(answer.reason, answer.message)
    if answer.status == "duplicate":
        return head | {"verdict": answer.verdict, "scan": str(answer.id)}
    return head | answer.result.as_json(reason_text, inside=True)  # officers only send these


# --- Detention cases ------------------------------------------------------------------


PARTIES = (
    "declarant",
    "consignor",
    "consignee",
    "origin_country",
    "dispatch_country",
    "transport_mode",
    "declaration_ref",
    "tracking_ref",
)


class RightName(serializers.Serializer):
    office = serializers.CharField(max_length=2)
    kind = serializers.CharField(max_length=24)
    number = serializers.CharField(max_length=40)


class PartiesOut(serializers.Serializer):
    declarant = serializers.CharField()
    consignor = serializers.CharField()
    consignee = serializers.CharField()
    origin_country = serializers.CharField()
    dispatch_country = serializers.CharField()
    transport_mode = serializers.CharField()
    declaration_ref = serializers.CharField()
    tracking_ref = serializers.CharField()


class CaseOut(serializers.ModelSerializer):
    gtin = serializers.SerializerMethodField()
    serial = serializers.SerializerMethodField()
    authority = serializers.CharField(source="authority.slug")
    brand = serializers.CharField(source="brand.slug")
    rights = serializers.SerializerMethodField()
    parties = serializers.SerializerMethodField()
    clocks = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "state",
            "procedure",
            "application_ref",
            "rights",
            "goods",
            "quantity",
            "unit",
            "estimated_value",
            "notes",
            "perishable",
            "small_consignment",
            "gtin",
            "serial",
            "authority",
            "customs_office",
            "brand",
            "parties",
            "detained_at",
            "notify_by",
            "notified_at",
            "application_by",
            "holder_deadline",
            "extended",
            "holder_answer",
            "holder_answered_at",
            "declarant_deadline",
            "declarant_answer",
            "declarant_answered_at",
            "closed_at",
            "clocks",
            "photos",
        ]

    def get_gtin(self, case) -> str | None:
        return case.product.gtin if case.product_id else case.gtin or None

    def get_serial(self, case) -> str | None:
        return case.item.serial if case.item_id else case.serial or None

    @extend_schema_field(RightName(many=True))
    def get_rights(self, case):
        return [right.names for right in case.rights.all()]

    @extend_schema_field(PartiesOut(allow_null=True))
    def get_parties(self, case):
        """The declaration's parties, for those who may see them (cases.parties_shown), else null."""
        request = self.context.get("request")
        side = cases.side_of(request.user) if request else ""
        if not cases.parties_shown(case, side):
            return None
        return {name: getattr(case, name) for name in PARTIES}

    def get_clocks(self, case) -> list:
        return cases.clocks_of(case)

    def get_photos(self, case) -> list[str]:
        return [reverse("case-photo", args=[case.pk, photo.pk]) for photo in case.photos.all()]


class CaseIn(serializers.Serializer):
    """Goods scanned (`scan`), bearing a label (`gtin` and `serial`), of a registered product
    (`gtin` alone), or infringing named `rights` with no registered product."""

    goods = serializers.CharField(max_length=300)
    quantity = serializers.IntegerField(min_value=1, max_value=10_000_000)
    scan = serializers.UUIDField(required=False)
    gtin = serializers.CharField(required=False, max_length=14)
    serial = serializers.CharField(required=False, max_length=20)
    rights = RightName(many=True, required=False, max_length=20)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    perishable = serializers.BooleanField(default=False)
    small_consignment = serializers.BooleanField(default=False)
    unit = serializers.ChoiceField(choices=Case.Unit.choices, default=Case.Unit.PIECES)
    estimated_value = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    declarant = serializers.CharField(required=False, allow_blank=True, max_length=200)
    consignor = serializers.CharField(required=False, allow_blank=True, max_length=200)
    consignee = serializers.CharField(required=False, allow_blank=True, max_length=200)
    origin_country = serializers.CharField(required=False, allow_blank=True, max_length=2)
    dispatch_country = serializers.CharField(required=False, allow_blank=True, max_length=2)
    transport_mode = serializers.ChoiceField(choices=Case.Transport.choices, required=False, allow_blank=True)
    declaration_ref = serializers.CharField(required=False, allow_blank=True, max_length=40)
    tracking_ref = serializers.CharField(required=False, allow_blank=True, max_length=40)
    photos = serializers.ListField(
        child=serializers.ImageField(), required=False, max_length=MAX_PHOTOS, allow_empty=True
    )


def _case_goods(data, user) -> dict:
    """What a new case is about (open_case's arguments): the officer's scan, a registered item
    or product, goods a peer office registered (by their code), or rights."""
    if data.get("scan"):
        scan = scan_by_ref(data["scan"])
        if scan is not None and scan.item is not None:
            return {"item": scan.item, "scan": scan}
        if scan is None or scan.officer_id != user.pk or plugins.peer_holder(scan.gtin, scan.serial) is None:
            raise ApiError("no_item", "no scan of a registered item with this reference", 404)
        return {"scan": scan}
    if data.get("gtin"):
        try:
            gtin = normalize_gtin(data["gtin"])
        except DigitalLinkError as exc:
            raise ApiError(exc.reason, str(exc)) from None
        serial = data.get("serial", "")
        if serial:
            item = (
                Item.objects.select_related("product__brand")
                .filter(product__gtin=gtin, serial=serial)
                .first()
            )
            if item is not None:
                return {"item": item}
        product = product_by_gtin(gtin)
        if product is not None and not serial:
            return {"product": product}
        if product is None and plugins.peer_holder(gtin, serial) is not None:
            return {"gtin": gtin, "serial": serial}
        if serial:
            raise ApiError("no_item", "no registered item has this GTIN and serial", 404)
        raise ApiError("no_product", "no registered product has this GTIN", 404)
    names = data.get("rights") or []
    found = [right_named(n) for n in names]
    if not names or None in found:
        raise ApiError("unknown_right", "give the scan, a GTIN, or the IP rights the goods infringe", 404)
    return {"rights": found}


class CasesView(APIView):
    """GET: the cases the caller may see. POST (customs): detain goods, open a case."""

    parser_classes = [StrictJSONParser, MultiPartParser, FormParser]

    @extend_schema(responses=CaseOut(many=True))
    def get(self, request):
        rows = cases.work_order(cases.visible_cases(request.user)).select_related(
            "item__product", "authority", "brand"
        )
        rows = rows.prefetch_related("photos", "rights")[:200]
        return Response(CaseOut(rows, many=True, context={"request": request}).data)

    @extend_schema(request=CaseIn, responses=CaseOut)
    def post(self, request):
        data = CaseIn(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        case = cases.open_case(
            actor=request.user,
            goods=d["goods"],
            quantity=d["quantity"],
            **_case_goods(d, request.user),
            notes=d.get("notes", ""),
            perishable=d["perishable"],
            small_consignment=d["small_consignment"],
            photos=d.get("photos", []),
            details={name: d.get(name) for name in cases.DETAIL_FIELDS},
        )
        return Response(CaseOut(case, context={"request": request}).data, status=201)


def _visible_case(request, pk: int) -> Case:
    return get_object_or_404(
        cases.visible_cases(request.user).select_related("item__product", "authority", "brand"), pk=pk
    )


class CaseView(APIView):
    @extend_schema(responses=CaseOut)
    def get(self, request, pk: int):
        return Response(CaseOut(_visible_case(request, pk), context={"request": request}).data)


class AnswerIn(serializers.Serializer):
    answer = serializers.ChoiceField(choices=list(cases.HOLDER_ANSWERS))


class CaseAnswerView(APIView):
    """The rights holder confirms the goods are genuine or counterfeit (Art. 23(1)), or says it
    started court proceedings (Art. 23(3), 26(9))."""

    @extend_schema(request=AnswerIn, responses=CaseOut)
    def post(self, request, pk: int):
        data = AnswerIn(data=request.data)
        data.is_valid(raise_exception=True)
        case = cases.holder_answer(
            actor=request.user, case=_visible_case(request, pk), answer=data.validated_data["answer"]
        )
        return Response(CaseOut(case, context={"request": request}).data)


class DeclarantIn(serializers.Serializer):
    answer = serializers.ChoiceField(choices=["agreed", "objected"])
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class CaseDeclarantView(APIView):
    """Customs record the declarant's answer: agreement to destruction, or an objection
    (Art. 23(1)(c), 26(4)). Declarants have no accounts."""

    @extend_schema(request=DeclarantIn, responses=CaseOut)
    def post(self, request, pk: int):
        data = DeclarantIn(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        case = cases.declarant_answer(
            actor=request.user,
            case=_visible_case(request, pk),
            agreed=d["answer"] == "agreed",
            note=d.get("note", ""),
        )
        return Response(CaseOut(case, context={"request": request}).data)


class CaseExtendView(APIView):
    """Customs extend the holder's answer period once (Art. 23(4))."""

    @extend_schema(request=None, responses=CaseOut)
    def post(self, request, pk: int):
        case = cases.extend(actor=request.user, case=_visible_case(request, pk))
        return Response(CaseOut(case, context={"request": request}).data)


class CloseIn(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["released", "destroyed"])


class CaseCloseView(APIView):
    """Customs release the goods, or destroy them once the holder confirmed counterfeit."""

    @extend_schema(request=CloseIn, responses=CaseOut)
    def post(self, request, pk: int):
        data = CloseIn(data=request.data)
        data.is_valid(raise_exception=True)
        case = cases.close(
            actor=request.user, case=_visible_case(request, pk), outcome=data.validated_data["outcome"]
        )
        return Response(CaseOut(case, context={"request": request}).data)
