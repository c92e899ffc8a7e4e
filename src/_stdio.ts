/**
 * The stdio transport: JSON-RPC messages as lines on stdin and stdout, read and written with
 * Deno's own streams.
 *
 * It starts reading before the MCP SDK is loaded (which takes most of the start-up time) and
 * answers the handshake at once: `initialize`, `tools/list` and `ping` get the answers the server
 * itself gives (recorded in `_handshake.ts` by `deno task gen`, and checked by a test). Every other
 * message waits. When the server connects, it gets the `initialize` request again, so that it
 * knows the client, and its second answer to it is dropped; then the waiting messages follow, in
 * order.
 *
 * @module
 */

// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/shared/transport"
import type { Transport } from "npm:@modelcontextprotocol/sdk@1.32.2/shared/transport.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
import type { JSONRPCMessage } from "npm:@modelcontextprotocol/sdk@1.32.2/types.js";
import {
  INITIALIZE_RESULT,
  LATEST_PROTOCOL_VERSION,
  PROTOCOL_VERSIONS,
  TOOLS_LIST_RESULT,
} from "./_handshake.ts";
import { concatBytes } from "./_output.ts";
import { isModern } from "./_era.ts";

/** The largest message written synchronously: well under a pipe's buffer (64 KiB on Linux). */
const SYNC_WRITE_BYTES = 16 * 1024;

/** The longest line read; a longer one is dropped (reported through `onerror`). */
const MAX_LINE_BYTES = 64 * 1024 * 1024;

type Message = Record<string, unknown>;

/** Options for {@linkcode StdioTransport}. */
export interface StdioTransportOptions {
  /** The `instructions` of the `initialize` answer. */
  instructions: string;
  /** Called once stdin has ended and every message read before was handed to the server. */
  onEnd: () => void;
}

