// Answers the HTTP server has made and its clients have not yet taken. Deno.serve holds a response
// body until the connection takes it, and a client that never reads holds it for good: 40 reads of
// a 7 MB file, by a client that read none of the answers, killed a server in a 1.5 GiB cgroup. So
// every body passes through here in pieces, and the bytes not yet taken count against one budget
// for all clients: past it, the answer whose client has taken nothing for longest is dropped (its
// connection breaks, as if its client had left, which cancels what it was still waiting for).

import type { Outgoing } from "./_conn_guard.ts";

const EMPTY = new Uint8Array(0);
/** Bytes handed to the connection at once. */
const PIECE = 64 * 1024;
/** Bytes an answer may be handed to the connection ahead of what its client took. */
const WINDOW = 1024 * 1024;

const DROPPED = new Error("Answer dropped: its client did not take it");

/** What an answer being sent tells the ledger. */
interface Pending {
  /** Bytes made and not yet taken by the connection. */
  waiting: number;
  /** When the connection last took a piece, or the answer began, in ms since the epoch. */
  since: number;
  /** Drops the answer: its bytes are released and its connection breaks. */
  drop(): void;
}

/** The bytes of all answers not yet taken by their connections, against a budget. */
export class UnsentAnswers {
  readonly #budget: number;
  readonly #dropped: (bytes: number) => void;
  readonly #pending = new Set<Pending>();
  #waiting = 0;

  /**
   * `budget` is the most bytes held for all answers together; `dropped` is told of each answer
   * dropped to keep within it, with the bytes it had waiting.
   */
  constructor(budget: number, dropped: (bytes: number) => void) {
    this.#budget = budget;
    this.#dropped = dropped;
  }

  /**
   * `response` with its body passed through the ledger. A body already complete (JSON) that fits
   * one piece is sent as it is; others go a piece at a time, read from `response` as they come.
   */
  async meter(response: Response, outgoing?: Outgoing): Promise<Response> {
    if (!response.body) return response;
    const init = {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    };
    if (!response.headers.get("content-type")?.startsWith("text/event-stream")) {
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (bytes.length <= PIECE) return new Response(bytes, init);
      return new Response(this.#relay(outgoing, null, bytes), init);
    }
    return new Response(this.#relay(outgoing, response.body.getReader()), init);
  }

  /** A body that sends `whole`, or else what `reader` reads, a piece at a time. */
  #relay(
    outgoing: Outgoing | undefined,
    reader: ReadableStreamDefaultReader<Uint8Array> | null,
    whole?: Uint8Array,
  ): ReadableStream<Uint8Array> {
    let pieces: Uint8Array[] = [];
    let handed = 0; // bytes handed to the connection
    const start = outgoing?.sent ?? 0;
    let next = 0; // the first of `pieces` not yet taken
    let ended = false;
    let failure: unknown;
    let wake: (() => void) | undefined;
    let out: ReadableStreamDefaultController<Uint8Array> | undefined;
    const release = () => {
      this.#waiting -= pending.waiting;
      pending.waiting = 0;
      this.#pending.delete(pending);
    };
    const pending: Pending = {
      waiting: 0,
      since: Date.now(),
      drop: () => {
        const bytes = pending.waiting;
        release();
        pieces = [];
        next = 0;
        ended = true;
        reader?.cancel().catch(() => {});
        if (out) end(out);
        wake?.();
        this.#dropped(bytes);
      },
    };
    this.#pending.add(pending);
    // A dropped answer's connection is cut, so that its client sees it end unfinished (an error
    // of the stream would do the same, and be logged as the server's own).
    const end = (controller: ReadableStreamDefaultController<Uint8Array>) => {
      outgoing?.close();
      try {
        if (outgoing) controller.close();
        else controller.error(DROPPED);
      } catch {
        // Ended already.
      }
    };
    // Copies: a piece Deno still holds would keep a view's whole buffer.
    const add = (bytes: Uint8Array) => {
      for (let at = 0; at < bytes.length; at += PIECE) pieces.push(bytes.slice(at, at + PIECE));
      pending.waiting += bytes.length;
      this.#waiting += bytes.length;
      wake?.();
      if (this.#waiting > this.#budget) this.#dropStalled();
    };
    if (whole) {
      add(whole);
      ended = true;
    } else {
      // Read as the answer is made, so that what waits is counted here (the SDK's own streams
      // queue without limit where nothing can count them).
      (async () => {
        try {
          while (!ended) {
            const { done, value } = await reader!.read();
            if (done || ended) break;
            add(value);
          }
        } catch (error) {
          failure = error;
        }
        ended = true;
        wake?.();
      })();
    }
    return new ReadableStream<Uint8Array>({
      start(controller) {
        out = controller;
      },
      pull: async (controller) => {
        while (next === pieces.length && !ended) {
          await new Promise<void>((resolve) => wake = resolve);
        }
        wake = undefined;
        // Ahead of what the guard wrote to the client by a window at most: what Deno takes waits in
        // the sockets between it and the guard, out of the ledger's sight.
        while (
          outgoing && !outgoing.ended && handed - (outgoing.sent - start) > WINDOW &&
          this.#pending.has(pending)
        ) {
          await outgoing.next();
        }
        if (next < pieces.length) {
          // Let go of it at once: a piece kept until the whole answer was handed over held an
          // answer read halfway whole, out of the budget's count (147 of them, OOM).
          const piece = pieces[next];
          pieces[next++] = EMPTY;
          if (next === pieces.length) pieces = [], next = 0;
          pending.since = Date.now();
          pending.waiting -= piece.length;
          this.#waiting -= piece.length;
          handed += piece.length;
          controller.enqueue(piece);
          return;
        }
        if (!this.#pending.has(pending)) return end(controller); // dropped
        release();
        if (failure !== undefined) controller.error(failure);
        else controller.close();
      },
      cancel: (reason) => {
        release();
        pieces = [];
        ended = true;
        wake?.();
        return reader?.cancel(reason);
      },
    }, { highWaterMark: 0 });
  }

  /**
   * Drops answers, the one whose connection has taken nothing for longest first, until all fit
   * the budget. (Dropping the one with the most bytes waiting dropped each new answer whole, of a
   * client reading at full speed too, once stalled ones had filled the budget.)
   */
  #dropStalled(): void {
    while (this.#waiting > this.#budget) {
      let stalled: Pending | undefined;
      for (const pending of this.#pending) {
        if (pending.waiting > 0 && (!stalled || pending.since < stalled.since)) stalled = pending;
      }
      if (!stalled) return;
      stalled.drop();
    }
  }
}
