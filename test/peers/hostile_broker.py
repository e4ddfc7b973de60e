#!/usr/bin/env python3
"""A Kafka broker that misbehaves, for test/hostile-broker.test.ts. Usage: hostile_broker.py MODE

Written apart from tablecast's own wire client, from the Kafka protocol guide: it answers
ApiVersions v3, Metadata v9-12, ListOffsets v2-7 and Fetch v11-12 for one topic "t" with one
partition holding 5 records (keys k0..k4, JSON string values), and misbehaves as MODE says.
It listens on a free loopback port and prints "listening <port>"; then one line per request
("request <api key>"), so a test can count what the client asked.
"""
import asyncio
import struct
import sys

MODE = sys.argv[1]
TOPIC = 't'
RECORDS = 5
PORT = 0
requests = {'metadata': 0, 'fetch': 0}


def uvarint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def varint(n):
    return uvarint((n << 1) ^ (n >> 63))


def i8(v): return struct.pack('>b', v)
def i16(v): return struct.pack('>h', v)
def i32(v): return struct.pack('>i', v)
def u32(v): return struct.pack('>I', v)
def i64(v): return struct.pack('>q', v)


def cstr(s):
    if s is None:
        return uvarint(0)
    b = s.encode()
    return uvarint(len(b) + 1) + b


def carr(items): return uvarint(len(items) + 1) + b''.join(items)


TAGS = b'\x00'


def record(offset_delta, key, value):
    kb, vb = key.encode(), value.encode()
    body = b'\x00' + varint(0) + varint(offset_delta)
    body += varint(len(kb)) + kb + varint(len(vb)) + vb + varint(0)
    return varint(len(body)) + body