/** An MCP transport over stdin and stdout that answers the handshake before the server exists. */
export class StdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  #options: StdioTransportOptions;
  /** Messages read before the server connected, for it to see in order. */
  #waiting: Message[] = [];
  /** Ids of the `initialize` requests answered early: the server's own answers are dropped. */
  #answered = new Set<unknown>();
  #validate: (message: unknown) => JSONRPCMessage = (message) => message as JSONRPCMessage;
  #connected = false;
  #ended = false;
  #closed = false;
  #writing: Promise<void> = Promise.resolve();
  /** Asynchronous writes not finished yet. */
  #queued = 0;
  #encoder = new TextEncoder();
  #greeted = Promise.withResolvers<void>();
  #listed = Promise.withResolvers<void>();
  #initialized = Promise.withResolvers<void>();
  #era = Promise.withResolvers<"legacy" | "modern">();
  #modern = false;
  #decided = false;

  /** Starts reading stdin now; the server connects later with `server.connect(transport)`. */
  constructor(options: StdioTransportOptions) {
    this.#options = options;
    this.#read(Deno.stdin.readable).catch((error) => this.#error(error));
  }

  /**
   * Resolves once an `initialize` request has been answered. Loading the SDK blocks the event
   * loop for a while, so the server waits for this (briefly) before loading it.
   */
  get greeted(): Promise<void> {
    return this.#greeted.promise;
  }

  /** Resolves once the client said `notifications/initialized`, which ends its handshake. */
  get initialized(): Promise<void> {
    return this.#initialized.promise;
  }

  /** Resolves once a `tools/list` request has been answered, which clients send next. */
  get listed(): Promise<void> {
    return this.#listed.promise;
  }

  /**
   * The client's protocol era, known from its first message: `"modern"` when it carries a
   * 2026-07-28 `_meta` envelope (then nothing is answered early: the v2 SDK answers everything),
   * `"legacy"` otherwise, or when stdin ends before any message.
   */
  get era(): Promise<"legacy" | "modern"> {
    return this.#era.promise;
  }

  /** Checks each message the server gets, as the SDK's own transport does. */
  set validate(validate: (message: unknown) => JSONRPCMessage) {
    this.#validate = validate;
  }

  /** Called by `server.connect()`: hands over what arrived meanwhile. */
  start(): Promise<void> {
    this.#connected = true;
    for (const message of this.#waiting.splice(0)) this.#deliver(message);
    if (this.#ended) this.#options.onEnd();
    return Promise.resolve();
  }

  send(message: JSONRPCMessage): Promise<void> {
    if ("id" in message && !("method" in message) && this.#answered.delete(message.id)) {
      return Promise.resolve(); // the server's answer to an initialize already answered
    }
    return this.#write(message);
  }

  /** Resolves once everything sent so far is written. */
  drain(): Promise<void> {
    return this.#writing.catch(() => {});
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.onclose?.();
    }
    return Promise.resolve();
  }

  async #read(stdin: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    let dropping = false;
    for await (const chunk of stdin) {
      let start = 0;
      for (let end = chunk.indexOf(10); end !== -1; end = chunk.indexOf(10, start)) {
        if (!dropping) {
          pending.push(chunk.subarray(start, end));
          const line = pending.length === 1
            ? pending[0]
            : concatBytes(pending, pendingBytes + end - start);
          this.#line(decoder.decode(line));
        }
        pending = [];
        pendingBytes = 0;
        dropping = false;
        start = end + 1;
      }
      if (start < chunk.length && !dropping) {
        pending.push(chunk.slice(start));
        pendingBytes += chunk.length - start;
        if (pendingBytes > MAX_LINE_BYTES) {
          this.#error(new Error(`Dropped a message longer than ${MAX_LINE_BYTES} bytes`));
          pending = [];
          pendingBytes = 0;
          dropping = true;
        }
      }
    }
    this.#ended = true;
    this.#era.resolve("legacy");
    if (this.#connected) this.#options.onEnd();
  }

  #line(text: string): void {
    const line = text.endsWith("\r") ? text.slice(0, -1) : text;
    if (line.trim() === "") return;
    let message: Message;
    try {
      message = JSON.parse(line);
    } catch (error) {
      this.#error(error);
      return;
    }
    if (message.method === "notifications/initialized") this.#initialized.resolve();
    this.#decideEra(message);
    if (this.#connected) {
      this.#deliver(message);
    } else if (!this.#answerEarly(message)) {
      this.#waiting.push(message);
    }
  }

  /** The first message decides the era; a modern client has no handshake to wait for. */
  #decideEra(message: Message): void {
    if (this.#decided) return;
    this.#decided = true;
    if (!isModern(message)) {
      this.#era.resolve("legacy");
      return;
    }
    this.#modern = true;
    this.#era.resolve("modern");
    this.#greeted.resolve();
    this.#initialized.resolve();
    this.#listed.resolve();
  }

  /** Answers what needs no server; returns false for anything the server must see. */
  #answerEarly(message: Message): boolean {
    if (this.#modern) return false;
    const { id, method, params } = message;
    if (message.jsonrpc !== "2.0" || (typeof id !== "string" && typeof id !== "number")) {
      return false;
    }
    let result: Record<string, unknown>;
    if (method === "initialize") {
      // Only a well-formed request: the server answers a malformed one with its own error.
      if (!isInitializeParams(params)) return false;
      const asked = params.protocolVersion;
      result = {
        protocolVersion: PROTOCOL_VERSIONS.includes(asked) ? asked : LATEST_PROTOCOL_VERSION,
        ...INITIALIZE_RESULT,
        instructions: this.#options.instructions,
      };
      this.#answered.add(id);
      this.#waiting.push(message); // the server must still learn about the client
    } else if (method === "tools/list") {
      result = TOOLS_LIST_RESULT;
    } else if (method === "ping") {
      result = {};
    } else {
      return false;
    }
    this.#write({ jsonrpc: "2.0", id, result } as JSONRPCMessage).then(
      () => (method === "initialize" ? this.#greeted : this.#listed).resolve(),
      (error) => this.#error(error),
    );
    return true;
  }

  #deliver(message: Message): void {
    let valid: JSONRPCMessage;
    try {
      valid = this.#validate(message);
    } catch (error) {
      this.#error(error);
      return;
    }
    this.onmessage?.(valid);
  }

  /**
   * Writes messages one after another, each whole. A small message with nothing queued before it
   * is written at once, on this thread: an asynchronous write of stdout goes through Deno's pool of
   * blocking threads, a hand-off that costs more than the write. Larger ones, which could fill the
   * pipe and block while the client reads, are written asynchronously.
   */
  #write(message: JSONRPCMessage): Promise<void> {
    const data = this.#encoder.encode(JSON.stringify(message) + "\n");
    if (this.#queued === 0 && data.length <= SYNC_WRITE_BYTES) {
      try {
        for (let done = 0; done < data.length;) done += Deno.stdout.writeSync(data.subarray(done));
      } catch (error) {
        return Promise.reject(error);
      }
      return Promise.resolve();
    }
    this.#queued++;
    this.#writing = this.#writing.then(async () => {
      for (let done = 0; done < data.length;) {
        done += await Deno.stdout.write(data.subarray(done));
      }
    }).finally(() => this.#queued--);
    return this.#writing;
  }

  #error(error: unknown): void {
    this.onerror?.(error instanceof Error ? error : new Error(String(error)));
  }
}

function isInitializeParams(params: unknown): params is { protocolVersion: string } {
  if (typeof params !== "object" || params === null) return false;
  const { protocolVersion, capabilities, clientInfo } = params as Record<string, unknown>;
  const info = clientInfo as Record<string, unknown> | null | undefined;
  return typeof protocolVersion === "string" && typeof capabilities === "object" &&
    capabilities !== null && typeof info === "object" && info !== null &&
    typeof info.name === "string" && typeof info.version === "string";
}
