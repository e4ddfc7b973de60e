import { decodeStored } from './stored-value.js';
import type { TableChange } from './table-types.js';

/**
 * A set as reported to change listeners. The value is decoded from the stored text the first
 * time `value` is read, and kept: the bridge, the usual listener, reads only the text.
 */
export class SetChange<V> implements Extract<TableChange<V>, { deleted: false }> {
  readonly deleted = false;
  #decoded = false;
  #value: V | undefined;

  constructor(
    readonly key: string,
    readonly text: string,
    readonly plain: boolean,
    readonly partition: number,
    readonly offset: number,
  ) {}

  get value(): V {
    // Tools that walk prototypes (test matchers, inspectors) may call this on the prototype.
    if (!(#decoded in this)) return undefined as V;
    if (!this.#decoded) {
      this.#value = decodeStored<V>(this.text, this.plain);
      this.#decoded = true;
    }
    return this.#value as V;
  }
}
