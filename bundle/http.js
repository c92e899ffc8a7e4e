// Generated from src/ by `deno task gen` (scripts/gen_bundle.ts); do not edit.
import {
  isModern
} from "./shared-cli-http.js";
import {
  jsonExcess
} from "./shared-daytona-http.js";
import {
  DEFAULT_NEGOTIATED_PROTOCOL_VERSION,
  JSONRPCMessageSchema,
  SUPPORTED_PROTOCOL_VERSIONS,
  isInitializeRequest,
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  isJSONRPCResultResponse
} from "./shared-http-server.js";
import "./shared-http-modern-server.js";
import {
  concatBytes
} from "./shared-cli-daytona-doctor-http-modern-server.js";
import {
  __commonJS,
  __name,
  __toESM
} from "./shared-cli-daytona-doctor-http-init-modern-server-tasks.js";

// npm/content-type/1.0.5/index.js
var require__ = __commonJS({
  "npm/content-type/1.0.5/index.js"(exports) {
    "use strict";
    var PARAM_REGEXP = /; *([!#$%&'*+.^_`|~0-9A-Za-z-]+) *= *("(?:[\u000b\u0020\u0021\u0023-\u005b\u005d-\u007e\u0080-\u00ff]|\\[\u000b\u0020-\u00ff])*"|[!#$%&'*+.^_`|~0-9A-Za-z-]+) */g;
    var TEXT_REGEXP = /^[\u000b\u0020-\u007e\u0080-\u00ff]+$/;
    var TOKEN_REGEXP = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
    var QESC_REGEXP = /\\([\u000b\u0020-\u00ff])/g;
    var QUOTE_REGEXP = /([\\"])/g;
    var TYPE_REGEXP = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
    exports.format = format;
    exports.parse = parse;
    function format(obj) {
      if (!obj || typeof obj !== "object") {
        throw new TypeError("argument obj is required");
      }
      var parameters = obj.parameters;
      var type = obj.type;
      if (!type || !TYPE_REGEXP.test(type)) {
        throw new TypeError("invalid type");
      }
      var string = type;
      if (parameters && typeof parameters === "object") {
        var param;
        var params = Object.keys(parameters).sort();
        for (var i = 0; i < params.length; i++) {
          param = params[i];
          if (!TOKEN_REGEXP.test(param)) {
            throw new TypeError("invalid parameter name");
          }
          string += "; " + param + "=" + qstring(parameters[param]);
        }
      }
      return string;
    }
    __name(format, "format");
    function parse(string) {
      if (!string) {
        throw new TypeError("argument string is required");
      }
      var header = typeof string === "object" ? getcontenttype(string) : string;
      if (typeof header !== "string") {
        throw new TypeError("argument string is required to be a string");
      }
      var index = header.indexOf(";");
      var type = index !== -1 ? header.slice(0, index).trim() : header.trim();
      if (!TYPE_REGEXP.test(type)) {
        throw new TypeError("invalid media type");
      }
      var obj = new ContentType(type.toLowerCase());
      if (index !== -1) {
        var key;
        var match;
        var value;
        PARAM_REGEXP.lastIndex = index;
        while (match = PARAM_REGEXP.exec(header)) {
          if (match.index !== index) {
            throw new TypeError("invalid parameter format");
          }
          index += match[0].length;
          key = match[1].toLowerCase();
          value = match[2];
          if (value.charCodeAt(0) === 34) {
            value = value.slice(1, -1);
            if (value.indexOf("\\") !== -1) {
              value = value.replace(QESC_REGEXP, "$1");
            }
          }
          obj.parameters[key] = value;
        }
        if (index !== header.length) {
          throw new TypeError("invalid parameter format");
        }
      }
      return obj;
    }
    __name(parse, "parse");
    function getcontenttype(obj) {
      var header;
      if (typeof obj.getHeader === "function") {
        header = obj.getHeader("content-type");
      } else if (typeof obj.headers === "object") {
        header = obj.headers && obj.headers["content-type"];
      }
      if (typeof header !== "string") {
        throw new TypeError("content-type header is missing from object");
      }
      return header;
    }
    __name(getcontenttype, "getcontenttype");
    function qstring(val) {
      var str = String(val);
      if (TOKEN_REGEXP.test(str)) {
        return str;
      }
      if (str.length > 0 && !TEXT_REGEXP.test(str)) {
        throw new TypeError("invalid parameter value");
      }
      return '"' + str.replace(QUOTE_REGEXP, "\\$1") + '"';
    }
    __name(qstring, "qstring");
    function ContentType(type) {
      this.parameters = /* @__PURE__ */ Object.create(null);
      this.type = type;
    }
    __name(ContentType, "ContentType");
  }
});

// npm/@modelcontextprotocol/sdk/1.32.2/dist/esm/shared/mediaType.js
var import_content_type = __toESM(require__());
function mediaTypeEssence(header) {
  if (!header) {
    return void 0;
  }
  try {
    return import_content_type.default.parse(header).type;
  } catch {
    const essence = (header.split(";", 1)[0] ?? "").trim().toLowerCase();
    if (essence === "" || header.slice(essence.length).includes(",")) {
      return void 0;
    }
    return essence;
  }
}
__name(mediaTypeEssence, "mediaTypeEssence");
function isJsonContentType(header) {
  if (header === "application/json") {
    return true;
  }
  return mediaTypeEssence(header) === "application/json";
}
__name(isJsonContentType, "isJsonContentType");

// npm/@modelcontextprotocol/sdk/1.32.2/dist/esm/server/requestBody.js
var DEFAULT_MAX_REQUEST_BODY_SIZE = 4 * 1024 * 1024;
var MAX_BATCH_SIZE = 100;
function requestBodyTooLargeMessage(maxBytes) {
  return `Payload Too Large: Request body must not exceed ${maxBytes} bytes`;
}
__name(requestBodyTooLargeMessage, "requestBodyTooLargeMessage");
function resolveMaxRequestBodySize(value) {
  if (value === void 0) {
    return DEFAULT_MAX_REQUEST_BODY_SIZE;
  }
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`maxRequestBodySize must be a positive number of bytes, got ${String(value)}`);
  }
  return value;
}
__name(resolveMaxRequestBodySize, "resolveMaxRequestBodySize");
async function readRequestBody(request, maxBytes = DEFAULT_MAX_REQUEST_BODY_SIZE) {
  if (Number(request.headers.get("content-length")) > maxBytes) {
    return {
      tooLarge: true
    };
  }
  if (request.body === null) {
    return {
      tooLarge: false,
      text: ""
    };
  }
  const reader = request.body.getReader();
  const decoder = new TextDecoder();
  let received = 0;
  let text = "";
  try {
    for (; ; ) {
      const { done, value } = await reader.read();
      if (done) {
        break;
      }
      received += value.byteLength;
      if (received > maxBytes) {
        return {
          tooLarge: true
        };
      }
      text += decoder.decode(value, {
        stream: true
      });
    }
  } finally {
    reader.releaseLock();
  }
  return {
    tooLarge: false,
    text: text + decoder.decode()
  };
}
__name(readRequestBody, "readRequestBody");

// npm/@modelcontextprotocol/sdk/1.32.2/dist/esm/server/sseKeepAlive.js
var DEFAULT_SSE_KEEP_ALIVE_MS = 15e3;
var MAX_TIMER_DELAY_MS = 2 ** 31 - 1;
function armSseKeepAlive(intervalMs, onTick) {
  if (!Number.isFinite(intervalMs) || intervalMs < 1) {
    return void 0;
  }
  const timer = setInterval(onTick, Math.min(intervalMs, MAX_TIMER_DELAY_MS));
  timer.unref?.();
  return timer;
}
__name(armSseKeepAlive, "armSseKeepAlive");

// npm/@modelcontextprotocol/sdk/1.32.2/dist/esm/server/webStandardStreamableHttp.js
var WebStandardStreamableHTTPServerTransport = class {
  static {
    __name(this, "WebStandardStreamableHTTPServerTransport");
  }
  constructor(options = {}) {
    this._started = false;
    this._hasHandledRequest = false;
    this._streamMapping = /* @__PURE__ */ new Map();
    this._requestToStreamMapping = /* @__PURE__ */ new Map();
    this._resumableStreams = /* @__PURE__ */ new Set();
    this._requestResponseMap = /* @__PURE__ */ new Map();
    this._initialized = false;
    this._enableJsonResponse = false;
    this._standaloneSseStreamId = "_GET_stream";
    this._closed = false;
    this.sessionIdGenerator = options.sessionIdGenerator;
    this._enableJsonResponse = options.enableJsonResponse ?? false;
    this._eventStore = options.eventStore;
    this._onsessioninitialized = options.onsessioninitialized;
    this._onsessionclosed = options.onsessionclosed;
    this._allowedHosts = options.allowedHosts;
    this._allowedOrigins = options.allowedOrigins;
    this._enableDnsRebindingProtection = options.enableDnsRebindingProtection ?? false;
    this._retryInterval = options.retryInterval;
    this._keepAliveMs = options.keepAliveMs ?? DEFAULT_SSE_KEEP_ALIVE_MS;
    this._maxRequestBodySize = resolveMaxRequestBodySize(options.maxRequestBodySize);
  }
  /**
     * Arms a keep-alive interval for an SSE stream that periodically writes an SSE
     * comment frame so intermediaries and idle timeouts don't kill the connection.
     * The returned timer is owned by the stream it was armed for: the stream's
     * cancel/cleanup callbacks must clear it. The interval clears itself if a
     * write fails (stream already closed/cancelled).
     */
  startKeepAlive(controller, encoder) {
    if (this._closed) return void 0;
    const timer = armSseKeepAlive(this._keepAliveMs, () => {
      try {
        controller.enqueue(encoder.encode(": keepalive\n\n"));
      } catch {
        if (timer !== void 0) clearInterval(timer);
      }
    });
    return timer;
  }
  /**
     * Starts the transport. This is required by the Transport interface but is a no-op
     * for the Streamable HTTP transport as connections are managed per-request.
     */
  async start() {
    if (this._started) {
      throw new Error("Transport already started");
    }
    this._started = true;
  }
  /**
     * Helper to create a JSON error response
     */
  createJsonErrorResponse(status, code, message, options) {
    const error = {
      code,
      message
    };
    if (options?.data !== void 0) {
      error.data = options.data;
    }
    return new Response(JSON.stringify({
      jsonrpc: "2.0",
      error,
      id: null
    }), {
      status,
      headers: {
        "Content-Type": "application/json",
        ...options?.headers
      }
    });
  }
  /**
     * Validates request headers for DNS rebinding protection.
     * @returns Error response if validation fails, undefined if validation passes.
     */
  validateRequestHeaders(req) {
    if (!this._enableDnsRebindingProtection) {
      return void 0;
    }
    if (this._allowedHosts && this._allowedHosts.length > 0) {
      const hostHeader = req.headers.get("host");
      if (!hostHeader || !this._allowedHosts.includes(hostHeader)) {
        const error = `Invalid Host header: ${hostHeader}`;
        this.onerror?.(new Error(error));
        return this.createJsonErrorResponse(403, -32e3, error);
      }
    }
    if (this._allowedOrigins && this._allowedOrigins.length > 0) {
      const originHeader = req.headers.get("origin");
      if (originHeader && !this._allowedOrigins.includes(originHeader)) {
        const error = `Invalid Origin header: ${originHeader}`;
        this.onerror?.(new Error(error));
        return this.createJsonErrorResponse(403, -32e3, error);
      }
    }
    return void 0;
  }
  /**
     * Handles an incoming HTTP request, whether GET, POST, or DELETE
     * Returns a Response object (Web Standard)
     */
  async handleRequest(req, options) {
    if (this._closed) {
      return this.createJsonErrorResponse(404, -32001, "Session not found");
    }
    if (!this.sessionIdGenerator && this._hasHandledRequest) {
      throw new Error("Stateless transport cannot be reused across requests. Create a new transport per request.");
    }
    this._hasHandledRequest = true;
    const validationError = this.validateRequestHeaders(req);
    if (validationError) {
      return validationError;
    }
    switch (req.method) {
      case "POST":
        return this.handlePostRequest(req, options);
      case "GET":
        return this.handleGetRequest(req);
      case "DELETE":
        return this.handleDeleteRequest(req);
      default:
        return this.handleUnsupportedRequest();
    }
  }
  /**
     * Writes a priming event to establish resumption capability.
     * Only sends if eventStore is configured (opt-in for resumability) and
     * the client's protocol version supports empty SSE data (>= 2025-11-25).
     */
  async writePrimingEvent(controller, encoder, streamId, protocolVersion) {
    if (!this._eventStore) {
      return;
    }
    if (protocolVersion < "2025-11-25") {
      return;
    }
    const primingEventId = await this._eventStore.storeEvent(streamId, {});
    let primingEvent = `id: ${primingEventId}
data: 

`;
    if (this._retryInterval !== void 0) {
      primingEvent = `id: ${primingEventId}
retry: ${this._retryInterval}
data: 

`;
    }
    controller.enqueue(encoder.encode(primingEvent));
    this._resumableStreams.add(streamId);
  }
  /**
     * Handles GET requests for SSE stream
     */
  async handleGetRequest(req) {
    const acceptHeader = req.headers.get("accept");
    if (!acceptHeader?.includes("text/event-stream")) {
      this.onerror?.(new Error("Not Acceptable: Client must accept text/event-stream"));
      return this.createJsonErrorResponse(406, -32e3, "Not Acceptable: Client must accept text/event-stream");
    }
    const sessionError = this.validateSession(req);
    if (sessionError) {
      return sessionError;
    }
    const protocolError = this.validateProtocolVersion(req);
    if (protocolError) {
      return protocolError;
    }
    if (this._eventStore) {
      const lastEventId = req.headers.get("last-event-id");
      if (lastEventId) {
        return this.replayEvents(lastEventId);
      }
    }
    if (this._streamMapping.get(this._standaloneSseStreamId) !== void 0) {
      this.onerror?.(new Error("Conflict: Only one SSE stream is allowed per session"));
      return this.createJsonErrorResponse(409, -32e3, "Conflict: Only one SSE stream is allowed per session");
    }
    const encoder = new TextEncoder();
    let streamController;
    let keepAliveTimer = void 0;
    const readable = new ReadableStream({
      start: /* @__PURE__ */ __name((controller) => {
        streamController = controller;
      }, "start"),
      cancel: /* @__PURE__ */ __name(() => {
        if (keepAliveTimer !== void 0) {
          clearInterval(keepAliveTimer);
        }
        if (this._streamMapping.get(this._standaloneSseStreamId)?.controller === streamController) {
          this._streamMapping.delete(this._standaloneSseStreamId);
        }
      }, "cancel")
    });
    const headers = {
      "Content-Type": "text/event-stream",
      "Cache-Control": "no-cache, no-transform",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no"
    };
    if (this.sessionId !== void 0) {
      headers["mcp-session-id"] = this.sessionId;
    }
    this._streamMapping.set(this._standaloneSseStreamId, {
      controller: streamController,
      encoder,
      cleanup: /* @__PURE__ */ __name(() => {
        if (keepAliveTimer !== void 0) {
          clearInterval(keepAliveTimer);
        }
        this._streamMapping.delete(this._standaloneSseStreamId);
        try {
          streamController.close();
        } catch {
        }
      }, "cleanup")
    });
    keepAliveTimer = this.startKeepAlive(streamController, encoder);
    return new Response(readable, {
      headers
    });
  }
  /**
     * Replays events that would have been sent after the specified event ID
     * Only used when resumability is enabled
     */
  async replayEvents(lastEventId) {
    if (!this._eventStore) {
      this.onerror?.(new Error("Event store not configured"));
      return this.createJsonErrorResponse(400, -32e3, "Event store not configured");
    }
    try {
      let streamId;
      if (this._eventStore.getStreamIdForEventId) {
        streamId = await this._eventStore.getStreamIdForEventId(lastEventId);
        if (!streamId) {
          this.onerror?.(new Error("Invalid event ID format"));
          return this.createJsonErrorResponse(400, -32e3, "Invalid event ID format");
        }
        if (this._streamMapping.get(streamId) !== void 0) {
          this.onerror?.(new Error("Conflict: Stream already has an active connection"));
          return this.createJsonErrorResponse(409, -32e3, "Conflict: Stream already has an active connection");
        }
      }
      const headers = {
        "Content-Type": "text/event-stream",
        "Cache-Control": "no-cache, no-transform",
        Connection: "keep-alive",
        "X-Accel-Buffering": "no"
      };
      if (this.sessionId !== void 0) {
        headers["mcp-session-id"] = this.sessionId;
      }
      const encoder = new TextEncoder();
      let streamController;
      let keepAliveTimer = void 0;
      let replayedStreamId = void 0;
      let cancelled = false;
      const readable = new ReadableStream({
        start: /* @__PURE__ */ __name((controller) => {
          streamController = controller;
        }, "start"),
        cancel: /* @__PURE__ */ __name(() => {
          cancelled = true;
          if (keepAliveTimer !== void 0) {
            clearInterval(keepAliveTimer);
          }
          if (replayedStreamId !== void 0 && this._streamMapping.get(replayedStreamId)?.controller === streamController) {
            this._streamMapping.delete(replayedStreamId);
          }
        }, "cancel")
      });
      const replayedEventIds = /* @__PURE__ */ new Set();
      replayedStreamId = await this._eventStore.replayEventsAfter(lastEventId, {
        send: /* @__PURE__ */ __name(async (eventId, message) => {
          const success = this.writeSSEEvent(streamController, encoder, message, eventId);
          if (!success) {
            this.onerror?.(new Error("Failed replay events"));
            try {
              streamController.close();
            } catch {
            }
          } else {
            replayedEventIds.add(eventId);
          }
        }, "send")
      });
      if (this._closed || cancelled) {
        try {
          streamController.close();
        } catch {
        }
        return this.createJsonErrorResponse(404, -32001, "Session not found");
      }
      this._streamMapping.get(replayedStreamId)?.cleanup();
      this._streamMapping.set(replayedStreamId, {
        controller: streamController,
        encoder,
        replayedEventIds,
        cleanup: /* @__PURE__ */ __name(() => {
          if (keepAliveTimer !== void 0) {
            clearInterval(keepAliveTimer);
          }
          this._streamMapping.delete(replayedStreamId);
          try {
            streamController.close();
          } catch {
          }
        }, "cleanup")
      });
      this._resumableStreams.add(replayedStreamId);
      keepAliveTimer = this.startKeepAlive(streamController, encoder);
      return new Response(readable, {
        headers
      });
    } catch (error) {
      this.onerror?.(error);
      return this.createJsonErrorResponse(500, -32e3, "Error replaying events");
    }
  }
  /**
     * Writes an event to an SSE stream via controller with proper formatting
     */
  writeSSEEvent(controller, encoder, message, eventId) {
    try {
      let eventData = `event: message
`;
      if (eventId) {
        eventData += `id: ${eventId}
`;
      }
      eventData += `data: ${JSON.stringify(message)}

`;
      controller.enqueue(encoder.encode(eventData));
      return true;
    } catch (error) {
      this.onerror?.(error);
      return false;
    }
  }
  /**
     * Handles unsupported requests (PUT, PATCH, etc.)
     */
  handleUnsupportedRequest() {
    this.onerror?.(new Error("Method not allowed."));
    return new Response(JSON.stringify({
      jsonrpc: "2.0",
      error: {
        code: -32e3,
        message: "Method not allowed."
      },
      id: null
    }), {
      status: 405,
      headers: {
        Allow: "GET, POST, DELETE",
        "Content-Type": "application/json"
      }
    });
  }
  /**
     * Handles POST requests containing JSON-RPC messages
     */
  async handlePostRequest(req, options) {
    try {
      const acceptHeader = req.headers.get("accept");
      if (!acceptHeader?.includes("application/json") || !acceptHeader.includes("text/event-stream")) {
        this.onerror?.(new Error("Not Acceptable: Client must accept both application/json and text/event-stream"));
        return this.createJsonErrorResponse(406, -32e3, "Not Acceptable: Client must accept both application/json and text/event-stream");
      }
      const ct = req.headers.get("content-type");
      if (!isJsonContentType(ct)) {
        this.onerror?.(new Error("Unsupported Media Type: Content-Type must be application/json"));
        return this.createJsonErrorResponse(415, -32e3, "Unsupported Media Type: Content-Type must be application/json");
      }
      const requestInfo = {
        headers: Object.fromEntries(req.headers.entries()),
        url: new URL(req.url)
      };
      let rawMessage;
      if (options?.parsedBody !== void 0) {
        rawMessage = options.parsedBody;
      } else {
        try {
          const body = await readRequestBody(req, this._maxRequestBodySize);
          if (body.tooLarge) {
            const message = requestBodyTooLargeMessage(this._maxRequestBodySize);
            this.onerror?.(new Error(message));
            return this.createJsonErrorResponse(413, -32e3, message);
          }
          rawMessage = JSON.parse(body.text);
        } catch {
          this.onerror?.(new Error("Parse error: Invalid JSON"));
          return this.createJsonErrorResponse(400, -32700, "Parse error: Invalid JSON");
        }
      }
      if (Array.isArray(rawMessage) && rawMessage.length > MAX_BATCH_SIZE) {
        this.onerror?.(new Error(`Invalid Request: Batch must not exceed ${MAX_BATCH_SIZE} messages`));
        return this.createJsonErrorResponse(400, -32600, `Invalid Request: Batch must not exceed ${MAX_BATCH_SIZE} messages`);
      }
      let messages;
      try {
        if (Array.isArray(rawMessage)) {
          messages = rawMessage.map((msg) => JSONRPCMessageSchema.parse(msg));
        } else {
          messages = [
            JSONRPCMessageSchema.parse(rawMessage)
          ];
        }
      } catch {
        this.onerror?.(new Error("Parse error: Invalid JSON-RPC message"));
        return this.createJsonErrorResponse(400, -32700, "Parse error: Invalid JSON-RPC message");
      }
      if (this._closed) {
        return this.createJsonErrorResponse(404, -32001, "Session not found");
      }
      const isInitializationRequest = messages.some(isInitializeRequest);
      if (isInitializationRequest) {
        if (this._initialized && this.sessionId !== void 0) {
          this.onerror?.(new Error("Invalid Request: Server already initialized"));
          return this.createJsonErrorResponse(400, -32600, "Invalid Request: Server already initialized");
        }
        if (messages.length > 1) {
          this.onerror?.(new Error("Invalid Request: Only one initialization request is allowed"));
          return this.createJsonErrorResponse(400, -32600, "Invalid Request: Only one initialization request is allowed");
        }
        this.sessionId = this.sessionIdGenerator?.();
        this._initialized = true;
        if (this.sessionId && this._onsessioninitialized) {
          await Promise.resolve(this._onsessioninitialized(this.sessionId));
        }
      }
      if (!isInitializationRequest) {
        const sessionError = this.validateSession(req);
        if (sessionError) {
          return sessionError;
        }
        const protocolError = this.validateProtocolVersion(req);
        if (protocolError) {
          return protocolError;
        }
      }
      if (this._closed) {
        return this.createJsonErrorResponse(404, -32001, "Session not found");
      }
      const hasRequests = messages.some(isJSONRPCRequest);
      if (!hasRequests) {
        for (const message of messages) {
          this.onmessage?.(message, {
            authInfo: options?.authInfo,
            requestInfo
          });
        }
        return new Response(null, {
          status: 202
        });
      }
      const streamId = crypto.randomUUID();
      const initRequest = messages.find((m) => isInitializeRequest(m));
      const clientProtocolVersion = initRequest ? initRequest.params.protocolVersion : req.headers.get("mcp-protocol-version") ?? DEFAULT_NEGOTIATED_PROTOCOL_VERSION;
      if (this._enableJsonResponse) {
        return new Promise((resolve) => {
          this._streamMapping.set(streamId, {
            resolveJson: resolve,
            cleanup: /* @__PURE__ */ __name(() => {
              this._streamMapping.delete(streamId);
            }, "cleanup")
          });
          for (const message of messages) {
            if (isJSONRPCRequest(message)) {
              this._requestToStreamMapping.set(message.id, streamId);
            }
          }
          for (const message of messages) {
            this.onmessage?.(message, {
              authInfo: options?.authInfo,
              requestInfo
            });
          }
        });
      }
      const encoder = new TextEncoder();
      let streamController;
      let keepAliveTimer = void 0;
      const readable = new ReadableStream({
        start: /* @__PURE__ */ __name((controller) => {
          streamController = controller;
        }, "start"),
        cancel: /* @__PURE__ */ __name(() => {
          if (keepAliveTimer !== void 0) {
            clearInterval(keepAliveTimer);
          }
          if (this._streamMapping.get(streamId)?.controller === streamController) {
            this._streamMapping.delete(streamId);
          }
        }, "cancel")
      });
      const headers = {
        "Content-Type": "text/event-stream",
        "Cache-Control": "no-cache, no-transform",
        Connection: "keep-alive",
        "X-Accel-Buffering": "no"
      };
      if (this.sessionId !== void 0) {
        headers["mcp-session-id"] = this.sessionId;
      }
      for (const message of messages) {
        if (isJSONRPCRequest(message)) {
          this._streamMapping.set(streamId, {
            controller: streamController,
            encoder,
            cleanup: /* @__PURE__ */ __name(() => {
              if (keepAliveTimer !== void 0) {
                clearInterval(keepAliveTimer);
              }
              this._streamMapping.delete(streamId);
              try {
                streamController.close();
              } catch {
              }
            }, "cleanup")
          });
          this._requestToStreamMapping.set(message.id, streamId);
        }
      }
      try {
        await this.writePrimingEvent(streamController, encoder, streamId, clientProtocolVersion);
        for (const message of messages) {
          let closeSSEStream;
          let closeStandaloneSSEStream;
          if (isJSONRPCRequest(message) && this._eventStore && clientProtocolVersion >= "2025-11-25") {
            closeSSEStream = /* @__PURE__ */ __name(() => {
              this.closeSSEStream(message.id);
            }, "closeSSEStream");
            closeStandaloneSSEStream = /* @__PURE__ */ __name(() => {
              this.closeStandaloneSSEStream();
            }, "closeStandaloneSSEStream");
          }
          this.onmessage?.(message, {
            authInfo: options?.authInfo,
            requestInfo,
            closeSSEStream,
            closeStandaloneSSEStream
          });
        }
      } catch (error) {
        this._streamMapping.get(streamId)?.cleanup();
        this._resumableStreams.delete(streamId);
        for (const message of messages) {
          if (isJSONRPCRequest(message)) {
            this._requestToStreamMapping.delete(message.id);
          }
        }
        throw error;
      }
      if (this._streamMapping.get(streamId)?.controller === streamController) {
        keepAliveTimer = this.startKeepAlive(streamController, encoder);
      }
      return new Response(readable, {
        status: 200,
        headers
      });
    } catch (error) {
      this.onerror?.(error);
      return this.createJsonErrorResponse(400, -32700, "Parse error", {
        data: String(error)
      });
    }
  }
  /**
     * Handles DELETE requests to terminate sessions
     */
  async handleDeleteRequest(req) {
    const sessionError = this.validateSession(req);
    if (sessionError) {
      return sessionError;
    }
    const protocolError = this.validateProtocolVersion(req);
    if (protocolError) {
      return protocolError;
    }
    try {
      await Promise.resolve(this._onsessionclosed?.(this.sessionId));
      return new Response(null, {
        status: 200
      });
    } finally {
      await this.close();
    }
  }
  /**
     * Validates session ID for non-initialization requests.
     * Returns Response error if invalid, undefined otherwise
     */
  validateSession(req) {
    if (this.sessionIdGenerator === void 0) {
      return void 0;
    }
    if (!this._initialized) {
      this.onerror?.(new Error("Bad Request: Server not initialized"));
      return this.createJsonErrorResponse(400, -32e3, "Bad Request: Server not initialized");
    }
    const sessionId = req.headers.get("mcp-session-id");
    if (!sessionId) {
      this.onerror?.(new Error("Bad Request: Mcp-Session-Id header is required"));
      return this.createJsonErrorResponse(400, -32e3, "Bad Request: Mcp-Session-Id header is required");
    }
    if (sessionId !== this.sessionId) {
      this.onerror?.(new Error("Session not found"));
      return this.createJsonErrorResponse(404, -32001, "Session not found");
    }
    return void 0;
  }
  /**
     * Validates the MCP-Protocol-Version header on incoming requests.
     *
     * For initialization: Version negotiation handles unknown versions gracefully
     * (server responds with its supported version).
     *
     * For subsequent requests with MCP-Protocol-Version header:
     * - Accept if in supported list
     * - 400 if unsupported
     *
     * For HTTP requests without the MCP-Protocol-Version header:
     * - Accept and default to the version negotiated at initialization
     */
  validateProtocolVersion(req) {
    const protocolVersion = req.headers.get("mcp-protocol-version");
    if (protocolVersion !== null && !SUPPORTED_PROTOCOL_VERSIONS.includes(protocolVersion)) {
      this.onerror?.(new Error(`Bad Request: Unsupported protocol version: ${protocolVersion} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(", ")})`));
      return this.createJsonErrorResponse(400, -32e3, `Bad Request: Unsupported protocol version: ${protocolVersion} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(", ")})`);
    }
    return void 0;
  }
  async close() {
    if (this._closed) {
      return;
    }
    this._closed = true;
    this._streamMapping.forEach(({ cleanup }) => {
      cleanup();
    });
    this._streamMapping.clear();
    this._requestResponseMap.clear();
    this._resumableStreams.clear();
    this.onclose?.();
  }
  /**
     * Close an SSE stream for a specific request, triggering client reconnection.
     * Use this to implement polling behavior during long-running operations -
     * client will reconnect after the retry interval specified in the priming event.
     */
  closeSSEStream(requestId) {
    const streamId = this._requestToStreamMapping.get(requestId);
    if (!streamId) return;
    const stream = this._streamMapping.get(streamId);
    if (stream) {
      stream.cleanup();
    }
  }
  /**
     * Close the standalone GET SSE stream, triggering client reconnection.
     * Use this to implement polling behavior for server-initiated notifications.
     */
  closeStandaloneSSEStream() {
    const stream = this._streamMapping.get(this._standaloneSseStreamId);
    if (stream) {
      stream.cleanup();
    }
  }
  async send(message, options) {
    let requestId = options?.relatedRequestId;
    if (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) {
      requestId = message.id;
    }
    if (requestId === void 0) {
      if (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) {
        throw new Error("Cannot send a response on a standalone SSE stream unless resuming a previous client request");
      }
      let eventId;
      if (this._eventStore) {
        eventId = await this._eventStore.storeEvent(this._standaloneSseStreamId, message);
      }
      const standaloneSse = this._streamMapping.get(this._standaloneSseStreamId);
      if (standaloneSse === void 0) {
        return;
      }
      if (standaloneSse.controller && standaloneSse.encoder && (eventId === void 0 || !standaloneSse.replayedEventIds?.has(eventId))) {
        this.writeSSEEvent(standaloneSse.controller, standaloneSse.encoder, message, eventId);
      }
      return;
    }
    const streamId = this._requestToStreamMapping.get(requestId);
    if (!streamId) {
      throw new Error(`No connection established for request ID: ${String(requestId)}`);
    }
    let stream = this._streamMapping.get(streamId);
    if (!this._enableJsonResponse) {
      let eventId;
      if (this._eventStore) {
        eventId = await this._eventStore.storeEvent(streamId, message);
        stream = this._streamMapping.get(streamId);
      }
      if (stream?.controller && stream?.encoder && (eventId === void 0 || !stream.replayedEventIds?.has(eventId))) {
        const written = this.writeSSEEvent(stream.controller, stream.encoder, message, eventId);
        if (written && eventId !== void 0) {
          this._resumableStreams.add(streamId);
        }
      }
    }
    if (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) {
      this._requestResponseMap.set(requestId, message);
      const relatedIds = Array.from(this._requestToStreamMapping.entries()).filter(([_, sid]) => sid === streamId).map(([id]) => id);
      const allResponsesReady = relatedIds.every((id) => this._requestResponseMap.has(id));
      if (allResponsesReady) {
        if (!stream) {
          if (this._closed) {
            for (const id of relatedIds) {
              this._requestResponseMap.delete(id);
              this._requestToStreamMapping.delete(id);
            }
            return;
          }
          if (!this._enableJsonResponse && this._eventStore && this._resumableStreams.has(streamId)) {
            for (const id of relatedIds) {
              this._requestResponseMap.delete(id);
              this._requestToStreamMapping.delete(id);
            }
            this._resumableStreams.delete(streamId);
            return;
          }
          for (const id of relatedIds) {
            this._requestResponseMap.delete(id);
            this._requestToStreamMapping.delete(id);
          }
          throw new Error(`No connection established for request ID: ${String(requestId)}`);
        }
        if (this._enableJsonResponse && stream.resolveJson) {
          const headers = {
            "Content-Type": "application/json"
          };
          if (this.sessionId !== void 0) {
            headers["mcp-session-id"] = this.sessionId;
          }
          const responses = relatedIds.map((id) => this._requestResponseMap.get(id));
          if (responses.length === 1) {
            stream.resolveJson(new Response(JSON.stringify(responses[0]), {
              status: 200,
              headers
            }));
          } else {
            stream.resolveJson(new Response(JSON.stringify(responses), {
              status: 200,
              headers
            }));
          }
        } else {
          stream.cleanup();
        }
        for (const id of relatedIds) {
          this._requestResponseMap.delete(id);
          this._requestToStreamMapping.delete(id);
        }
        this._resumableStreams.delete(streamId);
      }
    }
  }
};

// src/_request_framer.ts
var CONNECTION_HEADER = "x-mcp-guard-connection";
var MAX_HEAD = 64 * 1024;
var MAX_LINE = 4096;
var CR = 13;
var LF = 10;
var RequestFramer = class {
  static {
    __name(this, "RequestFramer");
  }
  #tag;
  #state = "head";
  /**
   * The head or line being gathered, in a buffer that grows as it fills (kept as an array of
   * numbers, 65 KB of a head that never ended took 620 KB).
   */
  #pending = new Uint8Array(256);
  #filled = 0;
  /** Bytes of the body or chunk still to pass. */
  #remaining = 0;
  /** A framer for the connection `id` (letters, digits and `-` only). */
  constructor(id) {
    if (!/^[A-Za-z0-9-]+$/.test(id)) throw new TypeError(`Cannot tag with ${id}`);
    this.#tag = `${CONNECTION_HEADER}: ${id}\r
`;
  }
  /**
   * The bytes to send on for `chunk`, in order. Throws a RangeError, naming why, for a request
   * it will not pass on; the connection must then be closed.
   */
  push(chunk) {
    const out = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.#state === "body" || this.#state === "data") {
        const take = Math.min(this.#remaining, chunk.length - at);
        out.push(chunk.subarray(at, at + take));
        at += take;
        this.#remaining -= take;
        if (this.#remaining === 0) this.#state = this.#state === "body" ? "head" : "data-end";
        continue;
      }
      const byte = chunk[at++];
      const limit = this.#state === "head" ? MAX_HEAD : MAX_LINE;
      if (this.#filled >= limit) throw new RangeError("a request's head or line is too long");
      if (this.#filled === this.#pending.length) {
        const grown = new Uint8Array(Math.min(this.#pending.length * 2, MAX_HEAD));
        grown.set(this.#pending);
        this.#pending = grown;
      }
      this.#pending[this.#filled++] = byte;
      if (byte !== LF) continue;
      const n = this.#filled;
      if (this.#state === "head") {
        if (n === 2 && this.#pending[0] === CR) {
          this.#filled = 0;
          continue;
        }
        if (!(n >= 4 && this.#pending[n - 2] === CR && this.#pending[n - 3] === LF)) continue;
        out.push(this.#head(latin1(this.#pending.subarray(0, n))));
      } else {
        out.push(this.#line(latin1(this.#pending.subarray(0, n))));
      }
      this.#filled = 0;
      if (this.#pending.length > 4096) this.#pending = new Uint8Array(256);
    }
    return out;
  }
  /** The head to send for `text` (a whole head, ending in an empty line); sets what follows. */
  #head(text) {
    if (/\r(?!\n)|(?<!\r)\n/.test(text)) {
      throw new RangeError("a request's head has a line ending other than CRLF");
    }
    const lines = text.slice(0, -4).split("\r\n");
    const [requestLine, ...fields] = lines;
    const kept = [];
    const lengths = /* @__PURE__ */ new Set();
    let chunked = false;
    for (const field of fields) {
      const colon = field.indexOf(":");
      if (colon <= 0 || /[\s]/.test(field.slice(0, colon))) {
        throw new RangeError("a request's head has a malformed or folded header line");
      }
      const name = field.slice(0, colon).toLowerCase();
      const value = field.slice(colon + 1).trim();
      if (name === CONNECTION_HEADER) continue;
      if (name === "content-length") {
        if (!/^\d{1,15}$/.test(value)) {
          throw new RangeError("a request's Content-Length is not a number");
        }
        lengths.add(String(Number(value)));
      }
      if (name === "transfer-encoding") {
        if (value.toLowerCase() !== "chunked" || chunked) {
          throw new RangeError("a request's Transfer-Encoding is not one 'chunked'");
        }
        chunked = true;
      }
      kept.push(field);
    }
    if (lengths.size > 1 || chunked && lengths.size > 0) {
      throw new RangeError("a request's length is given more than one way");
    }
    const length = lengths.size ? Number([
      ...lengths
    ][0]) : 0;
    if (chunked) this.#state = "size";
    else if (length > 0) {
      this.#state = "body";
      this.#remaining = length;
    } else this.#state = "head";
    return bytesOf(`${requestLine}\r
${this.#tag}${kept.map((f) => `${f}\r
`).join("")}\r
`);
  }
  /** A line of the chunked framing (`text` ends in CRLF), passed on; sets what follows. */
  #line(text) {
    if (!text.endsWith("\r\n") || /\r(?!\n)|(?<!\r)\n/.test(text)) {
      throw new RangeError("a chunk line has a line ending other than CRLF");
    }
    const line = text.slice(0, -2);
    if (this.#state === "data-end") {
      if (line !== "") throw new RangeError("a chunk does not end where its size says");
      this.#state = "size";
    } else if (this.#state === "size") {
      const size = /^([0-9A-Fa-f]{1,12})(;[^\r\n]*)?$/.exec(line);
      if (!size) throw new RangeError("a chunk's size is not a hexadecimal number");
      this.#remaining = parseInt(size[1], 16);
      this.#state = this.#remaining === 0 ? "trailer" : "data";
    } else if (line === "") {
      this.#state = "head";
    } else if (line.indexOf(":") <= 0) {
      throw new RangeError("a request's trailer line is malformed");
    }
    return bytesOf(text);
  }
};
function latin1(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    text += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return text;
}
__name(latin1, "latin1");
function bytesOf(text) {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}
__name(bytesOf, "bytesOf");

// src/_conn_guard.ts
var MAX_HEAD2 = 64 * 1024;
var H2_PREFACE = new TextEncoder().encode("PRI * HTTP/2.0\r\n");
var COPY_BYTES = 16 * 1024;
function guardConnections(listen, backend, limits = {}) {
  const maxConnections = limits.maxConnections ?? 1024;
  const maxPerAddress = limits.maxPerAddress ?? 256;
  const headerTimeoutMs = limits.headerTimeoutMs ?? 1e4;
  const idleTimeoutMs = limits.idleTimeoutMs ?? 12e4;
  const listener = Deno.listen({
    hostname: listen.hostname,
    port: listen.port
  });
  const conns = /* @__PURE__ */ new Map();
  const forwarded = /* @__PURE__ */ new Map();
  const perAddress = /* @__PURE__ */ new Map();
  let closed = false;
  const serve = /* @__PURE__ */ __name(async (conn) => {
    const from = conn.remoteAddr.hostname;
    const mine = perAddress.get(from) ?? 0;
    if (conns.size >= maxConnections || mine >= maxPerAddress) return closeQuietly(conn);
    const pair = {
      id: crypto.randomUUID(),
      client: conn,
      active: Date.now(),
      trickle: 0,
      sent: 0,
      waiting: []
    };
    conns.set(conn, pair);
    perAddress.set(from, mine + 1);
    try {
      const head = await firstHead(conn, headerTimeoutMs);
      if (!head || closed || startsWith(head, H2_PREFACE)) return;
      const to = backend();
      const inner = pair.inner = "path" in to ? await Deno.connect(to) : await Deno.connect(to);
      pair.active = Date.now();
      const framer = new RequestFramer(pair.id);
      forwarded.set(pair.id, pair);
      for (const part of framer.push(head)) await writeAll(inner, part);
      const up = copy(conn, inner, (n) => {
        pair.trickle += n;
        if (pair.trickle >= CLIENT_ACTIVITY_BYTES) {
          pair.trickle = 0;
          pair.active = Date.now();
        }
      }, void 0, (chunk) => framer.push(chunk)).then(() => inner.closeWrite()).catch(() => {
        closeQuietly(conn);
        closeQuietly(inner);
      });
      await copy(inner, conn, () => {
        pair.trickle = 0;
        pair.active = Date.now();
      }, (n) => {
        pair.sent += n;
        wakeAll(pair);
      }).catch(() => {
      });
      closeQuietly(conn);
      await up;
    } catch {
    } finally {
      conns.delete(conn);
      closeQuietly(conn);
      forwarded.delete(pair.id);
      if (pair.inner) closeQuietly(pair.inner);
      pair.ended = true;
      wakeAll(pair);
      const left = (perAddress.get(from) ?? 1) - 1;
      if (left > 0) perAddress.set(from, left);
      else perAddress.delete(from);
    }
  }, "serve");
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const [conn, pair] of conns) {
      if (pair.inner && now - pair.active > idleTimeoutMs) {
        closeQuietly(conn);
        closeQuietly(pair.inner);
      }
    }
  }, Math.min(idleTimeoutMs / 4, 1e4));
  Deno.unrefTimer(sweeper);
  (async () => {
    while (!closed) {
      let conn;
      try {
        conn = await listener.accept();
      } catch {
        if (closed) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      serve(conn);
    }
  })();
  return {
    addr: listener.addr,
    outgoing(id) {
      const pair = id === null ? void 0 : forwarded.get(id);
      if (!pair) return void 0;
      return {
        get sent() {
          return pair.sent;
        },
        get ended() {
          return pair.ended === true;
        },
        next: /* @__PURE__ */ __name(() => pair.ended ? Promise.resolve() : new Promise((resolve) => pair.waiting.push(resolve)), "next"),
        close: /* @__PURE__ */ __name(() => {
          closeQuietly(pair.client);
          if (pair.inner) closeQuietly(pair.inner);
        }, "close")
      };
    },
    close() {
      if (closed) return;
      closed = true;
      clearInterval(sweeper);
      try {
        listener.close();
      } catch {
      }
      for (const [conn, pair] of conns) {
        closeQuietly(conn);
        if (pair.inner) closeQuietly(pair.inner);
      }
      conns.clear();
    }
  };
}
__name(guardConnections, "guardConnections");
async function firstHead(conn, ms) {
  const timer = setTimeout(() => closeQuietly(conn), ms);
  try {
    const buffer = new Uint8Array(MAX_HEAD2);
    let filled = 0;
    while (filled < MAX_HEAD2) {
      const n = await conn.read(buffer.subarray(filled));
      if (n === null) return void 0;
      const from = Math.max(filled - 3, 0);
      filled += n;
      if (endOfHead(buffer, from, filled)) return buffer.slice(0, filled);
    }
    return void 0;
  } catch {
    return void 0;
  } finally {
    clearTimeout(timer);
  }
}
__name(firstHead, "firstHead");
function endOfHead(buffer, from, length) {
  for (let i = from + 3; i < length; i++) {
    if (buffer[i] === 10 && buffer[i - 1] === 13 && buffer[i - 2] === 10 && buffer[i - 3] === 13) return true;
  }
  return false;
}
__name(endOfHead, "endOfHead");
function startsWith(bytes, prefix) {
  return bytes.length >= prefix.length && prefix.every((byte, i) => bytes[i] === byte);
}
__name(startsWith, "startsWith");
function wakeAll(pair) {
  const waiting = pair.waiting;
  pair.waiting = [];
  for (const wake of waiting) wake();
}
__name(wakeAll, "wakeAll");
var CLIENT_ACTIVITY_BYTES = 1024;
async function copy(from, to, moved, written, frame) {
  const buffer = new Uint8Array(COPY_BYTES);
  while (true) {
    const n = await from.read(buffer);
    if (n === null) return;
    moved(n);
    if (frame) {
      const parts = frame(buffer.subarray(0, n));
      const length = parts.reduce((sum, part) => sum + part.length, 0);
      await writeAll(to, parts.length === 1 ? parts[0] : concatBytes(parts, length));
    } else await writeAll(to, buffer.subarray(0, n));
    written?.(n);
  }
}
__name(copy, "copy");
async function writeAll(conn, data) {
  for (let at = 0; at < data.length; ) at += await conn.write(data.subarray(at));
}
__name(writeAll, "writeAll");
function closeQuietly(conn) {
  try {
    conn.close();
  } catch {
  }
}
__name(closeQuietly, "closeQuietly");

