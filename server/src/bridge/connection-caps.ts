/** Open sockets, plus upgrades being authorized, in all and per remote address. */
export class ConnectionCaps {
  readonly #perAddress = new Map<string, number>();
  #count = 0;

  constructor(
    private readonly max: number,
    private readonly maxPerAddress: number | undefined,
  ) {}

  /** Takes a slot for `address`, or says why not (the HTTP status to answer with). */
  reserve(address: string): { status: number; text: string; reason: string } | undefined {
    if (this.#count >= this.max) {
      return { status: 503, text: 'Service Unavailable', reason: 'too many connections' };
    }
    const mine = this.#perAddress.get(address) ?? 0;
    if (this.maxPerAddress !== undefined && mine >= this.maxPerAddress) {
      return {
        status: 429,
        text: 'Too Many Requests',
        reason: 'too many connections from this address',
      };
    }
    this.#count++;
    this.#perAddress.set(address, mine + 1);
    return undefined;
  }

  release(address: string): void {
    this.#count--;
    const left = (this.#perAddress.get(address) ?? 1) - 1;
    if (left > 0) this.#perAddress.set(address, left);
    else this.#perAddress.delete(address);
  }
}
