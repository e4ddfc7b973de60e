"""Reads an Arrow IPC stream from stdin with pyarrow and prints it as JSON:
{"schema": [[name, type], ...], "metadata": {...}, "rows": [{column: value}, ...]}."""

import json
import sys

import pyarrow as pa


def plain(value):
    # Timestamps and other non-JSON scalars print as ISO text.
    return value.isoformat() if hasattr(value, "isoformat") else value


def main():
    table = pa.ipc.open_stream(sys.stdin.buffer.read()).read_all()
    metadata = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    rows = [{k: plain(v) for k, v in row.items()} for row in table.to_pylist()]
    out = {
        "schema": [[field.name, str(field.type)] for field in table.schema],
        "metadata": metadata,
        "rows": rows,
    }
    sys.stdout.buffer.write(json.dumps(out, ensure_ascii=False).encode("utf-8"))


if __name__ == "__main__":
    main()
