import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ipchain.registry import bulk
from ipchain.registry.errors import RegistryError
from ipchain.registry.models import BulkJob, Item
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    org = factories.brand("acme")
    return org, factories.product(org), factories.brand_admin(org)


def upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode())


def run(job: BulkJob) -> BulkJob:
    # Chunks run inline, as an eager Celery would, so the test sees the whole job.
    bulk.run_job(job.pk, enqueue_chunk=bulk.register_chunk)
    job.refresh_from_db()
    return job


def test_a_clean_csv_registers_every_row(acme, django_capture_on_commit_callbacks):
    org, product, admin = acme
    rows = "\n".join(f"{product.gtin},S{n},L1,2026-01-02,VN" for n in range(500))
    with django_capture_on_commit_callbacks(execute=True):
        job = bulk.create_job(
            actor=admin,
            brand=org,
            upload=upload("items.csv", "gtin,serial,lot,production_date,origin\n" + rows),
        )
    job.refresh_from_db()
    assert job.state == BulkJob.State.DONE
    assert (job.total_rows, job.registered_rows, job.bad_rows) == (500, 500, 0)
    assert Item.objects.filter(product=product).count() == 500


def test_bad_rows_are_reported_by_line_and_nothing_is_written(acme):
    org, product, admin = acme
    text = (
        "gtin,serial,lot,production_date,origin\n"
        f"{product.gtin},OK1,,,\n"
        f"09506000134353,BAD1,,,\n"  # line 3: wrong check digit
        f"{product.gtin},,,,\n"  # line 4: no serial
        f"{product.gtin},OK2,,2026-02-30,\n"  # line 5: no such date
        f"{product.gtin},OK1,,,\n"  # line 6: duplicate of line 2
        f"{product.gtin},OK3,,,XX\n"  # line 7: not an ST.3 code
        f"{factories.gtin(999)},OK4,,,\n"  # line 8: not this brand's product
    )
    job = run(bulk.create_job(actor=admin, brand=org, upload=upload("items.csv", text)))
    assert job.state == BulkJob.State.REJECTED
    assert [(e["line"], e["reason"]) for e in job.errors] == [
        (3, "bad_check_digit"),
        (4, "bad_serial"),
        (5, "bad_date"),
        (6, "duplicate_in_file"),
        (7, "bad_country"),
        (8, "unknown_product"),
    ]
    assert Item.objects.count() == 0


def test_bad_rows_can_be_skipped_on_request(acme):
    org, product, admin = acme
    text = f"gtin,serial\n{product.gtin},A1\n{product.gtin},\n{product.gtin},A2\n"
    job = run(bulk.create_job(actor=admin, brand=org, upload=upload("items.csv", text), skip_bad_rows=True))
    assert job.state == BulkJob.State.DONE
    assert (job.registered_rows, job.bad_rows, job.processed_rows, job.total_rows) == (2, 1, 3, 3)
    assert set(Item.objects.values_list("serial", flat=True)) == {"A1", "A2"}


def test_json_array_and_json_lines_are_read(acme):
    org, product, admin = acme
    as_array = json.dumps(
        [{"gtin": product.gtin, "serial": "J1"}, {"gtin": product.gtin, "serial": "J2", "lot": "L"}]
    )
    as_lines = "\n".join(json.dumps({"gtin": product.gtin, "serial": f"N{n}"}) for n in range(3))
    assert (
        run(bulk.create_job(actor=admin, brand=org, upload=upload("a.json", as_array))).registered_rows == 2
    )
    assert (
        run(bulk.create_job(actor=admin, brand=org, upload=upload("b.jsonl", as_lines))).registered_rows == 3
    )