// src/_unsent.ts
var EMPTY = new Uint8Array(0);
var PIECE = 64 * 1024;
var WINDOW = 1024 * 1024;
var DROPPED = new Error("Answer dropped: its client did not take it");
var UnsentAnswers = class {
  static {
    __name(this, "UnsentAnswers");
  }
  #budget;
  #dropped;
  #pending = /* @__PURE__ */ new Set();
  #waiting = 0;
  /**
   * `budget` is the most bytes held for all answers together; `dropped` is told of each answer
   * dropped to keep within it, with the bytes it had waiting.
   */
  constructor(budget, dropped) {
    this.#budget = budget;
    this.#dropped = dropped;
  }
  /**
   * `response` with its body passed through the ledger. A body already complete (JSON) that fits
   * one piece is sent as it is; others go a piece at a time, read from `response` as they come.
   */
  async meter(response, outgoing) {
    if (!response.body) return response;
    const init = {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers
    };
    if (!response.headers.get("content-type")?.startsWith("text/event-stream")) {
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (bytes.length <= PIECE) return new Response(bytes, init);
      return new Response(this.#relay(outgoing, null, bytes), init);
    }
    return new Response(this.#relay(outgoing, response.body.getReader()), init);
  }
  /** A body that sends `whole`, or else what `reader` reads, a piece at a time. */
  #relay(outgoing, reader, whole) {
    let pieces = [];
    let handed = 0;
    const start = outgoing?.sent ?? 0;
    let next = 0;
    let ended = false;
    let failure;
    let wake;
    let out;
    const release = /* @__PURE__ */ __name(() => {
      this.#waiting -= pending.waiting;
      pending.waiting = 0;
      this.#pending.delete(pending);
    }, "release");
    const pending = {
      waiting: 0,
      since: Date.now(),
      drop: /* @__PURE__ */ __name(() => {
        const bytes = pending.waiting;
        release();
        pieces = [];
        next = 0;
        ended = true;
        reader?.cancel().catch(() => {
        });
        if (out) end(out);
        wake?.();
        this.#dropped(bytes);
      }, "drop")
    };
    this.#pending.add(pending);
    const end = /* @__PURE__ */ __name((controller) => {
      outgoing?.close();
      try {
        if (outgoing) controller.close();
        else controller.error(DROPPED);
      } catch {
      }
    }, "end");
    const add = /* @__PURE__ */ __name((bytes) => {
      for (let at = 0; at < bytes.length; at += PIECE) pieces.push(bytes.slice(at, at + PIECE));
      pending.waiting += bytes.length;
      this.#waiting += bytes.length;
      wake?.();
      if (this.#waiting > this.#budget) this.#dropStalled();
    }, "add");
    if (whole) {
      add(whole);
      ended = true;
    } else {
      (async () => {
        try {
          while (!ended) {
            const { done, value } = await reader.read();
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
    return new ReadableStream({
      start(controller) {
        out = controller;
      },
      pull: /* @__PURE__ */ __name(async (controller) => {
        while (next === pieces.length && !ended) {
          await new Promise((resolve) => wake = resolve);
        }
        wake = void 0;
        while (outgoing && !outgoing.ended && handed - (outgoing.sent - start) > WINDOW && this.#pending.has(pending)) {
          await outgoing.next();
        }
        if (next < pieces.length) {
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
        if (!this.#pending.has(pending)) return end(controller);
        release();
        if (failure !== void 0) controller.error(failure);
        else controller.close();
      }, "pull"),
      cancel: /* @__PURE__ */ __name((reason) => {
        release();
        pieces = [];
        ended = true;
        wake?.();
        return reader?.cancel(reason);
      }, "cancel")
    }, {
      highWaterMark: 0
    });
  }
  /**
   * Drops answers, the one whose connection has taken nothing for longest first, until all fit
   * the budget. (Dropping the one with the most bytes waiting dropped each new answer whole, of a
   * client reading at full speed too, once stalled ones had filled the budget.)
   */
  #dropStalled() {
    while (this.#waiting > this.#budget) {
      let stalled;
      for (const pending of this.#pending) {
        if (pending.waiting > 0 && (!stalled || pending.since < stalled.since)) stalled = pending;
      }
      if (!stalled) return;
      stalled.drop();
    }
  }
};

// src/http.ts
function isLoopback(hostname) {
  return hostname === "localhost" || hostname === "::1" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
__name(isLoopback, "isLoopback");
function serveHttp(options, makeSession, modern) {
  const hostname = options.hostname ?? "127.0.0.1";
  const { log } = options;
  if (!isLoopback(hostname) && !options.token) {
    throw new TypeError(`Cannot listen on ${hostname} without a token: anyone who can reach it could run code; set MCP_AUTH_TOKEN (or --auth-token), or listen on 127.0.0.1`);
  }
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const keepAliveMs = Math.min(KEEP_ALIVE_MS, (options.connections?.idleTimeoutMs ?? 12e4) / 4);
  const bodies = {
    held: 0,
    max: Math.max(options.bodyBudgetBytes ?? BODY_BUDGET, maxBody),
    timeoutMs: options.bodyTimeoutMs ?? 3e4
  };
  const idleMs = (options.idleMinutes ?? 30) * 6e4;
  const answerBudget = Math.max(options.answerBudgetBytes ?? ANSWER_BUDGET, 16 * 1024 * 1024);
  const unsent = new UnsentAnswers(answerBudget, (bytes) => log.warn(`dropped an answer of ${(bytes / 1024 / 1024).toFixed(1)} MiB that its client had not taken: answers waiting for their clients took over ${answerBudget / 1024 / 1024} MiB`));
  const maxSessions = options.maxSessions ?? 1024;
  const full = /* @__PURE__ */ __name((what) => rpcError(503, -32e3, `Cannot open a session: the server has ${maxSessions} ${what}; end one (DELETE) or wait for idle ones to end`), "full");
  const sessions = /* @__PURE__ */ new Map();
  const expected = options.token ? digest(options.token) : void 0;
  let hosts = /* @__PURE__ */ new Set();
  const owners = /* @__PURE__ */ new Map();
  let loadingModern;
  const serveModern = /* @__PURE__ */ __name(async (request, parsedBody) => {
    const make = await (loadingModern ??= modern.load());
    const given = /^Bearer\s+(.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];
    const key = given ? (await digest(given)).toHex() : "";
    let owner = owners.get(key);
    if (!owner) {
      if (owners.size >= maxSessions) evictIdleOwner();
      if (owners.size >= maxSessions) return full("bearer tokens with sandboxes");
      const tenant = key ? `token-${key.slice(0, 32)}` : "anonymous";
      const session = modern.session(tenant);
      owner = {
        session,
        handler: make(session, tenant)
      };
      owners.set(key, owner);
    }
    return await lateAsStream(owner.handler.fetch(request, {
      parsedBody
    }), keepAliveMs);
  }, "serveModern");
  const evictAfterMs = options.evictIdleAfterMs ?? 6e4;
  const evictIdleSession = /* @__PURE__ */ __name(() => {
    let oldest;
    const now = Date.now();
    for (const [id, entry] of sessions) {
      if (entry.inFlight > 0 || entry.session.sandboxCount > 0) continue;
      if (now - entry.lastSeen < evictAfterMs) continue;
      if (!oldest || entry.lastSeen < oldest[1].lastSeen) oldest = [
        id,
        entry
      ];
    }
    if (oldest) {
      endSession(oldest[0], "the server was full, and it held no sandbox").catch(() => {
      });
    }
  }, "evictIdleSession");
  const evictIdleOwner = /* @__PURE__ */ __name(() => {
    const now = Date.now();
    let oldest;
    for (const [key, owner] of owners) {
      const idle = owner.session.idleSince(now);
      if (idle === 0 || idle < evictAfterMs || owner.session.sandboxCount > 0) continue;
      if (!oldest || idle > oldest[1].session.idleSince(now)) oldest = [
        key,
        owner
      ];
    }
    if (!oldest) return;
    owners.delete(oldest[0]);
    oldest[1].handler.close().catch(() => {
    });
    oldest[1].session.close().catch(() => {
    });
  }, "evictIdleOwner");
  const endSession = /* @__PURE__ */ __name(async (id, why) => {
    const entry = sessions.get(id);
    if (!entry) return;
    sessions.delete(id);
    options.onSessionEnd?.(id);
    log.info(`http session ${id.slice(0, 8)} ended (${why})`);
    await entry.transport.close().catch(() => {
    });
    await entry.session.close();
  }, "endSession");
  const handler = /* @__PURE__ */ __name(async (request) => {
    if (!hosts.has((request.headers.get("host") ?? "").toLowerCase())) {
      return plain(403, "Forbidden: unexpected Host header");
    }
    const url = new URL(request.url);
    if (url.pathname !== "/mcp") return plain(404, "Not found: the MCP endpoint is /mcp");
    const origin = request.headers.get("origin");
    if (origin !== null && !originAllowed(origin, options.allowedOrigins)) {
      return plain(403, "Forbidden: cross-origin requests are not allowed");
    }
    if (expected) {
      const given = /^Bearer\s+(.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];
      if (!given || !timingSafeEqual(await expected, await digest(given))) {
        return new Response("Unauthorized: a valid bearer token is required", {
          status: 401,
          headers: {
            "WWW-Authenticate": 'Bearer realm="mcp"',
            Connection: "close"
          }
        });
      }
    }
    const sessionId = request.headers.get("mcp-session-id");
    let parsedBody;
    if (request.method === "POST") {
      const text = await readBody(request, maxBody, bodies);
      if (text instanceof Response) return text;
      const excess = jsonExcess(text, {
        depth: MAX_NESTING
      });
      if (excess !== void 0) return rpcError(400, -32700, `Parse error: ${excess}`);
      try {
        parsedBody = JSON.parse(text);
      } catch {
        return rpcError(400, -32700, "Parse error: the body is not JSON");
      }
    }
    if (sessionId) {
      const entry2 = sessions.get(sessionId);
      if (!entry2) return rpcError(404, -32001, "Session not found", true);
      entry2.lastSeen = Date.now();
      entry2.inFlight++;
      try {
        const answered = entry2.transport.handleRequest(request, {
          parsedBody
        });
        entry2.transport.cancelled(cancelledIds(parsedBody));
        if (!answersInJson(request, parsedBody)) {
          return cancelOnDisconnect(await answered, parsedBody, entry2.transport);
        }
        return await jsonOrStream(parsedBody, entry2.transport, answered, keepAliveMs);
      } finally {
        entry2.inFlight--;
        entry2.lastSeen = Date.now();
      }
    }
    if (modern && (isModern(parsedBody) || (request.headers.get("mcp-protocol-version") ?? "") >= "2026-07-28")) {
      return await serveModern(request, parsedBody);
    }
    if (request.method !== "POST" || !isInitialize(parsedBody)) {
      return rpcError(400, -32e3, "Bad request: no mcp-session-id, and not an initialize request", true);
    }
    if (sessions.size >= maxSessions) evictIdleSession();
    if (sessions.size >= maxSessions) return full("sessions");
    const made = makeSession();
    const entry = {
      ...made,
      transport: void 0,
      lastSeen: Date.now(),
      inFlight: 0
    };
    entry.transport = new Transport({
      sessionIdGenerator: /* @__PURE__ */ __name(() => crypto.randomUUID(), "sessionIdGenerator"),
      onsessioninitialized: /* @__PURE__ */ __name((id) => {
        sessions.set(id, entry);
        log.info(`http session ${id.slice(0, 8)} started`);
      }, "onsessioninitialized"),
      onsessionclosed: /* @__PURE__ */ __name((id) => endSession(id, "closed by the client"), "onsessionclosed")
    });
    await made.server.connect(entry.transport);
    return await entry.transport.handleRequest(request, {
      parsedBody
    });
  }, "handler");
  const abort = new AbortController();
  const socketDir = privateDirectory();
  if (!socketDir) {
    log.info("the HTTP server's inner listener is on 127.0.0.1, where other local users can reach it: allow Deno to read and write the temporary directory (--allow-read=/tmp --allow-write=/tmp) to put it on a unix socket only this user can reach");
  }
  let started = 0;
  const serveBackend = /* @__PURE__ */ __name(() => {
    const handle = /* @__PURE__ */ __name((request) => {
      const outgoing = guard.outgoing(request.headers.get(CONNECTION_HEADER));
      if (!outgoing) {
        return new Response(null, {
          status: 403,
          headers: {
            connection: "close"
          }
        });
      }
      return handler(request).then((response) => unsent.meter(response, outgoing));
    }, "handle");
    const options2 = {
      signal: abort.signal,
      onListen: /* @__PURE__ */ __name(() => {
      }, "onListen")
    };
    const backend = socketDir ? Deno.serve({
      ...options2,
      path: `${socketDir}/serve-${started++}.sock`
    }, handle) : Deno.serve({
      ...options2,
      hostname: "127.0.0.1",
      port: 0
    }, handle);
    backend.finished.catch((error) => {
      if (abort.signal.aborted) return;
      log.error(`the HTTP server stopped accepting (${error?.message ?? error}); starting it again`);
      restart();
    });
    return backend;
  }, "serveBackend");
  const restart = /* @__PURE__ */ __name(() => {
    if (abort.signal.aborted) return;
    try {
      server = serveBackend();
    } catch (error) {
      log.debug(`the HTTP server could not start again yet: ${error.message}`);
      setTimeout(restart, 100);
    }
  }, "restart");
  let server = serveBackend();
  const guard = guardConnections({
    hostname,
    port: options.port ?? 8765
  }, () => {
    const addr = server.addr;
    return addr.transport === "unix" ? {
      transport: "unix",
      path: addr.path
    } : {
      hostname: "127.0.0.1",
      port: addr.port
    };
  }, options.connections);
  const { port } = guard.addr;
  hosts = allowedHosts(hostname, port, options.allowedHosts);
  const shownHost = hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname;
  const endpoint = `http://${shownHost}:${port}/mcp`;
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const [id, entry] of sessions) {
      if (entry.inFlight === 0 && entry.session.idleSince(now) > idleMs && now - entry.lastSeen > idleMs) {
        endSession(id, "idle").catch(() => {
        });
      }
    }
    for (const [key, owner] of owners) {
      if (owner.session.idleSince(now) > idleMs) {
        owners.delete(key);
        log.info("2026-07-28 sandboxes of a token ended (idle)");
        owner.handler.close().catch(() => {
        });
        owner.session.close().catch(() => {
        });
      }
    }
  }, Math.min(idleMs, 6e4));
  let closing;
  const close = /* @__PURE__ */ __name(() => closing ??= (async () => {
    clearInterval(sweeper);
    await Promise.allSettled([
      ...sessions.keys()
    ].map((id) => endSession(id, "server stopping")));
    await Promise.allSettled([
      ...owners.values()
    ].map(async ({ session, handler: handler2 }) => {
      await handler2.close();
      await session.close();
    }));
    owners.clear();
    guard.close();
    abort.abort();
    await server.finished.catch(() => {
    });
    if (socketDir) await Deno.remove(socketDir, {
      recursive: true
    }).catch(() => {
    });
  })(), "close");
  return {
    url: endpoint,
    get sessions() {
      return sessions.size;
    },
    close,
    [Symbol.asyncDispose]: close
  };
}
__name(serveHttp, "serveHttp");
function allowedHosts(hostname, port, extra = []) {
  const names = /* @__PURE__ */ new Set([
    "localhost",
    "127.0.0.1",
    "[::1]",
    hostname,
    ...extra
  ]);
  if (hostname.includes(":") && !hostname.startsWith("[")) names.add(`[${hostname}]`);
  const hosts = /* @__PURE__ */ new Set();
  for (const name of names) {
    hosts.add(name.toLowerCase());
    hosts.add(`${name}:${port}`.toLowerCase());
  }
  return hosts;
}
__name(allowedHosts, "allowedHosts");
function originAllowed(origin, extra = []) {
  if (extra.includes(origin)) return true;
  try {
    const { protocol, hostname } = new URL(origin);
    return (protocol === "http:" || protocol === "https:") && isLoopback(hostname);
  } catch {
    return false;
  }
}
__name(originAllowed, "originAllowed");
async function digest(text) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}
__name(digest, "digest");
function timingSafeEqual(a, b) {
  let difference = a.length ^ b.length;
  for (let i = 0; i < Math.min(a.length, b.length); i++) difference |= a[i] ^ b[i];
  return difference === 0;
}
__name(timingSafeEqual, "timingSafeEqual");
var BODY_BUDGET = 64 * 1024 * 1024;
var ANSWER_BUDGET = 256 * 1024 * 1024;
var MAX_NESTING = 128;
async function readBody(request, limit, bodies) {
  const length = request.headers.get("content-length");
  const declared = Number(length ?? "0");
  const tooLarge = /* @__PURE__ */ __name(() => rpcError(413, -32600, `Request body over ${limit} bytes`, true), "tooLarge");
  if (declared > limit) return tooLarge();
  if (!request.body) return "";
  let held = 0;
  const hold = /* @__PURE__ */ __name((bytes) => {
    if (bodies.held + bytes > bodies.max) return false;
    bodies.held += bytes;
    held += bytes;
    return true;
  }, "hold");
  const busy = /* @__PURE__ */ __name(() => rpcError(503, -32e3, "Server busy: too many request bodies are arriving; try again", true), "busy");
  const reader = request.body.getReader();
  let late = false;
  const timer = setTimeout(() => {
    late = true;
    reader.cancel().catch(() => {
    });
  }, bodies.timeoutMs);
  try {
    let buffer = new Uint8Array(0);
    let size = 0;
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.length > limit) return tooLarge();
      if (size + value.length > buffer.length) {
        const most = length !== null ? Math.max(declared, size + value.length) : limit;
        const grown = Math.min(Math.max(buffer.length * 2, size + value.length, 65536), most);
        if (!hold(grown - buffer.length)) return busy();
        const next = new Uint8Array(grown);
        next.set(buffer.subarray(0, size));
        buffer = next;
      }
      buffer.set(value, size);
      size += value.length;
    }
    if (!late && (length === null || size === declared)) {
      return new TextDecoder().decode(buffer.subarray(0, size));
    }
  } catch {
  } finally {
    clearTimeout(timer);
    bodies.held -= held;
    reader.cancel().catch(() => {
    });
  }
  return late ? rpcError(408, -32e3, `Request timeout: the body did not arrive within ${bodies.timeoutMs / 1e3} s`, true) : rpcError(400, -32600, "Bad request: the body ended before its Content-Length", true);
}
__name(readBody, "readBody");
function privateDirectory() {
  let dir;
  try {
    dir = Deno.makeTempDirSync({
      prefix: "mcp-http-"
    });
  } catch {
    return void 0;
  }
  if (Deno.permissions.querySync({
    name: "read",
    path: dir
  }).state === "granted") return dir;
  Deno.removeSync(dir);
  return void 0;
}
__name(privateDirectory, "privateDirectory");
function isInitialize(body) {
  const messages = Array.isArray(body) ? body : [
    body
  ];
  return messages.some((m) => m?.method === "initialize");
}
__name(isInitialize, "isInitialize");
function cancelOnDisconnect(response, body, transport) {
  if (requestIds(body).length === 0 || !response.body) return response;
  const reader = response.body.getReader();
  const relayed = new ReadableStream({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      cancel(body, transport);
      return reader.cancel(reason);
    }
  });
  return new Response(relayed, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers
  });
}
__name(cancelOnDisconnect, "cancelOnDisconnect");
function cancel(body, transport) {
  for (const requestId of requestIds(body)) {
    transport.onmessage?.({
      jsonrpc: "2.0",
      method: "notifications/cancelled",
      params: {
        requestId,
        reason: "the client disconnected"
      }
    });
  }
}
__name(cancel, "cancel");
function cancelledIds(body) {
  const messages = Array.isArray(body) ? body : [
    body
  ];
  return messages.filter((m) => m?.method === "notifications/cancelled" && m.id === void 0 && (typeof m.params?.requestId === "string" || typeof m.params?.requestId === "number")).map((m) => m.params.requestId);
}
__name(cancelledIds, "cancelledIds");
function requestIds(body) {
  const messages = Array.isArray(body) ? body : [
    body
  ];
  return messages.filter((m) => m?.method && m.id !== void 0).map((m) => m.id);
}
__name(requestIds, "requestIds");
function answersInJson(request, body) {
  if (request.method !== "POST") return false;
  if (Array.isArray(body) && body.length > 1) return false;
  const messages = Array.isArray(body) ? body : [
    body
  ];
  return messages.every((m) => typeof m?.method === "string" && !m.method.startsWith("tasks/") && m.method !== "initialize" && m.params?.task === void 0 && m.params?._meta?.progressToken === void 0);
}
__name(answersInJson, "answersInJson");
var STREAM_AFTER_MS = 1e3;
var KEEP_ALIVE_MS = 15e3;
async function jsonOrStream(body, transport, answered, keepAliveMs) {
  const soon = await answeredSoon(answered);
  if (soon) return soon;
  const gone = Promise.withResolvers();
  const leave = /* @__PURE__ */ __name(() => {
    cancel(body, transport);
    transport.forget(requestIds(body));
    gone.resolve(void 0);
  }, "leave");
  const ended = transport.watchEnd();
  const withdrawn = transport.watchCancel(requestIds(body));
  const answer = Promise.race([
    answered,
    gone.promise,
    ended.promise,
    withdrawn.promise
  ]).finally(() => {
    ended.stop();
    withdrawn.stop();
  });
  return waitingStream(keepAliveMs, async (send) => {
    const response = await answer;
    if (response === "cancelled") return;
    if (response === "ended") {
      send(messageEvents(requestIds(body).map((id) => ({
        jsonrpc: "2.0",
        id,
        error: {
          code: -32e3,
          message: "The session ended before the call answered"
        }
      }))));
    } else if (response) send(messageEvents(jsonMessages(await response.text())));
  }, leave, transport.sessionId ? {
    "mcp-session-id": transport.sessionId
  } : {});
}
__name(jsonOrStream, "jsonOrStream");
async function lateAsStream(answered, keepAliveMs) {
  const soon = await answeredSoon(answered);
  if (soon) return soon;
  let reader;
  const left = /* @__PURE__ */ __name(() => void reader?.cancel().catch(() => {
  }), "left");
  return waitingStream(keepAliveMs, async (send) => {
    const response = await answered;
    if (!response.headers.get("content-type")?.startsWith("text/event-stream")) {
      send(messageEvents(jsonMessages(await response.text())));
      return;
    }
    reader = response.body?.getReader();
    try {
      while (reader) {
        const { done, value } = await reader.read();
        if (done) break;
        send(value);
      }
    } catch (error) {
      left();
      throw error;
    }
  }, left);
}
__name(lateAsStream, "lateAsStream");
async function answeredSoon(answered) {
  let timer;
  const late = new Promise((resolve) => timer = setTimeout(resolve, STREAM_AFTER_MS, null));
  return await Promise.race([
    answered,
    late
  ]).finally(() => clearTimeout(timer));
}
__name(answeredSoon, "answeredSoon");
var KEEP_ALIVE_COMMENT = new TextEncoder().encode(": keepalive\n\n");
function waitingStream(keepAliveMs, fill, left, headers = {}) {
  let keepAlive;
  const stream = new ReadableStream({
    start(controller) {
      const send = /* @__PURE__ */ __name((bytes) => controller.enqueue(bytes), "send");
      keepAlive = setInterval(() => send(KEEP_ALIVE_COMMENT), keepAliveMs);
      fill(send).catch(() => {
      }).finally(() => {
        clearInterval(keepAlive);
        try {
          controller.close();
        } catch {
        }
      });
    },
    cancel() {
      clearInterval(keepAlive);
      left();
    }
  });
  return new Response(stream, {
    headers: {
      "Content-Type": "text/event-stream",
      "Cache-Control": "no-cache, no-transform",
      "X-Accel-Buffering": "no",
      ...headers
    }
  });
}
__name(waitingStream, "waitingStream");
function jsonMessages(text) {
  return text ? [
    JSON.parse(text)
  ].flat() : [];
}
__name(jsonMessages, "jsonMessages");
function messageEvents(messages) {
  return new TextEncoder().encode(messages.map((message) => `event: message
data: ${JSON.stringify(message)}

`).join(""));
}
__name(messageEvents, "messageEvents");
var Transport = class extends WebStandardStreamableHTTPServerTransport {
  static {
    __name(this, "Transport");
  }
  handleRequest(request, options) {
    this._enableJsonResponse = answersInJson(request, options?.parsedBody);
    return super.handleRequest(request, options);
  }
  send(message, options) {
    const self = this;
    const requestId = "result" in message || "error" in message ? message.id : options?.relatedRequestId;
    const streamId = requestId === void 0 ? void 0 : self._requestToStreamMapping.get(requestId);
    const stream = streamId === void 0 ? void 0 : self._streamMapping.get(streamId);
    self._enableJsonResponse = stream?.resolveJson !== void 0;
    if (stream?.resolveJson && !stream.forgets) {
      const resolve = stream.resolveJson;
      stream.resolveJson = (response) => {
        self._streamMapping.delete(streamId);
        resolve(response);
      };
      stream.forgets = true;
    }
    return super.send(message, options);
  }
  #ended = false;
  #onEnd = /* @__PURE__ */ new Set();
  /**
   * A promise that settles once the transport closes (its session ended: answers still awaited
   * never come), and `stop` to stop watching. Each watch is its own, dropped at `stop`: one promise
   * for the session's life kept every answer raced against it (32 slow calls with 4 MB of output each
   * filled a heap of 160 MB).
   */
  watchEnd() {
    const { promise, resolve } = Promise.withResolvers();
    const end = /* @__PURE__ */ __name(() => resolve("ended"), "end");
    if (this.#ended) end();
    else this.#onEnd.add(end);
    return {
      promise,
      stop: /* @__PURE__ */ __name(() => void this.#onEnd.delete(end), "stop")
    };
  }
  async close() {
    try {
      await super.close();
    } finally {
      this.#ended = true;
      for (const end of this.#onEnd) end();
      this.#onEnd.clear();
    }
  }
  #cancels = /* @__PURE__ */ new Map();
  /**
   * A promise that settles once the client has cancelled every one of `ids`, and `stop` to stop
   * watching.
   */
  watchCancel(ids) {
    const { promise, resolve } = Promise.withResolvers();
    const left = new Set(ids);
    const one = /* @__PURE__ */ __name((id) => () => {
      left.delete(id);
      if (left.size === 0) resolve("cancelled");
    }, "one");
    for (const id of ids) this.#cancels.set(id, one(id));
    return {
      promise,
      stop: /* @__PURE__ */ __name(() => ids.forEach((id) => this.#cancels.delete(id)), "stop")
    };
  }
  /**
   * Tells of requests the client cancelled (`notifications/cancelled`): they get no answer, so
   * what waits for them ends, and an event stream left with no request to answer closes.
   */
  cancelled(ids) {
    for (const id of ids) this.#cancels.get(id)?.();
    this.forget(ids);
  }
  /**
   * Drops what the SDK keeps for requests that will never be answered (the client left, or
   * cancelled them); a stream left with no request to answer closes.
   */
  forget(ids) {
    const self = this;
    for (const id of ids) {
      const streamId = self._requestToStreamMapping.get(id);
      if (streamId === void 0) continue;
      self._requestToStreamMapping.delete(id);
      if (![
        ...self._requestToStreamMapping.values()
      ].includes(streamId)) {
        self._streamMapping.get(streamId)?.cleanup();
      }
    }
  }
};
function plain(status, text) {
  return new Response(text, {
    status,
    headers: {
      "Content-Type": "text/plain",
      Connection: "close"
    }
  });
}
__name(plain, "plain");
function rpcError(status, code, message, close = false) {
  return Response.json({
    jsonrpc: "2.0",
    error: {
      code,
      message
    },
    id: null
  }, {
    status,
    headers: close ? {
      Connection: "close"
    } : void 0
  });
}
__name(rpcError, "rpcError");
export {
  isLoopback,
  serveHttp
};
/*!
 * content-type
 * Copyright(c) 2015 Douglas Christopher Wilson
 * MIT Licensed
 */
