"""JSON log lines: one object per line, for log shippers (LOG_FORMAT=json).

A dozen lines of our own rather than python-json-logger: the fields are fixed and few, and
the formatter must add the request id and user id from operations.context anyway.
"""

import json
import logging
from datetime import UTC, datetime

from .context import current_user_id, request_id


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # Set by RequestIdFilter when the line was logged; else read now.
        rid = getattr(record, "request_id", None) or request_id.get()
        if rid and rid != "-":
            line["request_id"] = rid
        user_id = getattr(record, "user_id", None) or current_user_id()
        if user_id is not None:
            line["user_id"] = user_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class RequestIdFilter(logging.Filter):
    """Stamps each record with the request id (also for plain lines: %(request_id)s) and the
    user id, when it is logged, while the request is still being served."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or "-"
        record.user_id = current_user_id()
        return True
