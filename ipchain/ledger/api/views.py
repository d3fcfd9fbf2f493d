"""JSON API over the log, for clients that do not speak tiles.

Hashes are standard base64 by default, or lowercase hex with `?encoding=hex`.
Reading is open to anyone; appending raw records is for office administrators.
"""

import base64
import json

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.parsers import JSONParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ipchain.api_errors import ApiError
from ipchain.replicas import replica_first

from .. import log, reads
from ..canonical import RecordError, parse_json
from ..merkle import ProofError
from ..models import LogEntry
from ..tlogproof import SUFFIX

ENCODING = OpenApiParameter("encoding", str, enum=["base64", "hex"], description="How hashes are written")


def _encoder(request: Request):
    encoding = request.query_params.get("encoding", "base64")
    if encoding == "hex":
        return bytes.hex
    if encoding == "base64":
        return lambda h: base64.b64encode(h).decode()
    raise ApiError("bad_encoding", "encoding must be 'base64' or 'hex'")


def _int_param(request: Request, name: str, *, required: bool = True) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        if required:
            raise ApiError("missing_parameter", f"{name} is required")
        return None
    # isdigit() alone lets through "²", which int() refuses, and "٣", which it reads as 3.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19:
        raise ApiError("bad_parameter", f"{name} must be a non-negative integer")
    return int(raw)


def _proof_error(exc: ProofError) -> ApiError:
    status = 404 if exc.reason in {"tree_size_too_large", "index_out_of_range"} else 400
    return ApiError(exc.reason, str(exc), status)


class TlogProofRenderer(BaseRenderer):
    """Lets a client ask for the proof as what it is (Accept: text/plain); errors stay JSON."""

    media_type = "text/plain"
    format = "tlog-proof"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data.encode() if isinstance(data, str) else json.dumps(data).encode()


class TlogProofView(APIView):
    """Entry `index` as a C2SP tlog-proof file: its record, its inclusion proof in the latest
    signed checkpoint, and that checkpoint with the witnesses' cosignatures. Checkable offline
    with the log's key (`python -m ipchain.verify_proof`, or the verifier's proof page)."""

    permission_classes = [permissions.AllowAny]
    renderer_classes = [JSONRenderer, TlogProofRenderer]

    @extend_schema(
        parameters=[OpenApiParameter("index", int, required=True)],
        responses={(200, "text/plain"): OpenApiTypes.STR},
    )
    @replica_first
    def get(self, request: Request) -> HttpResponse:
        index = _int_param(request, "index")
        try:
            proof = reads.tlog_proof(index)
        except reads.NotFound as exc:
            raise ApiError(exc.reason, str(exc), 404) from None
        except ProofError as exc:
            raise _proof_error(exc) from None
        response = HttpResponse(proof.text(), content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="ipchain-entry-{index}{SUFFIX}"'
        return response


class EntryView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=[ENCODING], responses=OpenApiTypes.OBJECT)
    @replica_first
    def get(self, request: Request, index: int) -> Response:
        encode = _encoder(request)
        try:
            entry = reads.integrated_entry(index)
        except reads.NotFound as exc:
            raise ApiError(exc.reason, str(exc), 404) from None
        return Response(
            {
                "index": entry.leaf_index,
                "record": parse_json(bytes(entry.body)),
                "leaf_hash": encode(bytes(entry.leaf_hash)),
                "integrated_at": entry.integrated_at,
            }
        )


class InclusionProofView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("index", int, required=True),
            OpenApiParameter("tree_size", int, description="Defaults to the latest checkpoint"),
            ENCODING,
        ],
        responses=OpenApiTypes.OBJECT,
    )
    @replica_first
    def get(self, request: Request) -> Response:
        encode = _encoder(request)
        index = _int_param(request, "index")
        tree_size = _int_param(request, "tree_size", required=False)
        try:
            proof = reads.inclusion_proof(index, tree_size)
        except ProofError as exc:
            raise _proof_error(exc) from None
        return Response(
            {
                "index": proof.index,
                "tree_size": proof.tree_size,
                "leaf_hash": encode(proof.leaf_hash),
                "root_hash": encode(proof.root_hash),
                "proof": [encode(h) for h in proof.hashes],
            }
        )


class ConsistencyProofView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("first", int, required=True),
            OpenApiParameter("second", int, description="Defaults to the latest checkpoint"),
            ENCODING,
        ],
        responses=OpenApiTypes.OBJECT,
    )
    @replica_first
    def get(self, request: Request) -> Response:
        encode = _encoder(request)
        first = _int_param(request, "first")
        second = _int_param(request, "second", required=False)
        try:
            proof = reads.consistency_proof(first, second)
        except ProofError as exc:
            raise _proof_error(exc) from None
        return Response(
            {
                "first": proof.first,
                "second": proof.second,
                "first_root": encode(proof.first_root),
                "second_root": encode(proof.second_root),
                "proof": [encode(h) for h in proof.hashes],
            }
        )


class RawJSONParser(JSONParser):
    """Keep the raw body: records are parsed as I-JSON by the ledger itself."""

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read()


class CanAppendRawRecords(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return request.user.has_perm("ledger.add_logentry")


class SubmissionOut(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()

    class Meta:
        model = LogEntry
        fields = ["id", "status", "leaf_index", "submitted_at", "integrated_at"]

    def get_status(self, entry: LogEntry) -> str:
        return "pending" if entry.is_pending else "integrated"


class SubmitEntryView(APIView):
    """Append a raw JSON record (office administrators): accepted now, integrated soon."""

    permission_classes = [permissions.IsAuthenticated, CanAppendRawRecords]
    parser_classes = [RawJSONParser]

    @extend_schema(request=OpenApiTypes.OBJECT, responses={202: SubmissionOut})
    def post(self, request: Request) -> Response:
        raw = request.data if isinstance(request.data, bytes) else b""  # DRF gives {} for no body
        try:
            entry = log.append(parse_json(raw))
        except RecordError as exc:
            raise ApiError(exc.reason, str(exc), 413 if exc.reason == "record_too_large" else 400) from None
        return Response(SubmissionOut(entry).data, status=202)


class SubmissionView(APIView):
    permission_classes = [permissions.IsAuthenticated, CanAppendRawRecords]

    @extend_schema(responses=SubmissionOut)
    def get(self, request: Request, submission_id: int) -> Response:
        entry = LogEntry.objects.filter(id=submission_id).first()
        if entry is None:
            raise ApiError("no_such_submission", f"no submission {submission_id}", 404)
        return Response(SubmissionOut(entry).data)
