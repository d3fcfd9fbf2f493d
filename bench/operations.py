"""Operations overhead: what the request-id and metrics middleware add to a request, and
what a readiness probe and a Prometheus scrape cost with many entries waiting.

    .venv/bin/python bench/operations.py [--pending 200000] [--requests 3000] [--rounds 5]

On a dedicated PostgreSQL database (its name must contain 'bench'). Prints, per request
through Django's test client, the median over alternating rounds with the project's
MIDDLEWARE and with the three operations middlewares removed (the baseline of the same run),
and their ratio; then GET /readyz and GET /metrics with --pending entries waiting for
integration (the worst case for their counts: the gauges are computed at scrape time).
"""

import argparse
import os
import time

from benchdb import DEFAULT_URL, accept, fresh_database, median, setup_django

OPERATIONS_MIDDLEWARE = {
    "ipchain.operations.middleware.HealthProbeMiddleware",
    "ipchain.operations.middleware.RequestIdMiddleware",
    "ipchain.operations.middleware.RequestMetricsMiddleware",
}


def per_request_us(path: str, requests: int, middleware: list[str]) -> float:
    from django.test import Client, override_settings

    with override_settings(MIDDLEWARE=middleware):
        client = Client()
        client.get(path)  # loads the middleware chain
        started = time.perf_counter()
        for _ in range(requests):
            client.get(path)
        return (time.perf_counter() - started) / requests * 1e6


def middleware_alone_us(calls: int) -> tuple[float, float]:
    """The three middlewares around a view that does nothing, called directly (no test client,
    no URL resolving): per call, bare view and wrapped, in microseconds."""
    from django.http import HttpResponse
    from django.test import RequestFactory

    from ipchain.operations.middleware import RequestIdMiddleware, RequestMetricsMiddleware

    def view(request):
        return HttpResponse("ok")

    wrapped = RequestIdMiddleware(RequestMetricsMiddleware(view))
    request = RequestFactory().get("/log/key", HTTP_X_REQUEST_ID="bench-1")
    timings = []
    for handler in (view, wrapped):
        started = time.perf_counter()
        for _ in range(calls):
            handler(request)
        timings.append((time.perf_counter() - started) / calls * 1e6)
    return timings[0], timings[1]


def timed_ms(client, path: str, times: int = 20) -> tuple[float, int]:
    samples, status = [], 0
    for _ in range(times):
        started = time.perf_counter()
        status = client.get(path).status_code
        samples.append((time.perf_counter() - started) * 1000)
    return median(samples), status


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pending", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL + "_operations")
    )
    args = parser.parse_args()
    fresh_database(args.database_url)
    setup_django(args.database_url)
    from django.conf import settings
    from django.test import Client

    rounds = [middleware_alone_us(20000) for _ in range(args.rounds)]
    bare_view, wrapped = median([r[0] for r in rounds]), median([r[1] for r in rounds])
    print(
        f"request id + metrics middleware alone, around a view doing nothing: {bare_view:.1f} us bare, "
        f"{wrapped:.1f} us wrapped, {wrapped - bare_view:.1f} us added (median of {args.rounds} x 20,000)\n"
    )
    full = list(settings.MIDDLEWARE)
    bare = [m for m in full if m not in OPERATIONS_MIDDLEWARE]
    with_ops, without = [], []
    for _ in range(args.rounds):  # alternated, so drift in the machine's load hits both
        without.append(per_request_us("/log/key", args.requests, bare))
        with_ops.append(per_request_us("/log/key", args.requests, full))
    base, ops = median(without), median(with_ops)
    print(f"GET /log/key, Django test client, {args.rounds} rounds x {args.requests} requests")
    print(f"  without operations middleware: {base:.0f} us/request (median of rounds)")
    print(f"  with request id + metrics:     {ops:.0f} us/request")
    print(f"  ratio {ops / base:.3f}, overhead {ops - base:.0f} us/request")

    started = time.perf_counter()
    accept(args.pending)
    print(f"\naccepted {args.pending:,} pending entries in {time.perf_counter() - started:.1f} s")
    client = Client()
    settings.IPCHAIN_READY_MAX_LAG_SECONDS = 10**9  # measure, do not fail
    for path in ("/healthz", "/readyz", "/metrics"):
        ms, status = timed_ms(client, path)
        print(f"  GET {path:9} {ms:7.2f} ms (median of 20, status {status}, {args.pending:,} pending)")


if __name__ == "__main__":
    main()
