"""One ktables catch-up, in its own process (spawned by bench/catchup.ts).

    .cache/bench-venv/bin/python bench/ktables_catchup.py --brokers 127.0.0.1:9092 --topic T

Materializes the topic with ktables 2.0.0 (the Python library tablecast replaces) using
``json.loads`` as the value decoder, times ``start()`` until caught up, and prints one JSON
line on stdout: seconds, records, size, ktables' own ViewStats, and the RSS growth.

ktables API used (ktables/kafka_table.py):
  KafkaTable(connection=str, topic=str, value_decoder=callable, catchup_timeout=seconds,
             ensure_topic=bool, ...)
  await table.start()      # resolves when caught up, or on timeout with status "degraded"
  table.status             # "caught_up" | "degraded" | "failed" | ...
  len(table), table.stats  # ViewStats(records_applied, catch_up_seconds, replayed_at_catch_up, ...)
  await table.stop()
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import json
import logging
import os
import resource
import sys
import time


def rss_bytes() -> int:
    """Current resident set size (Linux /proc), falling back to the peak from getrusage."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--brokers", default=os.environ.get("KAFKA_BROKERS", ""))
    parser.add_argument("--topic", required=True)
    parser.add_argument("--timeout-ms", type=int, default=600_000)
    args = parser.parse_args()
    if not args.brokers:
        parser.error("--brokers is required")

    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    from importlib.metadata import version

    from ktables import KafkaTable

    gc.collect()
    rss_before = rss_bytes()
    table = KafkaTable(
        connection=args.brokers,
        topic=args.topic,
        value_decoder=json.loads,
        catchup_timeout=args.timeout_ms / 1000,
        ensure_topic=False,
    )
    t0 = time.perf_counter()
    await table.start()
    seconds = time.perf_counter() - t0
    status = table.status
    stats = table.stats
    size = len(table)
    gc.collect()
    rss_after = rss_bytes()
    rss_delta = rss_after - rss_before
    result = {
        "contender": "ktables",
        "ktablesVersion": version("ktables"),
        "aiokafkaVersion": version("aiokafka"),
        "python": sys.version.split()[0],
        "ok": status == "caught_up",
        "status": status,
        "seconds": seconds,
        "catchUpSeconds": stats.catch_up_seconds,
        "records": stats.replayed_at_catch_up,
        "recordsApplied": stats.records_applied,
        "valueDecodeErrors": stats.value_decode_errors,
        "size": size,
        "stats": dataclasses.asdict(stats),
        "memory": {
            "kind": "rss",
            "rssBefore": rss_before,
            "rssAfter": rss_after,
            "rssDeltaBytes": rss_delta,
            "bytesPerKey": rss_delta / size if size else None,
            "maxRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        },
    }
    await table.stop()
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0 if result["ok"] else 3


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