def crc32c(data):
    """CRC-32C (Castagnoli), bit by bit: Python's zlib has only the other CRC-32."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def batch(base, body, count, last_delta, length=None):
    """A v2 batch with its CRC-32C over the bytes from the attributes on, as producers write it."""
    after_crc = (i16(0) + i32(last_delta) + i64(0) + i64(0) + i64(-1) + i16(-1) + i32(-1)
                 + i32(count) + body)
    inner = i32(0) + i8(2) + u32(crc32c(after_crc)) + after_crc
    return i64(base) + i32(len(inner) if length is None else length) + inner


def records_from(offset):
    if offset >= RECORDS:
        return b''
    recs = [record(i, f'k{offset + i}', f'"v{offset + i}"') for i in range(RECORDS - offset)]
    return batch(offset, b''.join(recs), len(recs), len(recs) - 1)


def fetch_records(offset):
    """The records bytes of the partition for a fetch at `offset`."""
    if offset >= RECORDS:
        return b''
    if MODE == 'partial-only':
        # Part of a batch and nothing whole, every time.
        whole = records_from(offset)
        return whole[:len(whole) - 3]
    if MODE == 'bad-crc' or (MODE == 'bad-crc-once' and requests['fetch'] == 1):
        # One bit of a value flipped after the CRC was computed: "v2" becomes "v0". In
        # bad-crc-once, in the first fetch only, as bytes damaged on the way would be.
        whole = bytearray(records_from(offset))
        at = whole.find(b'"v2"')
        if at >= 0:
            whole[at + 2] ^= 0x02
        return bytes(whole)
    if MODE == 'negative-batch-length':
        return batch(offset, b'', 0, 0, length=-12)
    if MODE == 'header-count-past-record':
        value = b'"v"'
        body = (b'\x00' + varint(0) + varint(0) + varint(1) + b'k' + varint(len(value)) + value
                + b'\x80\x80\x01' + b'\x03')
        return batch(offset, varint(len(body)) + body, 1, 0)
    return records_from(offset)


class Reader:
    def __init__(self, data):
        self.data, self.at = data, 0

    def take(self, n):
        value = self.data[self.at:self.at + n]
        self.at += n
        return value

    def i8(self): return struct.unpack('>b', self.take(1))[0]
    def i16(self): return struct.unpack('>h', self.take(2))[0]
    def i32(self): return struct.unpack('>i', self.take(4))[0]
    def i64(self): return struct.unpack('>q', self.take(8))[0]

    def uvarint(self):
        value = shift = 0
        while True:
            byte = self.data[self.at]
            self.at += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value

    def cstr(self):
        n = self.uvarint() - 1
        return None if n < 0 else self.take(n).decode()

    def tags(self):
        for _ in range(self.uvarint()):
            self.uvarint()
            self.take(self.uvarint())


def parse_fetch(r, version):
    r.i32()
    max_wait = r.i32()
    r.i32(), r.i32(), r.i8(), r.i32(), r.i32()
    asked = []
    for _ in range(r.uvarint() - 1 if version >= 12 else r.i32()):
        r.cstr() if version >= 12 else r.take(r.i16())
        for _ in range(r.uvarint() - 1 if version >= 12 else r.i32()):
            partition = r.i32()
            r.i32()
            offset = r.i64()
            if version >= 12:
                r.i32()
            r.i64(), r.i32()
            if version >= 12:
                r.tags()
            asked.append((partition, offset))
    return max_wait, asked


def parse_list_offsets(r, version):
    r.i32(), r.i8()
    flexible = version >= 6
    asked = []
    for _ in range(r.uvarint() - 1 if flexible else r.i32()):
        r.cstr() if flexible else r.take(r.i16())
        for _ in range(r.uvarint() - 1 if flexible else r.i32()):
            partition = r.i32()
            if version >= 4:
                r.i32()
            timestamp = r.i64()
            if flexible:
                r.tags()
            asked.append((partition, timestamp))
    return asked


def api_versions():
    keys = [(1, 0, 12), (2, 0, 7), (3, 0, 12), (18, 0, 3)]
    return i16(0) + carr([i16(k) + i16(lo) + i16(hi) + TAGS for k, lo, hi in keys]) + i32(0) + TAGS


def metadata(version):
    brokers = carr([i32(0) + cstr('127.0.0.1') + i32(PORT) + cstr(None) + TAGS])
    partition = (i16(0) + i32(0) + i32(0) + i32(0) + carr([i32(0)]) + carr([i32(0)]) + carr([])
                 + TAGS)
    topic = (i16(0) + cstr(TOPIC) + (b'\x01' * 16 if version >= 10 else b'') + i8(0)
             + carr([partition]) + i32(-2147483648) + TAGS)
    body = i32(0) + brokers + cstr('hostile') + i32(0) + carr([topic])
    if version <= 10:
        body += i32(-2147483648)
    return body + TAGS


def list_offsets(version, asked):
    flexible = version >= 6
    parts = []
    for partition, timestamp in asked:
        offset = 0 if timestamp == -2 else RECORDS
        part = i32(partition) + i16(0) + i64(-1) + i64(offset)
        if version >= 4:
            part += i32(0)
        parts.append(part + (TAGS if flexible else b''))
    array = carr if flexible else (lambda items: i32(len(items)) + b''.join(items))
    name = cstr(TOPIC) if flexible else i16(len(TOPIC)) + TOPIC.encode()
    topic = name + array(parts) + (TAGS if flexible else b'')
    return i32(0) + array([topic]) + (TAGS if flexible else b'')


def fetch_response(partitions):
    """partitions: (partition, error code, records bytes or None)."""
    parts = []
    for partition, error, recs in partitions:
        part = i32(partition) + i16(error) + i64(RECORDS) + i64(RECORDS) + i64(0) + carr([]) + i32(-1)
        part += (uvarint(0) if recs is None else uvarint(len(recs) + 1) + recs) + TAGS
        parts.append(part)
    return i32(0) + i16(0) + i32(0) + carr([cstr(TOPIC) + carr(parts) + TAGS]) + TAGS


OFFSET_OUT_OF_RANGE = 1


async def handle(reader, writer):
    try:
        if MODE == 'silent':
            await reader.read()
            return
        while True:
            size = struct.unpack('>i', await reader.readexactly(4))[0]
            r = Reader(await reader.readexactly(size))
            api, version, correlation = r.i16(), r.i16(), r.i32()
            r.take(r.i16())  # client id
            flexible = version >= {1: 12, 2: 6, 3: 9}.get(api, 99)
            if flexible:
                r.tags()
            print(f'request {api}', flush=True)

            def frame(body):
                payload = i32(correlation) + (TAGS if flexible else b'') + body
                return i32(len(payload)) + payload

            if api == 18:
                writer.write(frame(api_versions()))
            elif api == 3:
                requests['metadata'] += 1
                if MODE == 'reset-first-metadata' and requests['metadata'] == 1:
                    writer.transport.abort()
                    return
                writer.write(frame(metadata(version)))
            elif api == 2:
                writer.write(frame(list_offsets(version, parse_list_offsets(r, version))))
            elif api == 1:
                max_wait, asked = parse_fetch(r, version)
                requests['fetch'] += 1
                if MODE == 'negative-size':
                    # Split, so the size arrives over two reads.
                    writer.write(i32(-5)[:2])
                    await writer.drain()
                    await asyncio.sleep(0.05)
                    writer.write(i32(-5)[2:])
                    await writer.drain()
                    continue
                if MODE == 'out-of-range':
                    # Out of range at the very offset ListOffsets gives as the earliest.
                    writer.write(frame(fetch_response(
                        [(p, OFFSET_OUT_OF_RANGE, None) for p, _ in asked])))
                    await writer.drain()
                    continue
                answer = [(p, 0, fetch_records(offset)) for p, offset in asked]
                if all(not recs for _, _, recs in answer):
                    await asyncio.sleep(min(max_wait, 500) / 1000)
                writer.write(frame(fetch_response(answer)))
                if MODE == 'close-after-fetch':
                    # Every fetch answered, then the connection dropped.
                    await writer.drain()
                    writer.transport.abort()
                    return
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError):
        pass
    finally:
        writer.close()


async def main():
    global PORT
    server = await asyncio.start_server(handle, '127.0.0.1', 0)
    PORT = server.sockets[0].getsockname()[1]
    print(f'listening {PORT}', flush=True)
    # Ends with its parent: stdin closes when the test process goes.
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


asyncio.run(main())
