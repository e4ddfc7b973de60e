import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

/**
 * The client side of SCRAM (RFC 5802, with SHA-256/512 as in RFC 7677 and Kafka's KIP-84): one
 * exchange of two messages each way. Kafka needs no channel binding, so the GS2 header is "n,,".
 */
export class ScramClient {
  readonly #hash: 'sha256' | 'sha512';
  readonly #username: string;
  readonly #password: string;
  readonly #clientNonce: string;
  #serverSignature: Buffer | undefined;

  constructor(
    hash: 'sha256' | 'sha512',
    username: string,
    password: string,
    nonce = randomBytes(24).toString('base64'),
  ) {
    this.#hash = hash;
    this.#username = username;
    this.#password = password;
    this.#clientNonce = nonce;
  }

  get #firstBare(): string {
    // RFC 5802 §5.1: "=" and "," in the name are escaped as =3D and =2C.
    const name = this.#username.replace(/=/g, '=3D').replace(/,/g, '=2C');
    return `n=${name},r=${this.#clientNonce}`;
  }

  firstMessage(): Buffer {
    return Buffer.from(`n,,${this.#firstBare}`, 'utf8');
  }

  /** The client-final message for the server-first message, or a thrown reason. */
  async finalMessage(serverFirst: Buffer): Promise<Buffer> {
    const text = serverFirst.toString('utf8');
    const fields = parseAttributes(text);
    if (fields.has('m')) throw new Error('the server requires a SCRAM extension we do not know');
    const nonce = fields.get('r');
    const salt = fields.get('s');
    const iterations = Number(fields.get('i'));
    if (!nonce?.startsWith(this.#clientNonce) || nonce === this.#clientNonce) {
      throw new Error('the server nonce does not extend ours');
    }
    if (salt === undefined || !Number.isInteger(iterations) || iterations < 1) {
      throw new Error('the server-first message lacks a salt or an iteration count');
    }
    const size = this.#hash === 'sha256' ? 32 : 64;
    const salted = await pbkdf2Async(
      this.#password,
      Buffer.from(salt, 'base64'),
      iterations,
      size,
      this.#hash,
    );
    const clientKey = this.#hmac(salted, 'Client Key');
    const storedKey = createHash(this.#hash).update(clientKey).digest();
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.#firstBare},${text},${withoutProof}`;
    const signature = this.#hmac(storedKey, authMessage);
    const proof = Buffer.alloc(size);
    for (let i = 0; i < size; i++) proof[i] = clientKey[i]! ^ signature[i]!;
    this.#serverSignature = this.#hmac(this.#hmac(salted, 'Server Key'), authMessage);
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8');
  }

  /** Checks the server-final message: the server proves it knows the password too. */
  verifyServerFinal(serverFinal: Buffer): void {
    const fields = parseAttributes(serverFinal.toString('utf8'));
    const error = fields.get('e');
    if (error !== undefined) throw new Error(`the server refused: ${error}`);
    const verifier = Buffer.from(fields.get('v') ?? '', 'base64');
    const expected = this.#serverSignature;
    if (
      expected === undefined ||
      verifier.length !== expected.length ||
      !timingSafeEqual(verifier, expected)
    ) {
      throw new Error('the server signature does not match; the server is not who it claims');
    }
  }

  #hmac(key: Buffer, data: string): Buffer {
    return createHmac(this.#hash, key).update(data, 'utf8').digest();
  }
}

function parseAttributes(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of text.split(',')) {
    const at = part.indexOf('=');
    if (at > 0) fields.set(part.slice(0, at), part.slice(at + 1));
  }
  return fields;
}
