import base64
import re

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from ipchain.api_errors import error_body
from ipchain.ledger.canonical import RecordError, parse_json

from .. import items as item_services
from ..errors import RegistryError
from ..labels import LABEL_SIZES_MM, print_layout, render_png, render_svg
from ..models import Item, ItemEvent
from ..qr import qr_matrix
from ..selectors import item_history, visible_items
from .common import item_visible_to, my_brand, registry_member


class ItemOut(serializers.ModelSerializer):
    gtin = serializers.CharField(source="product.gtin")
    product = serializers.CharField(source="product.name")
    brand = serializers.CharField(source="product.brand.slug")
    owner = serializers.CharField(source="owner.slug")
    kid = serializers.CharField(source="key.kid")
    ledger_index = serializers.IntegerField(source="registration_entry.leaf_index", allow_null=True)
    label_uri = serializers.SerializerMethodField()

    class Meta:
        model = Item
        fields = [
            "gtin",
            "serial",
            "product",
            "brand",
            "owner",
            "lot",
            "production_date",
            "origin_country",
            "status",
            "kid",
            "ledger_index",
            "registered_at",
            "label_uri",
        ]

    def get_label_uri(self, item) -> str:
        return item_services.label_uri(item)


class ItemIn(serializers.Serializer):
    gtin = serializers.CharField(max_length=20)
    serial = serializers.CharField(max_length=40)
    lot = serializers.CharField(max_length=40, required=False, allow_blank=True)
    production_date = serializers.CharField(max_length=20, required=False, allow_blank=True)
    origin = serializers.CharField(max_length=4, required=False, allow_blank=True)


def history_out(item: Item) -> list[dict]:
    return [
        {
            "event": step["event"],
            "time": step["time"],
            "by": step["signer"],
            "details": step["details"],
            "ledger_index": step["entry"].leaf_index,
            "leaf_hash": base64.b64encode(bytes(step["entry"].leaf_hash)).decode(),
            "record": parse_json(bytes(step["entry"].body)),
        }
        for step in item_history(item, with_entries=True)
    ]


