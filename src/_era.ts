// Which protocol era a message belongs to. A 2026-07-28 request carries its protocol version in
// `params._meta` (the "envelope"); 2025-era traffic never does. Read cheaply from the parsed body,
// so that 2025-era traffic never loads the v2 SDK.

/** The `_meta` key naming a request's protocol version (2026-07-28 and later). */
export const PROTOCOL_VERSION_META_KEY = "io.modelcontextprotocol/protocolVersion";

/** The first revision without `initialize`; revisions are ISO dates, so they sort by date. */
export const FIRST_MODERN_REVISION = "2026-07-28";

/** Whether a parsed JSON-RPC message (or batch) claims a 2026-07-28-or-later revision. */
export function isModern(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some((message) => {
    const meta = (message as { params?: { _meta?: Record<string, unknown> } } | null)?.params
      ?._meta;
    const version = meta?.[PROTOCOL_VERSION_META_KEY];
    return typeof version === "string";
  });
}