def test_a_retried_job_and_a_replayed_chunk_register_nothing_twice(acme):
    org, product, admin = acme
    text = "gtin,serial\n" + "\n".join(f"{product.gtin},R{n}" for n in range(50))
    job = bulk.create_job(actor=admin, brand=org, upload=upload("items.csv", text))
    chunks = []
    bulk.run_job(job.pk, enqueue_chunk=lambda pk, rows: chunks.append(rows))
    bulk.register_chunk(job.pk, chunks[0])
    bulk.register_chunk(job.pk, chunks[0])  # the broker delivered the chunk again
    bulk.run_job(job.pk, enqueue_chunk=bulk.register_chunk)  # the job task itself ran again: already claimed
    job.refresh_from_db()
    assert Item.objects.count() == 50
    assert (job.state, job.registered_rows, job.processed_rows) == (BulkJob.State.DONE, 50, 50)


def test_rows_registered_by_someone_else_meanwhile_are_reported(acme):
    org, product, admin = acme
    from ipchain.registry import items

    job = bulk.create_job(
        actor=admin,
        brand=org,
        upload=upload("items.csv", f"gtin,serial\n{product.gtin},Q1\n{product.gtin},Q2\n"),
    )
    chunks = []
    bulk.run_job(job.pk, enqueue_chunk=lambda pk, rows: chunks.append(rows))
    items.register_item(actor=admin, brand=org, gtin=product.gtin, serial="Q1")
    bulk.register_chunk(job.pk, chunks[0])
    job.refresh_from_db()
    assert (job.state, job.registered_rows, job.bad_rows) == (BulkJob.State.DONE, 1, 1)
    assert job.errors[-1]["reason"] == "already_registered"


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [("items.xlsx", "x", "bad_file_type"), ("items.csv", "", "empty_file")],
)
def test_unusable_files_are_refused_at_once(acme, name, text, reason):
    org, _, admin = acme
    with pytest.raises(RegistryError) as exc:
        bulk.create_job(actor=admin, brand=org, upload=upload(name, text))
    assert exc.value.reason == reason


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("serial,lot\nA,B\n", "must name the columns"),
        ("gtin,serial,colour\n1,2,3\n", "unknown columns"),
        ("\xff\xfe", "not UTF-8"),
    ],
)
def test_unreadable_files_are_rejected_with_a_reason(acme, text, message):
    org, _, admin = acme
    job = run(
        bulk.create_job(actor=admin, brand=org, upload=SimpleUploadedFile("x.csv", text.encode("latin-1")))
    )
    assert job.state == BulkJob.State.REJECTED
    assert message in job.errors[0]["message"]


def test_too_many_rows_are_refused(acme, settings):
    org, product, admin = acme
    settings.IPCHAIN_BULK_MAX_ROWS = 3
    text = "gtin,serial\n" + "\n".join(f"{product.gtin},M{n}" for n in range(5))
    job = run(bulk.create_job(actor=admin, brand=org, upload=upload("items.csv", text)))
    assert job.state == BulkJob.State.REJECTED
    assert job.errors[-1]["reason"] == "too_many_rows"
    assert Item.objects.count() == 0


def test_a_broken_or_over_long_csv_line_is_named_and_holds_no_python_text(acme):
    org, product, admin = acme
    text = f'gtin,serial\n{product.gtin},OK1\n{product.gtin},"{"x" * 200_000}"\n{product.gtin},OK2\n'
    job = run(bulk.create_job(actor=admin, brand=org, upload=upload("items.csv", text)))
    assert job.state == BulkJob.State.REJECTED
    assert [(e["line"], e["reason"]) for e in job.errors] == [(3, "unreadable_row")]
    message = job.errors[0]["message"]
    assert "Error" not in message and "field larger than field limit" not in message
    assert Item.objects.count() == 0


def test_a_json_row_with_values_of_the_wrong_kind_is_named(acme):
    org, product, admin = acme
    rows = json.dumps([{"gtin": product.gtin, "serial": "J1"}, {"gtin": product.gtin, "serial": {"a": 1}}])
    job = run(bulk.create_job(actor=admin, brand=org, upload=upload("items.json", rows)))
    assert job.state == BulkJob.State.REJECTED
    assert [e["line"] for e in job.errors] == [2] and "Error" not in job.errors[0]["message"]
