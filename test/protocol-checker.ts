import {
  type ClientMessage,
  type Position,
  positionCovers,
  type ServerMessage,
} from '../shared/src/protocol/index.js';

interface Tracked {
  readonly table: string;
  readonly filtered: boolean;
  /** Subscribes sent under this id and not yet answered (a refused duplicate takes one back). */
  subscribes: number;
  phase: 'pending' | 'snapshot' | 'live' | 'ended';
  mode: 'reset' | 'resume';
  /** Keys seen in the snapshot in progress (I11). */
  keys: Set<string>;
  position: Position | undefined;
}

/**
 * Checks, message by message, what a bridge sends on one socket against docs/PROTOCOL.md:
 * I2/I5 (positions only move forward), I4 (no status while a subscription of its table is in a
 * snapshot), I6 (no delta for a subscription in a snapshot, no part outside one), I11 (one
 * entry per key) and I12 (nothing after a subscription ended, and it ends once). Every
 * violation is recorded, none is forgiven.
 */
export class ProtocolChecker {
  readonly violations: string[] = [];
  readonly #subs = new Map<string, Tracked>();

  sent(message: ClientMessage): void {
    if (message.type !== 'subscribe') return;
    const existing = this.#subs.get(message.sub);
    if (existing !== undefined && existing.phase !== 'ended') {
      existing.subscribes++;
      return;
    }
    this.#subs.set(message.sub, {
      table: message.table,
      filtered: message.filter !== undefined,
      subscribes: 1,
      phase: 'pending',
      mode: 'reset',
      keys: new Set(),
      position: undefined,
    });
  }

  received(m: ServerMessage): void {
    switch (m.type) {
      case 'snapshot-begin': {
        const s = this.#named(m.sub, m.type);
        if (s === undefined) return;
        s.phase = 'snapshot';
        s.mode = m.mode;
        s.keys = new Set();
        return;
      }
      case 'snapshot-part': {
        const s = this.#named(m.sub, m.type);
        if (s === undefined) return;
        if (s.phase !== 'snapshot') this.#fail(`I6: snapshot-part for ${m.sub} outside a snapshot`);
        if (s.mode === 'reset' && m.deletes.length > 0)
          this.#fail(`snapshot-part of a reset for ${m.sub} has deletes`);
        for (const key of [...m.sets.map(([k]) => k), ...m.deletes]) {
          if (s.keys.has(key)) this.#fail(`I11: key "${key}" twice in a snapshot of ${m.sub}`);
          s.keys.add(key);
        }
        return;
      }
      case 'snapshot-end': {
        const s = this.#named(m.sub, m.type);
        if (s === undefined) return;
        if (s.phase !== 'snapshot') this.#fail(`I6: snapshot-end for ${m.sub} without a begin`);
        this.#advance(s, m.position, `snapshot-end of ${m.sub}`);
        s.phase = 'live';
        return;
      }
      case 'delta': {
        const keys = [...m.sets.map(([k]) => k), ...m.deletes];
        if (new Set(keys).size !== keys.length) this.#fail('I11: a key twice in one delta');
        if (m.sub !== undefined) {
          const s = this.#named(m.sub, m.type);
          if (s === undefined) return;
          if (s.phase !== 'live') this.#fail(`I6: delta for ${m.sub} while it is ${s.phase}`);
          this.#advance(s, m.position, `delta of ${m.sub}`);
          return;
        }
        for (const [id, s] of this.#subs) {
          if (s.table !== m.table || s.filtered) continue;
          if (s.phase === 'snapshot')
            this.#fail(`I6: delta of ${m.table} while ${id} is in a snapshot`);
          if (s.phase === 'live') this.#advance(s, m.position, `delta of ${m.table} for ${id}`);
        }
        return;
      }
      case 'status':
        for (const [id, s] of this.#subs) {
          if (s.table === m.table && s.phase === 'snapshot')
            this.#fail(`I4: status of ${m.table} while ${id} is in a snapshot`);
        }
        return;
      case 'unsubscribed': {
        const s = this.#subs.get(m.sub);
        if (s !== undefined && s.phase === 'ended') this.#fail(`I12: ${m.sub} ended twice`);
        if (s !== undefined) s.phase = 'ended';
        return;
      }
      case 'error': {
        if (m.sub === undefined) return;
        const s = this.#subs.get(m.sub);
        if (s === undefined) return;
        if (m.code === 'DUPLICATE_SUBSCRIPTION' && s.subscribes > 1) {
          s.subscribes--;
          return;
        }
        if (s.phase === 'ended') this.#fail(`I12: ${m.sub} ended twice (${m.code})`);
        s.phase = 'ended';
        return;
      }
      case 'welcome':
      case 'goaway':
      case 'write-result':
        return;
      default:
        m satisfies never;
    }
  }

  #named(sub: string, what: string): Tracked | undefined {
    const s = this.#subs.get(sub);
    if (s === undefined) this.#fail(`${what} for ${sub}, which was never subscribed`);
    else if (s.phase === 'ended') this.#fail(`I12: ${what} for ${sub} after it ended`);
    return s?.phase === 'ended' ? undefined : s;
  }

  #advance(s: Tracked, position: Position, what: string): void {
    const before = s.position;
    if (
      before !== undefined &&
      before.topicId === position.topicId &&
      !positionCovers(position, before)
    ) {
      this.#fail(
        `I5: ${what} went back from ${JSON.stringify(before.offsets)} to ${JSON.stringify(position.offsets)}`,
      );
    }
    s.position = position;
  }

  #fail(violation: string): void {
    this.violations.push(violation);
  }
}
