// jit's cache of traced signatures: closed jaxprs by signature, least recently used dropped past a capacity, and
// the fast path, which serves a repeated eager call with the same flat tensor arguments without flattening them,
// building a key or binding the jit primitive.
import type { ShapedArray } from "../core/aval.js";
import { Tensor } from "../core/tensor.js";
import { type TreeDef, unflatten } from "../core/tree.js";
import type { ClosedJaxpr } from "../ir/jaxpr.js";
import type { Executable } from "./link.js";

/** A traced signature: its program and the structure of its outputs. */
export interface Entry {
  closed: ClosedJaxpr;
  outTree: TreeDef;
}

/** The fast path's signature: the last one called eagerly with flat tensor arguments. */
interface Fast {
  key: string;
  avals: ShapedArray[];
  run: Executable;
  out: (r: Tensor[]) => unknown;
}

/** What the fast path returns when the call is not its signature. */
export const MISS: unique symbol = Symbol("jit fast path miss");

export class SignatureCache {
  /** Map order is the LRU order: the most recently used key is last. */
  private readonly entries = new Map<string, Entry>();
  private mru: string | undefined;
  private fast: Fast | undefined;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The entry of `key`, now the most recently used. */
  get(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e) this.touch(key);
    return e;
  }

  /** Keeps `entry` under `key`, dropping the least recently used one past the capacity. */
  set(key: string, entry: Entry): void {
    this.entries.set(key, entry);
    this.mru = key;
    if (this.entries.size > this.capacity) {
      const evicted = this.entries.keys().next().value!;
      this.entries.delete(evicted);
      if (this.fast?.key === evicted) this.fast = undefined;
    }
  }

  /** Whether `entry` is what the cache keeps under `key` (it is not when the capacity is 0). */
  holds(key: string, entry: Entry): boolean {
    return this.entries.get(key) === entry;
  }

  /** Makes `key`'s signature the fast path's, run by `run`. */
  setFast(key: string, avals: ShapedArray[], run: Executable, outTree: TreeDef): void {
    const out = outTree.kind === "leaf" ? (r: Tensor[]) => r[0] : (r: Tensor[]) => unflatten(outTree, r);
    this.fast = { key, avals, run, out };
  }

  /** The result of the fast path's signature on `args` when they are concrete tensors of its avals, else MISS. */
  callFast(args: readonly unknown[]): unknown {
    const fast = this.fast;
    if (!fast || args.length !== fast.avals.length) return MISS;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (
        !(a instanceof Tensor) ||
        a._data === null ||
        (a._aval !== fast.avals[i] && !a._aval.equals(fast.avals[i]!))
      ) {
        return MISS;
      }
    }
    if (this.mru !== fast.key) this.touch(fast.key); // keep the LRU order exact
    return fast.out(fast.run(args as Tensor[]));
  }

  private touch(key: string): void {
    const e = this.entries.get(key)!;
    this.entries.delete(key);
    this.entries.set(key, e);
    this.mru = key;
  }
}
