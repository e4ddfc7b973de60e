import { connect } from 'node:net';

/**
 * Asks a broker for a topic's id (the UUID Kafka gives a topic at creation) with one Metadata v12
 * request over a plain socket. kafkajs speaks an older Metadata version without ids, and the id
 * is what tells a recreated topic from the old one: offsets restart, so a client's old position
 * must not be trusted.
 *
 * Resolves undefined when the broker does not answer in time or predates topic ids.
 */
export async function fetchTopicId(
  broker: string,
  topic: string,
  timeoutMs = 5_000,
): Promise<string | undefined> {
  const [host, portText] = splitHostPort(broker);
  const request = metadataRequest(topic);
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(portText) });
    const chunks: Buffer[] = [];
    let received = 0;
    const done = (id: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(id);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.on('connect', () => socket.write(request));
    socket.on('error', () => done(undefined));
    socket.on('close', () => done(undefined));
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received < 4) return;
      const all = Buffer.concat(chunks);
      const size = all.readInt32BE(0);
      if (all.length < size + 4) return;
      try {
        done(topicIdFromResponse(all.subarray(4, size + 4), topic));
      } catch {
        done(undefined);
      }
    });
  });
}

const METADATA_API_KEY = 3;
const METADATA_VERSION = 12;
const CORRELATION_ID = 1;

function metadataRequest(topic: string): Buffer {
  const clientId = Buffer.from('tablecast');
  const name = Buffer.from(topic);
  const parts = [
    // Request header v2: api key, version, correlation id, client id (int16-length string), no tags.
    int16(METADATA_API_KEY),
    int16(METADATA_VERSION),
    int32(CORRELATION_ID),
    int16(clientId.length),
    clientId,
    uvarint(0),
    // Body: one topic (compact array of n+1), asked by name with a zero id, then no tags.
    uvarint(2),
    Buffer.alloc(16),
    uvarint(name.length + 1),
    name,
    uvarint(0),
    Buffer.from([0, 0]), // allow_auto_topic_creation=false, include_topic_authorized_operations=false
    uvarint(0),
  ];
  const body = Buffer.concat(parts);
  return Buffer.concat([int32(body.length), body]);
}

function topicIdFromResponse(response: Buffer, topic: string): string | undefined {
  const r = new Reader(response);
  if (r.int32() !== CORRELATION_ID) return undefined;
  r.skipTags();
  r.int32(); // throttle time
  const brokers = r.uvarint() - 1;
  for (let i = 0; i < brokers; i++) {
    r.int32();
    r.compactString();
    r.int32();
    r.compactString();
    r.skipTags();
  }
  r.compactString(); // cluster id
  r.int32(); // controller id
  // One topic was asked for, so the answer holds at most one.
  if (r.uvarint() - 1 < 1) return undefined;
  const error = r.int16();
  const name = r.compactString();
  const id = r.bytes(16);
  if (name !== topic || error !== 0 || id.every((b) => b === 0)) return undefined;
  return uuid(id);
}

class Reader {
  #at = 0;
  constructor(private readonly buffer: Buffer) {}
  int16(): number {
    const v = this.buffer.readInt16BE(this.#at);
    this.#at += 2;
    return v;
  }
  int32(): number {
    const v = this.buffer.readInt32BE(this.#at);
    this.#at += 4;
    return v;
  }
  uvarint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.buffer[this.#at++];
      if (byte === undefined) throw new RangeError('truncated varint');
      value |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value >>> 0;
    }
    throw new RangeError('varint too long');
  }
  bytes(n: number): Buffer {
    if (this.#at + n > this.buffer.length) throw new RangeError('truncated');
    const v = this.buffer.subarray(this.#at, this.#at + n);
    this.#at += n;
    return v;
  }
  compactString(): string | null {
    const length = this.uvarint() - 1;
    return length < 0 ? null : this.bytes(length).toString('utf8');
  }
  skipTags(): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      this.uvarint();
      this.bytes(this.uvarint());
    }
  }
}

function splitHostPort(broker: string): [string, string] {
  const at = broker.lastIndexOf(':');
  return [broker.slice(0, at).replace(/^\[|\]$/g, ''), broker.slice(at + 1)];
}

function uuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const int16 = (v: number) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(v);
  return b;
};
const int32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
};
function uvarint(value: number): Buffer {
  const out: number[] = [];
  let v = value >>> 0;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}
