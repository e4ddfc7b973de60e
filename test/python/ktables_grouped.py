"""The Python side of the grouped-table interop test: ktables itself, driven by JSON.

  write  stdin: {"brokers", "topic", "ops": [[group, member, value] | [group, member]]}
         (two items = delete) written in order with GroupedKafkaTableWriter; prints {"written": n}
  read   stdin: {"brokers", "topic"}; prints {"groups": {group: {member: value}}, "foreignKeys": n}
         once GroupedKafkaTable has caught up
  codec  stdin: {"keys": [...], "pairs": [[group, member], ...]}; prints what ktables'
         default codec makes of them: {"decoded": [[group, member] | null], "encoded": [...]}
"""

import asyncio
import json
import sys

from ktables import DEFAULT_KEY_CODEC, GroupedKafkaTable, GroupedKafkaTableWriter


def dump(value):
    # ensure_ascii=False: emoji and combining marks travel as UTF-8, not as escapes.
    sys.stdout.buffer.write(json.dumps(value, ensure_ascii=False).encode("utf-8"))
    sys.stdout.flush()


async def write(spec):
    writer = GroupedKafkaTableWriter(
        connection=spec["brokers"],
        topic=spec["topic"],
        value_encoder=lambda value: json.dumps(value, ensure_ascii=False).encode("utf-8"),
        ensure_topic=False,
        enable_idempotence=True,
    )
    async with writer:
        for op in spec["ops"]:
            if len(op) == 3:
                await writer.set(op[0], op[1], op[2])
            else:
                await writer.delete(op[0], op[1])
    dump({"written": len(spec["ops"])})


async def read(spec):
    table = GroupedKafkaTable(
        connection=spec["brokers"],
        topic=spec["topic"],
        value_decoder=json.loads,
        ensure_topic=False,
        catchup_timeout=20.0,
        fetch_max_wait_ms=100,
    )
    async with table:
        if not await table.wait_until_caught_up(20.0):
            raise SystemExit(f"ktables did not catch up: status {table.status}")
        dump({"groups": table.snapshot(), "foreignKeys": table.foreign_key_count})


def codec(spec):
    decoded = [DEFAULT_KEY_CODEC.decode(key) for key in spec["keys"]]
    dump(
        {
            "decoded": [list(pair) if pair is not None else None for pair in decoded],
            "encoded": [DEFAULT_KEY_CODEC.encode(group, member) for group, member in spec["pairs"]],
        }
    )


def main():
    command = sys.argv[1]
    spec = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    if command == "write":
        asyncio.run(write(spec))
    elif command == "read":
        asyncio.run(read(spec))
    elif command == "codec":
        codec(spec)
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main()
