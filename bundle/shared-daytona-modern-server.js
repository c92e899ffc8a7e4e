// Generated from src/ by `deno task gen` (scripts/gen_bundle.ts); do not edit.
import {
  __name
} from "./shared-cli-daytona-doctor-http-init-modern-server-tasks.js";

// src/_gate.ts
var MIB = 1024 * 1024;
var ByteGate = class {
  static {
    __name(this, "ByteGate");
  }
  /** The most bytes admitted at once. */
  size;
  /** The most requests that wait at once. */
  maxWaiting;
  #free;
  #queue = [];
  /** A gate admitting `size` bytes at once, for which `maxWaiting` requests wait. */
  constructor(size, maxWaiting = Infinity) {
    this.size = size;
    this.maxWaiting = maxWaiting;
    this.#free = size;
  }
  /** Bytes admitted now. */
  get held() {
    return this.size - this.#free;
  }
  /** Whether nothing is admitted and nothing waits. */
  get idle() {
    return this.#free === this.size && this.#queue.length === 0;
  }
  /**
   * Waits until `bytes` (at most the gate's size) can be admitted after every earlier request, and
   * admits them until the returned handle is disposed. Rejects with `signal`'s reason if it aborts
   * first, and with a RangeError at once when `maxWaiting` requests wait already.
   */
  async enter(bytes, signal) {
    signal?.throwIfAborted();
    const want = Math.min(Math.max(bytes, 0), this.size);
    if (this.#queue.length > 0 || this.#free < want) {
      if (this.#queue.length >= this.maxWaiting) {
        throw new RangeError(`Cannot read now: ${this.#queue.length} reads wait already for others to be answered; wait for their answers and ask again`);
      }
      const { promise, resolve, reject } = Promise.withResolvers();
      const waiter = {
        bytes: want,
        admit: resolve
      };
      this.#queue.push(waiter);
      const abort = /* @__PURE__ */ __name(() => {
        const at = this.#queue.indexOf(waiter);
        if (at < 0) return;
        this.#queue.splice(at, 1);
        this.#pump();
        reject(signal.reason);
      }, "abort");
      signal?.addEventListener("abort", abort, {
        once: true
      });
      try {
        await promise;
      } finally {
        signal?.removeEventListener("abort", abort);
      }
    } else {
      this.#free -= want;
    }
    let left = false;
    return {
      [Symbol.dispose]: () => {
        if (left) return;
        left = true;
        this.#free += want;
        this.#pump();
      }
    };
  }
  /** Admits waiters from the head of the queue while they fit. */
  #pump() {
    while (this.#queue.length > 0 && this.#queue[0].bytes <= this.#free) {
      const next = this.#queue.shift();
      this.#free -= next.bytes;
      next.admit();
    }
  }
};
var OwnedGates = class {
  static {
    __name(this, "OwnedGates");
  }
  #size;
  #maxWaiting;
  #gates = /* @__PURE__ */ new Map();
  /** Gates of `size` bytes, for which `maxWaiting` requests of one owner wait. */
  constructor(size, maxWaiting) {
    this.#size = size;
    this.#maxWaiting = maxWaiting;
  }
  /** Owners with a gate now: admitted or waiting requests. */
  get owners() {
    return this.#gates.size;
  }
  /** {@linkcode ByteGate.enter} at `owner`'s gate. */
  async enter(owner, bytes, signal) {
    let gate = this.#gates.get(owner);
    if (!gate) this.#gates.set(owner, gate = new ByteGate(this.#size, this.#maxWaiting));
    let held;
    try {
      held = await gate.enter(bytes, signal);
    } catch (error) {
      if (gate.idle) this.#gates.delete(owner);
      throw error;
    }
    return {
      [Symbol.dispose]: () => {
        held[Symbol.dispose]();
        if (gate.idle && this.#gates.get(owner) === gate) this.#gates.delete(owner);
      }
    };
  }
};
var FILE_DATA = new OwnedGates(8 * MIB, 16);

export {
  ByteGate,
  FILE_DATA
};