class ItemPageOut(serializers.Serializer):
    """A page of items (limit and offset)."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ItemOut(many=True)


class ItemPagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 1000


class ItemListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="serial prefix"),
            OpenApiParameter("gtin", str),
            OpenApiParameter("status", str),
            OpenApiParameter("limit", int),
            OpenApiParameter("offset", int),
        ],
        responses=ItemPageOut,
        operation_id="items_list",
    )
    def get(self, request):
        organisation = registry_member(request)
        items = (
            visible_items(organisation)
            .select_related("product__brand", "owner", "key", "registration_entry")
            .order_by("-id")
        )
        if q := request.query_params.get("q"):
            items = items.filter(serial__startswith=q.strip())
        if gtin := request.query_params.get("gtin"):
            items = items.filter(product__gtin=gtin.strip())
        if status := request.query_params.get("status"):
            items = items.filter(status=status)
        paginator = ItemPagination()
        page = paginator.paginate_queryset(items, request, view=self)
        return paginator.get_paginated_response(ItemOut(page, many=True).data)

    @extend_schema(request=ItemIn, responses={201: ItemOut})
    def post(self, request):
        data = ItemIn(data=request.data)
        data.is_valid(raise_exception=True)
        item = item_services.register_item(actor=request.user, brand=my_brand(request), **data.validated_data)
        return Response(ItemOut(item).data, status=201)


class BatchIn(serializers.Serializer):
    items = serializers.ListField(
        child=serializers.JSONField(),
        help_text=f"1 to {item_services.MAX_BATCH} items, each gtin, serial and optionally lot, "
        "production_date, origin",
    )


class BatchItemOut(serializers.Serializer):
    gtin = serializers.CharField()
    serial = serializers.CharField()
    label_uri = serializers.CharField()


class BatchOut(serializers.Serializer):
    registered = serializers.IntegerField()
    items = BatchItemOut(many=True)


class ItemBatchView(APIView):
    """Register up to 1,000 items in one request, all or nothing: a refused batch names every
    bad item by its index, with its reason (`error.items`), and registers none."""

    @extend_schema(request=BatchIn, responses={201: BatchOut}, operation_id="items_batch")
    def post(self, request):
        brand = my_brand(request)
        items = request.data.get("items") if isinstance(request.data, dict) else None
        try:
            made = item_services.register_batch(actor=request.user, brand=brand, items=items)
        except item_services.BatchRefused as exc:
            return Response(error_body(exc.reason, str(exc), items=exc.items), status=400)
        return Response({"registered": len(made), "items": _batch_out(made)}, status=201)


class ItemDetailView(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, gtin, serial):
        item = item_visible_to(request, gtin, serial)
        return Response(ItemOut(item).data | {"history": history_out(item)})


class EventIn(serializers.Serializer):
    event = serializers.ChoiceField(choices=ItemEvent.Kind.values)
    details = serializers.DictField(
        child=serializers.CharField(max_length=200, allow_blank=True), required=False
    )
    occurred_at = serializers.DateTimeField(required=False)


class ItemEventView(APIView):
    @extend_schema(request=EventIn, responses={201: OpenApiTypes.OBJECT})
    def post(self, request, gtin, serial):
        item = item_visible_to(request, gtin, serial)
        data = EventIn(data=request.data)
        data.is_valid(raise_exception=True)
        event = item_services.record_event(
            actor=request.user,
            item=item,
            kind=data.validated_data["event"],
            details=data.validated_data.get("details"),
            occurred_at=data.validated_data.get("occurred_at"),
        )
        return Response(
            {"event": event.kind, "ledger_entry": event.entry_id, "status": event.item.status}, status=201
        )


class ItemLabelView(APIView):
    """One item's label: SVG (crisp at any size), or PNG on screen or, with `size`, for
    printing that many millimetres wide (near 300 dpi, labels.print_layout). Named by its GTIN and serial."""

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=["png", "svg"]),
            OpenApiParameter("size", int, enum=list(LABEL_SIZES_MM), description="printed width in mm (PNG)"),
            OpenApiParameter("download", bool, description="as a file to save, not to show"),
        ],
        responses={200: bytes},
    )
    def get(self, request, gtin, serial):
        item = item_visible_to(request, gtin, serial)
        kind = request.query_params.get("format", "png")
        if kind not in ("png", "svg"):
            raise RegistryError("bad_format", "format is png or svg")
        size = request.query_params.get("size")
        if size is not None and not (size.isascii() and size.isdigit() and int(size) in LABEL_SIZES_MM):
            raise RegistryError("bad_label_size", f"size is one of {LABEL_SIZES_MM} (mm)")
        matrix = qr_matrix(item_services.label_uri(item))
        caption = [f"(01) {item.product.gtin}", f"(21) {item.serial}"]
        if kind == "svg":
            response = HttpResponse(render_svg(matrix, caption=caption), content_type="image/svg+xml")
        elif size:
            module_px, dpi = print_layout(matrix, int(size))
            png = render_png(matrix, module_px=module_px, caption=caption, dpi=dpi)
            response = HttpResponse(png, content_type="image/png")
        else:
            response = HttpResponse(render_png(matrix, caption=caption), content_type="image/png")
        name = label_file_name(item.product.gtin, item.serial, kind, size)
        disposition = "attachment" if request.query_params.get("download") else "inline"
        response["Content-Disposition"] = content_disposition_header(disposition == "attachment", name)
        return response


def label_file_name(gtin: str, serial: str, kind: str, size: str | None) -> str:
    """label-09506000134352-A1.png, -30mm for a print size: a GS1 serial may hold '/', '"'
    and other characters no file name should; they become '_'."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", serial)
    return f"label-{gtin}-{safe}{f'-{size}mm' if size else ''}.{kind}"


class SignedBatchIn(serializers.Serializer):
    records = serializers.ListField(
        child=serializers.JSONField(),
        help_text=f"1 to {item_services.MAX_BATCH} item registrations signed with your own key "
        "(docs/signing.md)",
    )


class SignedRecordBatchView(APIView):
    """Register up to 1,000 items whose records you signed with your own key, all or nothing:
    every record's and label's signature is checked; a refused batch names every bad record
    by its index, with its reason (`error.items`), and registers none."""

    @extend_schema(request=SignedBatchIn, responses={201: BatchOut}, operation_id="records_batch")
    def post(self, request):
        records = request.data.get("records") if isinstance(request.data, dict) else None
        try:
            made = item_services.accept_signed_batch(actor=request.user, records=records)
        except item_services.BatchRefused as exc:
            return Response(error_body(exc.reason, str(exc), items=exc.items), status=400)
        except RecordError as exc:
            raise RegistryError(exc.reason, str(exc)) from None
        return Response({"registered": len(made), "items": _batch_out(made)}, status=201)


def _batch_out(made: list[Item]) -> list[dict]:
    return [
        {"gtin": i.product.gtin, "serial": i.serial, "label_uri": item_services.label_uri(i)} for i in made
    ]


class SignedRecordView(APIView):
    """Submit a record signed offline with your own key (see docs/signing.md)."""

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        record = request.data
        if not isinstance(record, dict):
            raise RegistryError("not_an_object", "send the signed record as a JSON object")
        try:
            result = item_services.submit_signed_record(actor=request.user, record=dict(record))
        except RecordError as exc:
            raise RegistryError(exc.reason, str(exc)) from None
        if isinstance(result, Item):
            return Response(ItemOut(result).data, status=201)
        return Response(
            {"event": result.kind, "ledger_entry": result.entry_id, "status": result.item.status}, status=201
        )
