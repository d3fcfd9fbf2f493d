"""Structured logs and request ids."""

import io
import json
import logging

import pytest
from django.contrib.auth import get_user_model

from ipchain.operations import context
from ipchain.operations.logs import JsonFormatter, RequestIdFilter


def format_line(message: str, *args) -> dict:
    record = logging.LogRecord("ipchain.test", logging.WARNING, __file__, 1, message, args, None)
    return json.loads(JsonFormatter().format(record))


def test_a_json_line_has_time_level_logger_and_message():
    line = format_line("tree size %d", 42)
    assert line["level"] == "WARNING"
    assert line["logger"] == "ipchain.test"
    assert line["message"] == "tree size 42"
    assert line["time"].endswith("+00:00")
    assert "request_id" not in line


def test_a_line_written_while_serving_carries_the_request_and_user_ids():
    class Request:
        _cached_user = type("User", (), {"pk": 7, "is_authenticated": True})()

    rid = context.request_id.set("abc-123")
    req = context.current_request.set(Request())
    try:
        line = format_line("hello")
    finally:
        context.request_id.reset(rid)
        context.current_request.reset(req)
    assert line["request_id"] == "abc-123"
    assert line["user_id"] == 7


def test_an_exception_is_one_line_too():
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    text = JsonFormatter().format(record)
    assert "\n" not in text
    assert "ValueError: boom" in json.loads(text)["exception"]


def test_a_request_id_is_made_and_echoed(client):
    response = client.get("/log/key")
    assert len(response["X-Request-ID"]) == 32


def test_a_given_request_id_is_kept_and_a_malformed_one_replaced(client):
    assert client.get("/log/key", HTTP_X_REQUEST_ID="lb-42.7").headers["X-Request-ID"] == "lb-42.7"
    forged = client.get("/log/key", HTTP_X_REQUEST_ID="x\n{fake log line}")
    assert forged["X-Request-ID"] != "x\n{fake log line}"


@pytest.mark.django_db
def test_log_lines_of_a_request_name_it_and_its_user(client):
    user = get_user_model().objects.create_user("logger", password="x-test-pass")
    client.force_login(user)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        assert client.get("/portal/", HTTP_X_REQUEST_ID="req-1").status_code == 403  # logs a warning
    finally:
        logger.removeHandler(handler)
    (line,) = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert line["request_id"] == "req-1"
    assert line["user_id"] == user.pk
    assert line["level"] == "WARNING"
