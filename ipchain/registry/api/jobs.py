from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import bulk, label_jobs
from ..errors import RegistryError
from ..models import BulkJob, LabelJob
from .common import my_brand


class BulkJobOut(serializers.ModelSerializer):
    progress = serializers.FloatField()
    finished = serializers.BooleanField()

    class Meta:
        model = BulkJob
        fields = [
            "id",
            "file_name",
            "file_format",
            "skip_bad_rows",
            "state",
            "total_rows",
            "processed_rows",
            "registered_rows",
            "bad_rows",
            "progress",
            "finished",
            "errors",
            "message",
            "created_at",
            "started_at",
            "finished_at",
        ]


class BulkJobIn(serializers.Serializer):
    file = serializers.FileField()
    skip_bad_rows = serializers.BooleanField(default=False)


class BulkJobListView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(responses=BulkJobOut(many=True))
    def get(self, request):
        return Response(BulkJobOut(BulkJob.objects.filter(brand=my_brand(request))[:100], many=True).data)

    @extend_schema(request={"multipart/form-data": BulkJobIn}, responses={202: BulkJobOut})
    def post(self, request):
        data = BulkJobIn(data=request.data)
        data.is_valid(raise_exception=True)
        job = bulk.create_job(
            actor=request.user,
            brand=my_brand(request),
            upload=data.validated_data["file"],
            skip_bad_rows=data.validated_data["skip_bad_rows"],
        )
        job.refresh_from_db()
        return Response(BulkJobOut(job).data, status=202)


class BulkJobDetailView(APIView):
    @extend_schema(responses=BulkJobOut)
    def get(self, request, job_id):
        return Response(BulkJobOut(get_object_or_404(BulkJob, pk=job_id, brand=my_brand(request))).data)


class LabelJobOut(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = LabelJob
        fields = [
            "id",
            "file_format",
            "paper",
            "label_mm",
            "state",
            "total",
            "done",
            "message",
            "created_at",
            "finished_at",
            "download",
            "item_filter",
        ]

    def get_download(self, job) -> str | None:
        return f"/api/v1/label-jobs/{job.pk}/download" if job.state == LabelJob.State.DONE else None


class LabelJobIn(serializers.Serializer):
    format = serializers.ChoiceField(choices=sorted(label_jobs.FORMATS))
    paper = serializers.ChoiceField(choices=sorted(label_jobs.PAPERS), default="A4")
    label_mm = serializers.ChoiceField(choices=sorted(label_jobs.LABEL_SIZES_MM), default=38)
    gtin = serializers.CharField(required=False, max_length=14)
    bulk_job = serializers.IntegerField(required=False, min_value=1, max_value=label_jobs.MAX_ID)
    lot = serializers.CharField(required=False, max_length=20)


class LabelJobListView(APIView):
    @extend_schema(responses=LabelJobOut(many=True))
    def get(self, request):
        return Response(LabelJobOut(LabelJob.objects.filter(brand=my_brand(request))[:100], many=True).data)

    @extend_schema(request=LabelJobIn, responses={202: LabelJobOut})
    def post(self, request):
        data = LabelJobIn(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        item_filter = {k: d[k] for k in ("gtin", "bulk_job", "lot") if k in d}
        job = label_jobs.create_job(
            actor=request.user,
            brand=my_brand(request),
            item_filter=item_filter,
            file_format=d["format"],
            paper=d["paper"],
            label_mm=d["label_mm"],
        )
        job.refresh_from_db()
        return Response(LabelJobOut(job).data, status=202)


class LabelJobDetailView(APIView):
    @extend_schema(responses=LabelJobOut)
    def get(self, request, job_id):
        return Response(LabelJobOut(get_object_or_404(LabelJob, pk=job_id, brand=my_brand(request))).data)


class LabelJobDownloadView(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, job_id):
        job = get_object_or_404(LabelJob, pk=job_id, brand=my_brand(request))
        if job.state != LabelJob.State.DONE or not job.output:
            raise RegistryError("not_ready", "the labels are not ready yet")
        return FileResponse(
            job.output.open("rb"), as_attachment=True, filename=job.output.name.rsplit("/", 1)[-1]
        )
