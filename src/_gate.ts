// File data the server holds in memory to answer with it. An answer with a file in it (a
// file_download, a resources/read) holds the bytes, their base64 and the JSON of the answer, about
// five times the file, until it is handed to the client's connection, where the answer budget
// counts it (see _unsent.ts). A client that asks for many at once had them all built at the same
// time: 100 reads of a 7 MB file took a server to 1.1 GB, and a batch of 50 to 3.8 GB. So each
// sandbox's reads pass a gate of its own, by the bytes each may hold: past the gate's size, a read
// waits, in order, for the sandbox's earlier ones to be answered, and only a few wait. A gate per
// sandbox, not one for the server: with one, a client whose sandbox made its reads slow (a gzip
// that sleeps) held every other client's downloads for minutes.

const MIB = 1024 * 1024;

/** Bytes admitted at once, in arrival order; a few requests wait, more are refused. */
export class ByteGate {
  /** The most bytes admitted at once. */
  readonly size: number;
  /** The most requests that wait at once. */
  readonly maxWaiting: number;
  #free: number;
  #queue: { bytes: number; admit(): void }[] = [];

  /** A gate admitting `size` bytes at once, for which `maxWaiting` requests wait. */
  constructor(size: number, maxWaiting = Infinity) {
    this.size = size;
    this.maxWaiting = maxWaiting;
    this.#free = size;
  }

  /** Bytes admitted now. */
  get held(): number {
    return this.size - this.#free;
  }

  /** Whether nothing is admitted and nothing waits. */
  get idle(): boolean {
    return this.#free === this.size && this.#queue.length === 0;
  }

  /**
   * Waits until `bytes` (at most the gate's size) can be admitted after every earlier request, and
   * admits them until the returned handle is disposed. Rejects with `signal`'s reason if it aborts
   * first, and with a RangeError at once when `maxWaiting` requests wait already.
   */
  async enter(bytes: number, signal?: AbortSignal): Promise<Disposable> {
    signal?.throwIfAborted();
    const want = Math.min(Math.max(bytes, 0), this.size);
    if (this.#queue.length > 0 || this.#free < want) {
      if (this.#queue.length >= this.maxWaiting) {
        throw new RangeError(
          `Cannot read now: ${this.#queue.length} reads wait already for others to be answered; wait for their answers and ask again`,
        );
      }
      const { promise, resolve, reject } = Promise.withResolvers<void>();
      const waiter = { bytes: want, admit: resolve };
      this.#queue.push(waiter);
      const abort = () => {
        const at = this.#queue.indexOf(waiter);
        if (at < 0) return; // admitted already: the caller sees the abort in what it does next
        this.#queue.splice(at, 1);
        this.#pump();
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", abort, { once: true });
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
      },
    };
  }

  /** Admits waiters from the head of the queue while they fit. */
  #pump(): void {
    while (this.#queue.length > 0 && this.#queue[0].bytes <= this.#free) {
      const next = this.#queue.shift()!;
      this.#free -= next.bytes;
      next.admit();
    }
  }
}

/** A {@linkcode ByteGate} for each owner, made on its first request and dropped once idle. */
export class OwnedGates {
  readonly #size: number;
  readonly #maxWaiting: number;
  readonly #gates = new Map<string, ByteGate>();

  /** Gates of `size` bytes, for which `maxWaiting` requests of one owner wait. */
  constructor(size: number, maxWaiting: number) {
    this.#size = size;
    this.#maxWaiting = maxWaiting;
  }

  /** Owners with a gate now: admitted or waiting requests. */
  get owners(): number {
    return this.#gates.size;
  }

  /** {@linkcode ByteGate.enter} at `owner`'s gate. */
  async enter(owner: string, bytes: number, signal?: AbortSignal): Promise<Disposable> {
    let gate = this.#gates.get(owner);
    if (!gate) this.#gates.set(owner, gate = new ByteGate(this.#size, this.#maxWaiting));
    let held: Disposable;
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
      },
    };
  }
}

/**
 * The gates for file data read to answer with, one per sandbox (see the top of this file): 8 MiB
 * at once (one read of the largest file an answer carries, 7 MiB), 16 reads waiting at most.
 */
export const FILE_DATA = new OwnedGates(8 * MIB, 16);
