"""Label batches: render the QR labels of many items as one ZIP of images or one PDF."""

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import require
from ipchain.outbox.enqueue import enqueue

from .errors import RegistryError
from .items import label_uri
from .models import Item, LabelJob

FORMATS = {"png", "svg", "pdf"}
PAPERS = {"A4", "Letter"}
LABEL_SIZES_MM = {25, 38, 50}
MAX_LABELS = 200_000
MAX_ID = 2**63 - 1  # the largest id a database row can have (PostgreSQL bigint, SQLite INTEGER)


def select_items(brand: Organisation, item_filter: dict):
    items = Item.objects.filter(product__brand=brand).select_related("product", "key").order_by("id")
    if product := item_filter.get("gtin"):
        items = items.filter(product__gtin=product)
    if job := item_filter.get("bulk_job"):
        items = items.filter(bulk_job_id=job)
    if lot := item_filter.get("lot"):
        items = items.filter(lot=lot)
    if ids := item_filter.get("ids"):
        items = items.filter(id__in=ids)
    return items


def create_job(
    *, actor, brand: Organisation, item_filter: dict, file_format: str, paper="A4", label_mm=38
) -> LabelJob:
    require(actor, "registry.view_item", brand)
    if file_format not in FORMATS:
        raise RegistryError("bad_format", "format is png, svg or pdf")
    if file_format == "pdf" and (paper not in PAPERS or label_mm not in LABEL_SIZES_MM):
        raise RegistryError(
            "bad_sheet", f"paper is A4 or Letter; label size one of {sorted(LABEL_SIZES_MM)} mm"
        )
    job_no = item_filter.get("bulk_job")
    if job_no is not None and not (isinstance(job_no, int) and 1 <= job_no <= MAX_ID):
        # Beyond a database integer, the query itself would fail (found by the API contract test).
        raise RegistryError("bad_filter", "bulk_job is the number of one of your uploads")
    count = select_items(brand, item_filter).count()
    if count == 0:
        raise RegistryError("no_items", "no items match")
    if count > MAX_LABELS:
        raise RegistryError("too_many_labels", f"at most {MAX_LABELS} labels per batch")
    with transaction.atomic():  # the job and its task, or neither
        job = LabelJob.objects.create(
            brand=brand,
            created_by=actor,
            item_filter=item_filter,
            file_format=file_format,
            paper=paper if file_format == "pdf" else "",
            label_mm=label_mm if file_format == "pdf" else None,
            total=count,
        )
        enqueue("ipchain.registry.tasks.render_label_job", job.pk)
    return job


def run_job(job_id: int) -> None:
    claimed = LabelJob.objects.filter(
        pk=job_id, state__in=[LabelJob.State.QUEUED, LabelJob.State.RUNNING]
    ).update(state=LabelJob.State.RUNNING)
    if not claimed:
        return
    from .labels import Label, render_batch  # pillow and reportlab load only in the worker

    job = LabelJob.objects.select_related("brand").get(pk=job_id)
    labels = [
        Label(uri=label_uri(item), gtin=item.product.gtin, serial=item.serial)
        for item in select_items(job.brand, job.item_filter)
    ]

    def progress(done: int, total: int) -> None:
        LabelJob.objects.filter(pk=job_id).update(done=done, total=total)

    try:
        options = {"paper": job.paper, "label_mm": job.label_mm} if job.file_format == "pdf" else {}
        data = render_batch(labels, fmt=job.file_format, progress=progress, **options)
    except Exception as exc:
        LabelJob.objects.filter(pk=job_id).update(
            state=LabelJob.State.FAILED, message=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    extension = "pdf" if job.file_format == "pdf" else "zip"
    job.output.save(f"labels-{job.brand.slug}-{job.pk}.{extension}", ContentFile(data), save=False)
    job.state = LabelJob.State.DONE
    job.done = len(labels)
    job.finished_at = timezone.now()
    job.save()
