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
        if rid := request_id.get():
            line["request_id"] = rid
        if (user_id := current_user_id()) is not None:
            line["user_id"] = user_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class RequestIdFilter(logging.Filter):
    """Gives plain-text lines the request id too (%(request_id)s)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or "-"
        return True
