/**
 * The members of one table's fan-out, visited from a different one each round. A delivery
 * round writes to every socket in turn, so the socket visited last waits the whole round for
 * every change; starting each round one member further on spreads that wait over all of them
 * instead of always charging the same late subscribers. O(1) add and delete (the order is not
 * kept on delete: the last member takes the deleted one's place).
 */
export class MemberRing<M> {
  readonly #list: M[] = [];
  readonly #index = new Map<M, number>();
  #start = 0;

  get size(): number {
    return this.#list.length;
  }

  add(member: M): void {
    if (this.#index.has(member)) return;
    this.#index.set(member, this.#list.length);
    this.#list.push(member);
  }

  delete(member: M): void {
    const at = this.#index.get(member);
    if (at === undefined) return;
    this.#index.delete(member);
    const last = this.#list.pop()!;
    if (last !== member) {
      this.#list[at] = last;
      this.#index.set(last, at);
    }
  }

  /**
   * Calls `visit` once for every member present when the round starts, beginning one member
   * further on than the previous round. Members added or deleted by `visit` wait for the next
   * round.
   */
  forEachRound(visit: (member: M) => void): void {
    const round = this.#list.slice();
    const n = round.length;
    if (n === 0) return;
    const start = this.#start % n;
    this.#start = start + 1;
    for (let i = start; i < n; i++) visit(round[i]!);
    for (let i = 0; i < start; i++) visit(round[i]!);
  }

  [Symbol.iterator](): IterableIterator<M> {
    return this.#list.slice()[Symbol.iterator]();
  }
}
