// File data the server holds in memory to answer with it. An answer with a file in it (a
// file_download, a resources/read) holds the bytes, their base64 and the JSON of the answer, about
// five times the file, until it is handed to the client's connection, where the answer budget
// counts it (see _unsent.ts). A client that asks for many at once had them all built at the same
// time: 100 reads of a 7 MB file took a server to 1.1 GB, and a batch of 50 to 3.8 GB. So reads
// that answer with file data pass one gate, by the bytes each may hold: past the gate's size,
// a read waits, in order, for earlier ones to be answered. Few wait for one sandbox, so that one
// client's thousands of reads do not put every other client's behind them.

const MIB = 1024 * 1024;

/** Bytes admitted at once, shared in arrival order. */
export class ByteGate {
  /** The most bytes admitted at once. */
  readonly size: number;
  /** The most requests of one owner that wait at once. */
  readonly waitingPerOwner: number;
  #free: number;
  #queue: { bytes: number; admit(): void }[] = [];
  #waiting = new Map<string, number>();

  /** A gate admitting `size` bytes at once, for which `waitingPerOwner` of one owner wait. */
  constructor(size: number, waitingPerOwner = Infinity) {
    this.size = size;
    this.waitingPerOwner = waitingPerOwner;
    this.#free = size;
  }

  /** Bytes admitted now. */
  get held(): number {
    return this.size - this.#free;
  }

  /**
   * Waits until `bytes` (at most the gate's size) can be admitted after every earlier request, and
   * admits them until the returned handle is disposed. Rejects with `signal`'s reason if it aborts
   * first, and with a RangeError at once when `waitingPerOwner` requests of `owner` wait already.
   */
  async enter(bytes: number, signal?: AbortSignal, owner = ""): Promise<Disposable> {
    signal?.throwIfAborted();
    const want = Math.min(Math.max(bytes, 0), this.size);
    if (this.#queue.length > 0 || this.#free < want) {
      const waiting = this.#waiting.get(owner) ?? 0;
      if (waiting >= this.waitingPerOwner) {
        throw new RangeError(
          `Cannot read now: ${waiting} reads of ${
            owner || "this owner"
          } wait already for others to be answered; wait for their answers and ask again`,
        );
      }
      this.#waiting.set(owner, waiting + 1);
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
        const left = this.#waiting.get(owner)! - 1;
        if (left > 0) this.#waiting.set(owner, left);
        else this.#waiting.delete(owner);
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

/**
 * The server's gate for file data read to answer with (see the top of this file), by sandbox: 16
 * of one sandbox's reads wait at most.
 */
export const FILE_DATA = new ByteGate(32 * MIB, 16);
