// The host side of a sandbox's network: one unix socket that speaks the HTTP proxy protocol
// (CONNECT and absolute-form requests) and SOCKS5, and lets a connection through only to public
// internet addresses, to the domains of an allow-list, and to host loopback ports opened on purpose.
// Names are resolved here and the proxy connects to the very address it judged, so a name that
// resolves once to a public address and then to 127.0.0.1 (DNS rebinding) cannot slip through.
// The model follows Anthropic's sandbox-runtime (an HTTP and a SOCKS5 proxy behind unix sockets),
// written for Deno, with address classes judged on the resolved address rather than the name.

/** Why a destination is refused, or `"public"` when its address may be reached. */
export type AddressClass =
  | "public"
  | "loopback"
  | "private"
  | "link-local"
  | "multicast"
  | "unspecified"
  | "reserved";

/** One special-purpose address block: its prefix, its class and what it is. */
export interface AddressRange {
  /** The block in CIDR notation, e.g. "10.0.0.0/8". */
  cidr: string;
  /** The class every address in it has. */
  class: Exclude<AddressClass, "public">;
  /** What the block is for, e.g. "RFC 1918". */
  name: string;
}

/**
 * The IPv4 blocks that are not public internet addresses, first match wins (IANA's
 * special-purpose registry; the few globally reachable anycast blocks in it, like AS112, stay public).
 */
export const IPV4_RANGES: readonly AddressRange[] = [
  { cidr: "0.0.0.0/8", class: "unspecified", name: "this network" },
  { cidr: "10.0.0.0/8", class: "private", name: "RFC 1918" },
  { cidr: "100.64.0.0/10", class: "private", name: "shared address space (carrier-grade NAT)" },
  { cidr: "127.0.0.0/8", class: "loopback", name: "loopback" },
  { cidr: "169.254.0.0/16", class: "link-local", name: "link-local (cloud metadata)" },
  { cidr: "172.16.0.0/12", class: "private", name: "RFC 1918" },
  { cidr: "192.0.0.0/24", class: "reserved", name: "IETF protocol assignments" },
  { cidr: "192.0.2.0/24", class: "reserved", name: "documentation (TEST-NET-1)" },
  { cidr: "192.88.99.0/24", class: "reserved", name: "6to4 relay anycast (deprecated)" },
  { cidr: "192.168.0.0/16", class: "private", name: "RFC 1918" },
  { cidr: "198.18.0.0/15", class: "reserved", name: "benchmarking" },
  { cidr: "198.51.100.0/24", class: "reserved", name: "documentation (TEST-NET-2)" },
  { cidr: "203.0.113.0/24", class: "reserved", name: "documentation (TEST-NET-3)" },
  { cidr: "224.0.0.0/4", class: "multicast", name: "multicast" },
  { cidr: "255.255.255.255/32", class: "reserved", name: "limited broadcast" },
  { cidr: "240.0.0.0/4", class: "reserved", name: "reserved for future use" },
];

/**
 * The IPv6 blocks that are not public, first match wins. IPv4-mapped (`::ffff:0:0/96`), NAT64
 * (`64:ff9b::/96`) and 6to4 (`2002::/16`) addresses are judged by the IPv4 address they embed before
 * this table is read; anything outside global unicast (`2000::/3`) is reserved.
 */
export const IPV6_RANGES: readonly AddressRange[] = [
  { cidr: "::/128", class: "unspecified", name: "unspecified" },
  { cidr: "::1/128", class: "loopback", name: "loopback" },
  // Inside ::/8, so before it.
  { cidr: "64:ff9b:1::/48", class: "private", name: "local-use NAT64" },
  { cidr: "::/8", class: "reserved", name: "IPv4-compatible and other reserved" },
  { cidr: "100::/64", class: "reserved", name: "discard-only" },
  { cidr: "2001::/23", class: "reserved", name: "IETF protocol assignments (Teredo and others)" },
  { cidr: "2001:db8::/32", class: "reserved", name: "documentation" },
  { cidr: "3fff::/20", class: "reserved", name: "documentation" },
  { cidr: "fc00::/7", class: "private", name: "unique local" },
  { cidr: "fe80::/10", class: "link-local", name: "link-local" },
  { cidr: "fec0::/10", class: "private", name: "site-local (deprecated)" },
  { cidr: "ff00::/8", class: "multicast", name: "multicast" },
];

/** Parses a strict dotted-quad IPv4 address ("127.0.0.1", not "0x7f.1" or "010.0.0.1"). */
function parseIpv4(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

/** Parses an IPv6 address (with `::`, an embedded dotted quad, a `%zone`) into a 128-bit integer. */
function parseIpv6(text: string): bigint | null {
  const zone = text.indexOf("%");
  if (zone !== -1) text = text.slice(0, zone);
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.length > 45) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (half: string): number[] | null => {
    if (half === "") return [];
    const out: number[] = [];
    const parts = half.split(":");
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      if (i === parts.length - 1 && part.includes(".")) {
        const v4 = parseIpv4(part);
        if (v4 === null) return null;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
        out.push(parseInt(part, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (head === null || tail === null) return null;
  let all: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return null;
    all = [...head, ...new Array<number>(fill).fill(0), ...tail];
  } else {
    if (head.length !== 8) return null;
    all = head;
  }
  let value = 0n;
  for (const group of all) value = (value << 16n) | BigInt(group);
  return value;
}

interface ParsedIp {
  version: 4 | 6;
  value: bigint;
  /** The canonical text, what the proxy connects to. */
  text: string;
}

function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

function formatIpv6(value: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  // The longest run of two or more zero groups becomes "::" (RFC 5952).
  let best = -1, bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (best === -1) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLength).join(":")}`;
}

/** Parses an IPv4 or IPv6 literal (IPv6 may be in brackets); null for anything else. */
function parseIp(text: string): ParsedIp | null {
  if (text.startsWith("[") && text.endsWith("]")) text = text.slice(1, -1);
  const v4 = parseIpv4(text);
  if (v4 !== null) return { version: 4, value: BigInt(v4), text: formatIpv4(v4) };
  if (!text.includes(":")) return null;
  const v6 = parseIpv6(text);
  if (v6 === null || text.includes("%")) return null;
  return { version: 6, value: v6, text: formatIpv6(v6) };
}

interface CompiledRange extends AddressRange {
  base: bigint;
  shift: bigint;
}

function compile(ranges: readonly AddressRange[], bits: number): CompiledRange[] {
  return ranges.map((range) => {
    const [address, length] = range.cidr.split("/");
    const value = bits === 32 ? BigInt(parseIpv4(address)!) : parseIpv6(address)!;
    const shift = BigInt(bits - Number(length));
    return { ...range, base: value >> shift, shift };
  });
}

const V4 = compile(IPV4_RANGES, 32);
const V6 = compile(IPV6_RANGES, 128);

/** The class of an address and the block that gave it, e.g. private "10.0.0.0/8 (RFC 1918)". */
interface Judgement {
  class: AddressClass;
  /** The special-purpose block, absent for public addresses. */
  range?: CompiledRange;
  /** The IPv4 address it embeds, when it was judged by it. */
  embedded?: string;
}

function judgeV4(value: bigint): Judgement {
  const range = V4.find((r) => value >> r.shift === r.base);
  return range ? { class: range.class, range } : { class: "public" };
}

function judge(ip: ParsedIp): Judgement {
  if (ip.version === 4) return judgeV4(ip.value);
  const v = ip.value;
  const embedded = (v4: bigint): Judgement => ({
    ...judgeV4(v4),
    embedded: formatIpv4(Number(v4)),
  });
  if (v >> 32n === 0xffffn) return embedded(v & 0xffffffffn); // ::ffff:a.b.c.d
  if (v >> 32n === 0x0064ff9b0000000000000000n) return embedded(v & 0xffffffffn); // 64:ff9b::/96
  if (v >> 112n === 0x2002n) return embedded((v >> 80n) & 0xffffffffn); // 2002:AABB:CCDD::/48
  const range = V6.find((r) => v >> r.shift === r.base);
  if (range) return { class: range.class, range };
  if (v >> 125n !== 1n) {
    return {
      class: "reserved",
      range: {
        cidr: "outside 2000::/3",
        class: "reserved",
        name: "not global unicast",
        base: 0n,
        shift: 0n,
      },
    };
  }
  return { class: "public" };
}

/**
 * The class of an IP address: `"public"` when a sandbox may reach it, else why not. IPv4 private
 * blocks are 10/8, 172.16/12, 192.168/16 and 100.64/10, IPv6's fc00::/7; link-local is 169.254/16
 * and fe80::/10; loopback 127/8 and ::1; multicast 224/4 and ff00::/8; unspecified 0/8 and ::.
 * Reserved are the other special-purpose blocks of {@linkcode IPV4_RANGES} and
 * {@linkcode IPV6_RANGES} (240/4, 255.255.255.255, 192.0.0/24, 198.18/15, the documentation blocks,
 * 2001::/23, and all IPv6 outside 2000::/3). IPv4-mapped, NAT64 and 6to4 addresses are judged by
 * the IPv4 address they embed.
 *
 * @param ip An IPv4 dotted quad or an IPv6 literal, with or without brackets and zone.
 * @throws {TypeError} When `ip` is not an IP literal.
 *
 * @example Metadata endpoints are link-local, a mapped loopback is loopback
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { classifyAddress } from "./_egress.ts";
 * equal(classifyAddress("169.254.169.254"), "link-local");
 * equal(classifyAddress("::ffff:127.0.0.1"), "loopback");
 * equal(classifyAddress("2606:4700::1111"), "public");
 * ```
 */
export function classifyAddress(ip: string): AddressClass {
  const zone = ip.indexOf("%");
  const parsed = parseIp(zone === -1 ? ip : ip.slice(0, zone));
  if (parsed === null) throw new TypeError(`Cannot classify address: "${ip}" is not an IP literal`);
  return judge(parsed).class;
}

function normalizeHost(host: string): string {
  host = host.toLowerCase();
  if (host.endsWith(".")) host = host.slice(0, -1);
  return host;
}

/**
 * Whether `host` is on a domain allow-list. Patterns are exact names or `*.example.org`, which
 * matches every subdomain of example.org but not example.org itself; case and a trailing dot are
 * ignored. An IP literal matches only a pattern that is the same address.
 *
 * @example Wildcards match subdomains only
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { matchesDomain } from "./_egress.ts";
 * equal(matchesDomain("files.PyPI.org.", ["*.pypi.org"]), true);
 * equal(matchesDomain("pypi.org", ["*.pypi.org"]), false);
 * equal(matchesDomain("::1", ["0:0::1"]), true);
 * ```
 */
export function matchesDomain(host: string, patterns: readonly string[]): boolean {
  const ip = parseIp(host);
  if (ip !== null) return patterns.some((pattern) => parseIp(pattern)?.text === ip.text);
  host = normalizeHost(host);
  if (host === "") return false;
  return patterns.some((raw) => {
    const pattern = normalizeHost(raw);
    if (pattern.startsWith("*.")) {
      const suffix = pattern.slice(1);
      return suffix.length > 1 && host.length > suffix.length && host.endsWith(suffix);
    }
    return pattern !== "" && !pattern.includes("*") && host === pattern;
  });
}

/** What the sandbox may reach through an {@linkcode EgressProxy}. */
export interface EgressPolicy {
  /** When set, only these domains (and IP literals listed) may be reached; else any public address. */
  allowDomains?: readonly string[];
  /**
   * Host loopback ports that may be reached on purpose (e.g. 5432): 127.0.0.1, ::1 and "localhost"
   * with these ports only, whatever `allowDomains` says; names on the allow-list that resolve to
   * loopback reach these ports too.
   */
  allowHostPorts?: readonly number[];
  /**
   * Name resolution. Tests map names to 127.0.0.1 with it.
   * @default A and AAAA records from Deno.resolveDns
   */
  resolve?: (hostname: string, signal?: AbortSignal) => Promise<string[]>;
  /**
   * Opens the TCP connection to an address the policy allowed, an IP literal (tests refuse anything
   * but loopback with it, whatever the code under test decided).
   * @default Deno.connect
   */
  connect?: (address: string, port: number, signal: AbortSignal) => Promise<Deno.TcpConn>;
  /**
   * Debug logging of refusals (a function taking a message). Sandbox code decides how often it is
   * called, so the proxy passes on at most {@linkcode LOG_BURST} messages at once and
   * {@linkcode LOG_PER_SECOND} a second after that, and says how many it left out.
   */
  log?: (message: string) => void;
  /** Client connections served at once; more are closed at once. @default 256 */
  maxConnections?: number;
  /** Milliseconds a client has to send its request head or SOCKS5 request. @default 30000 */
  headTimeoutMs?: number;
}

/** How a refusal reads; the flag names are those of the server's command line. */
const POLICY_PREFIX = "Refused by the sandbox's network policy";
const HINT =
  "sandboxes reach only public internet addresses (host ports opened with --allow-host-port, " +
  "domains allowed with --network-allow)";

/** Largest request head (request line and headers). */
const MAX_HEAD_BYTES = 64 * 1024;
/** Time for resolving a name, and for each connection attempt. */
const RESOLVE_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 10_000;
/** Addresses tried in turn when a connection attempt fails. */
const MAX_ATTEMPTS = 3;
/**
 * Copy buffer per direction of a tunnel: small at first, large once a read fills it (bulk transfers
 * run about 15% faster with 256 KiB than with 64 KiB; idle tunnels keep 16 KiB).
 */
const COPY_BUFFER_BYTES = [16 * 1024, 256 * 1024] as const;
/**
 * Directions of one proxy's tunnels that hold a large buffer at once; the others keep small ones.
 * A buffer stays large while its tunnel idles, and the server's memory is no sandbox's budget: 256
 * tunnels kept busy once held 128 MiB of it; now at most 8 MiB more than small buffers take.
 */
const LARGE_BUFFERS = 32;
/**
 * Log messages one proxy passes on at once, and a second after that. A sandbox that opened refused
 * connections in a loop wrote 526 000 lines in 20 s, each a `notifications/message` to a client
 * that asked for debug messages.
 */
const LOG_BURST = 50;
const LOG_PER_SECOND = 10;

/** The outcome of judging one destination: the addresses to try in order, or why not. */
export type EgressVerdict =
  | { ok: true; addresses: string[] }
  | { ok: false; kind: "policy" | "resolve"; message: string };

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

function describe(address: string, j: Judgement): string {
  const range = j.range ? ` (${j.range.cidr}, ${j.range.name})` : "";
  const via = j.embedded ? ` embedding ${j.embedded}` : "";
  return `${address}${via} is ${j.class === "unspecified" ? "an" : "a"} ${j.class} address${range}`;
}

/**
 * Whether `ip` is the host's localhost, 127.0.0.1 or ::1 (or 127.0.0.1 mapped into IPv6): the
 * address an opened host port is reached on. The rest of 127.0.0.0/8 (systemd-resolved's
 * 127.0.0.53, services bound to 127.0.0.2) stays closed.
 */
function isLocalhost(ip: ParsedIp): boolean {
  return ip.version === 4
    ? ip.value === 0x7f000001n
    : ip.value === 1n || ip.value === 0xffff7f000001n;
}

function isHostLoopback(ip: ParsedIp): boolean {
  // Only the host's own loopback, not a NAT64 or 6to4 address that embeds 127.x.
  if (ip.version === 4) return ip.value >> 24n === 127n;
  return ip.value === 1n || ip.value >> 24n === 0xffff7fn;
}

async function defaultResolve(hostname: string, signal?: AbortSignal): Promise<string[]> {
  const [a, aaaa] = await Promise.allSettled([
    Deno.resolveDns(hostname, "A", { signal }),
    Deno.resolveDns(hostname, "AAAA", { signal }),
  ]);
  if (a.status === "rejected" && aaaa.status === "rejected") throw a.reason;
  return [
    ...(a.status === "fulfilled" ? a.value : []),
    ...(aaaa.status === "fulfilled" ? aaaa.value : []),
  ];
}

function defaultConnect(address: string, port: number, signal: AbortSignal): Promise<Deno.TcpConn> {
  return Deno.connect({ hostname: address, port, signal, autoSelectFamily: false });
}

/** Runs `task` with a deadline and the proxy's closing signal; rejects when either fires. */
async function bounded<T>(
  task: (signal: AbortSignal) => Promise<T>,
  ms: number,
  closing: AbortSignal,
  what: string,
): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onClose: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`${what} timed out after ${ms / 1000} s`));
    }, ms);
    onClose = () => {
      controller.abort();
      reject(new Error("the proxy is closing"));
    };
    closing.addEventListener("abort", onClose, { once: true });
  });
  try {
    if (closing.aborted) throw new Error("the proxy is closing");
    return await Promise.race([task(controller.signal), stop]);
  } finally {
    clearTimeout(timer);
    closing.removeEventListener("abort", onClose!);
  }
}

/**
 * Judges a destination: the addresses the proxy may connect to, in order, or why not. Resolves
 * names through `policy.resolve` (never for literals or localhost); connects nowhere.
 */
export async function judgeDestination(
  rawHost: string,
  port: number,
  policy: EgressPolicy,
  signal: AbortSignal = new AbortController().signal,
): Promise<EgressVerdict> {
  const refuse = (message: string): EgressVerdict => ({
    ok: false,
    kind: "policy",
    message: `${POLICY_PREFIX}: ${message}`,
  });
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return refuse(`port ${port} is not a port a connection can go to`);
  }
  const literal = parseIp(rawHost);
  const host = literal ? literal.text : normalizeHost(rawHost);
  const hostPorts = policy.allowHostPorts ?? [];
  const hostPortOpen = hostPorts.includes(port);
  const portsNote = hostPorts.length > 0
    ? `only host ports ${hostPorts.join(", ")} are opened with --allow-host-port`
    : "no host port is opened with --allow-host-port";
  let localhost = false;
  if (!literal) {
    const labels = host.split(".");
    if (host.length === 0 || host.length > 253 || !labels.every((l) => LABEL.test(l))) {
      return refuse(`"${rawHost.slice(0, 100)}" is not a valid host name`);
    }
    // Names whose last label is numeric are IPv4 in a form other than a dotted quad ("0x7f.1",
    // "2130706433"), which some resolvers would turn into loopback.
    if (/^(?:[0-9]+|0x[0-9a-f]*)$/.test(labels[labels.length - 1])) {
      return refuse(`"${host}" is not a valid IP address (write IPv4 as a dotted quad)`);
    }
    localhost = host === "localhost" || host.endsWith(".localhost");
  }
  const namedLoopback = localhost || (literal !== null && isHostLoopback(literal));
  if (policy.allowDomains && !(namedLoopback && hostPortOpen)) {
    if (!matchesDomain(host, policy.allowDomains)) {
      const list = policy.allowDomains.slice(0, 8).join(", ") +
        (policy.allowDomains.length > 8 ? ", ..." : "");
      return refuse(
        `${host} is not on the sandbox's domain allow-list (${list || "empty"}); ` +
          `domains are allowed with --network-allow`,
      );
    }
  }

  let resolved: string[];
  if (literal) resolved = [literal.text];
  else if (localhost) resolved = ["127.0.0.1", "::1"];
  else {
    try {
      resolved = await bounded(
        (s) => (policy.resolve ?? defaultResolve)(host, s),
        RESOLVE_TIMEOUT_MS,
        signal,
        "name resolution",
      );
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { ok: false, kind: "resolve", message: `Cannot resolve ${host}: ${reason}` };
    }
  }
  const parsed = resolved.map((text) => parseIp(text)).filter((ip) => ip !== null);
  if (parsed.length === 0) {
    return { ok: false, kind: "resolve", message: `Cannot resolve ${host}: no A or AAAA records` };
  }
  const addresses: string[] = [];
  const refusals: string[] = [];
  for (const ip of parsed) {
    const judgement = judge(ip);
    if (judgement.class === "public" || (hostPortOpen && isLocalhost(ip))) {
      if (!addresses.includes(ip.text)) addresses.push(ip.text);
    } else {
      refusals.push(describe(ip.text, judgement));
    }
  }
  if (addresses.length > 0) return { ok: true, addresses };
  const loopbackNote = parsed.some(isHostLoopback) ? ` and ${portsNote}` : "";
  if (literal) return refuse(`${refusals[0]}${loopbackNote}; ${HINT}`);
  const classes = [...new Set(parsed.map((ip) => judge(ip).class))].join(" and ");
  const list = parsed.slice(0, 4).map((ip) => ip.text).join(", ") +
    (parsed.length > 4 ? ", ..." : "");
  return refuse(`${host} resolves only to ${classes} addresses (${list})${loopbackNote}; ${HINT}`);
}

/** Reads a connection through one buffer, for the request head and the SOCKS5 handshake. */
export class HeadReader {
  #conn: Deno.Conn;
  #buffer = new Uint8Array(4096);
  #start = 0;
  #end = 0;

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  /** Reads more bytes; false at the end of the stream. */
  async #fill(limit: number): Promise<boolean> {
    if (this.#end === this.#buffer.length) {
      const size = this.#end - this.#start;
      if (this.#start > 0 && size < this.#buffer.length / 2) {
        this.#buffer.copyWithin(0, this.#start, this.#end);
      } else {
        const bigger = new Uint8Array(Math.min(limit + 1, this.#buffer.length * 2));
        if (bigger.length <= size) throw new HeadError(431, "the request head is too large");
        bigger.set(this.#buffer.subarray(this.#start, this.#end));
        this.#buffer = bigger;
      }
      this.#start = 0;
      this.#end = size;
    }
    const n = await this.#conn.read(this.#buffer.subarray(this.#end));
    if (n === null) return false;
    this.#end += n;
    return true;
  }

  /** The next byte, left unread; null at the end of the stream. */
  async peek(): Promise<number | null> {
    while (this.#end === this.#start) {
      if (!await this.#fill(4096)) return null;
    }
    return this.#buffer[this.#start];
  }

  /** Exactly `n` bytes (n ≤ 4096). */
  async exact(n: number): Promise<Uint8Array> {
    while (this.#end - this.#start < n) {
      if (!await this.#fill(4096)) throw new HeadError(400, "the client closed the connection");
    }
    const out = this.#buffer.slice(this.#start, this.#start + n);
    this.#start += n;
    return out;
  }

  /** The bytes up to and including the blank line that ends an HTTP head. */
  async head(): Promise<Uint8Array> {
    // Bytes after #start already searched, so that a head sent a byte at a time costs O(n).
    let searched = 0;
    while (true) {
      const from = this.#start + Math.max(0, searched - 3);
      const end = indexOfBlankLine(this.#buffer, from, this.#end);
      if (end !== -1) {
        const out = this.#buffer.slice(this.#start, end);
        this.#start = end;
        return out;
      }
      searched = this.#end - this.#start;
      if (searched > MAX_HEAD_BYTES) {
        throw new HeadError(431, `the request head is larger than ${MAX_HEAD_BYTES / 1024} KiB`);
      }
      if (!await this.#fill(MAX_HEAD_BYTES)) {
        throw new HeadError(400, "the client closed the connection before the end of the head");
      }
    }
  }

  /** What was read past the head: the first bytes of the tunnel or body. */
  rest(): Uint8Array {
    return this.#buffer.subarray(this.#start, this.#end);
  }
}

function indexOfBlankLine(buffer: Uint8Array, from: number, to: number): number {
  for (let i = from; i + 3 < to; i++) {
    if (
      buffer[i] === 13 && buffer[i + 1] === 10 && buffer[i + 2] === 13 && buffer[i + 3] === 10
    ) {
      return i + 4;
    }
  }
  return -1;
}

/** A request the proxy answers with an error status before any connection. */
class HeadError extends Error {
  status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Bytes as text, one character each (what HTTP heads are). */
export function latin1(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return out;
}

function fromLatin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  403: "Forbidden",
  408: "Request Timeout",
  431: "Request Header Fields Too Large",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

/** Splits "host:port" or "[v6]:port"; the port is NaN when absent or not a number. */
function splitAuthority(authority: string, defaultPort?: number): { host: string; port: number } {
  let host: string, portText: string | undefined;
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    if (close === -1) return { host: authority, port: NaN };
    host = authority.slice(0, close + 1);
    const after = authority.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) return { host, port: NaN };
    portText = after === "" ? undefined : after.slice(1);
  } else {
    const colon = authority.lastIndexOf(":");
    host = colon === -1 ? authority : authority.slice(0, colon);
    portText = colon === -1 ? undefined : authority.slice(colon + 1);
  }
  if (portText === undefined || portText === "") return { host, port: defaultPort ?? NaN };
  return { host, port: /^[0-9]{1,10}$/.test(portText) ? Number(portText) : NaN };
}

/** Headers of the client that never go to the origin server. */
const HOP_BY_HOP = new Set([
  "connection",
  "proxy-connection",
  "proxy-authorization",
  "keep-alive",
  "host",
]);

const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([^\s]+) HTTP\/1\.[01]$/;
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * A header line's name and value (without the spaces around it), or undefined when the line is
 * not one. Linear in the line's length: a regular expression with spaces on both sides of a lazy
 * value took time cubic in a run of spaces before a stray line feed (3 KB of them held the
 * server's event loop, and every other sandbox and client, for 21 s).
 */
export function parseHeaderLine(line: string): [string, string] | undefined {
  if (/[\r\n\0]/.test(line)) return undefined;
  const colon = line.indexOf(":");
  const name = line.slice(0, colon);
  if (colon <= 0 || !FIELD_NAME.test(name)) return undefined;
  let start = colon + 1;
  let end = line.length;
  while (start < end && (line[start] === " " || line[start] === "\t")) start++;
  while (end > start && (line[end - 1] === " " || line[end - 1] === "\t")) end--;
  return [name, line.slice(start, end)];
}

/** SOCKS5 reply codes. */
const SOCKS = {
  succeeded: 0x00,
  generalFailure: 0x01,
  notAllowed: 0x02,
  hostUnreachable: 0x04,
  connectionRefused: 0x05,
  commandNotSupported: 0x07,
  addressTypeNotSupported: 0x08,
} as const;

function socksReply(code: number): Uint8Array {
  return new Uint8Array([5, code, 0, 1, 0, 0, 0, 0, 0, 0]);
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

/** The large copy buffers one proxy has left to hand out (see {@linkcode LARGE_BUFFERS}). */
interface BufferQuota {
  large: number;
}

/** Copies `from` to `to` through one buffer until the end of `from`. */
async function copy(from: Deno.Conn, to: Deno.Conn, quota: BufferQuota): Promise<void> {
  let buffer = new Uint8Array(COPY_BUFFER_BYTES[0]);
  try {
    while (true) {
      const n = await from.read(buffer);
      if (n === null) return;
      let offset = 0;
      while (offset < n) offset += await to.write(buffer.subarray(offset, n));
      if (n === buffer.length && n < COPY_BUFFER_BYTES[1] && quota.large > 0) {
        quota.large--;
        buffer = new Uint8Array(COPY_BUFFER_BYTES[1]);
      }
    }
  } finally {
    if (buffer.length === COPY_BUFFER_BYTES[1]) quota.large++;
  }
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}

/**
 * An HTTP and SOCKS5 proxy on a unix socket, through which a sandbox with a network namespace of its
 * own reaches the internet: public addresses only (or the domains of an allow-list), plus host
 * loopback ports opened on purpose. One socket serves both protocols (a first byte 0x05 is SOCKS5).
 * HTTP refusals are `403` with the reason in the status line and a text/plain body; resolution and
 * connection failures are `502`. SOCKS5 refusals are reply 0x02, failures 0x04 or 0x05.
 *
 * Requires `--allow-net` (resolving names and connecting to the addresses it allows; Deno checks
 * unix sockets against it too, by exact path: `unix:/path/to/socket`, no directories) and
 * `--allow-read` and `--allow-write` for the socket's path.
 *
 * @example Serve a sandbox that may reach PyPI and a host database
 * ```ts ignore
 * import { EgressProxy } from "./_egress.ts";
 * await using proxy = EgressProxy.listen("/tmp/sandbox-1/egress.sock", {
 *   allowDomains: ["pypi.org", "*.pythonhosted.org"],
 *   allowHostPorts: [5432],
 *   log: (message) => console.debug(message),
 * });
 * // Inside: HTTPS_PROXY=http://… bridged to the socket, ALL_PROXY=socks5h://…
 * ```
 */
export class EgressProxy implements AsyncDisposable {
  /** The unix socket's path. */
  readonly path: string;
  /** Counters for tests and diagnostics: destinations allowed and refused (policy or resolution). */
  readonly stats: { allowed: number; refused: number } = { allowed: 0, refused: 0 };
  #policy: EgressPolicy;
  #listener: Deno.UnixListener;
  #clients = new Set<Deno.Conn>();
  #upstreams = new Set<Deno.Conn>();
  #buffers: BufferQuota = { large: LARGE_BUFFERS };
  #tasks = new Set<Promise<void>>();
  #closing = new AbortController();
  #logAllowance = LOG_BURST;
  #logRefilled = performance.now();
  #logDropped = 0;
  #serving: Promise<void>;
  #closed: Promise<void> | undefined;

  /** Tunnel directions holding a large copy buffer now (at most {@linkcode LARGE_BUFFERS}). */
  get largeBuffers(): number {
    return LARGE_BUFFERS - this.#buffers.large;
  }

  private constructor(path: string, policy: EgressPolicy, listener: Deno.UnixListener) {
    this.path = path;
    this.#policy = policy;
    this.#listener = listener;
    this.#serving = this.#serve();
  }

  /**
   * Listens on a unix socket at `path`, made mode 0666 so that a sandbox running as another uid can
   * connect (the directory holding it decides who can reach it).
   *
   * @throws {Deno.errors.AddrInUse} When something exists at `path`.
   */
  static listen(path: string, policy: EgressPolicy): EgressProxy {
    const listener = Deno.listen({ transport: "unix", path });
    try {
      Deno.chmodSync(path, 0o666);
    } catch (error) {
      listener.close();
      throw error;
    }
    return new EgressProxy(path, policy, listener);
  }

  async #serve(): Promise<void> {
    const max = this.#policy.maxConnections ?? 256;
    while (true) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#closing.signal.aborted) return;
        // EMFILE and the like: wait a little rather than spin, then go on serving.
        this.#log(`egress: accept failed: ${error}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      if (this.#closing.signal.aborted) {
        closeQuietly(conn);
        return;
      }
      if (this.#clients.size >= max) {
        this.#log(`egress: refused a connection: ${max} connections are open`);
        closeQuietly(conn);
        continue;
      }
      this.#clients.add(conn);
      const task = this.#handle(conn).catch((error) => {
        this.#log(`egress: connection failed: ${error instanceof Error ? error.message : error}`);
      }).finally(() => {
        this.#clients.delete(conn);
        closeQuietly(conn);
        this.#tasks.delete(task);
      });
      this.#tasks.add(task);
    }
  }

  #log(message: string): void {
    if (!this.#policy.log) return;
    const now = performance.now();
    this.#logAllowance = Math.min(
      LOG_BURST,
      this.#logAllowance + (now - this.#logRefilled) / 1000 * LOG_PER_SECOND,
    );
    this.#logRefilled = now;
    if (this.#logAllowance < 1) {
      this.#logDropped++;
      return;
    }
    this.#logAllowance--;
    if (this.#logDropped > 0) {
      message += ` (and ${this.#logDropped} earlier message(s) not logged: more than ` +
        `${LOG_PER_SECOND} a second)`;
      this.#logDropped = 0;
    }
    try {
      this.#policy.log(message);
    } catch {
      // A failing logger must not take a connection down.
    }
  }

  async #handle(client: Deno.Conn): Promise<void> {
    const reader = new HeadReader(client);
    // A client that sends its head slowly or never is closed after headTimeoutMs.
    let headDone = false, timedOut = false;
    const timer = setTimeout(() => {
      if (headDone) return;
      timedOut = true;
      this.#log("egress: closed a connection that sent no complete request in time");
      closeQuietly(client);
    }, this.#policy.headTimeoutMs ?? 30_000);
    try {
      const first = await reader.peek();
      if (first === null) return; // Closed before a byte: nothing to answer.
      if (first === 0x05) await this.#socks(client, reader, () => (headDone = true));
      else await this.#http(client, reader, () => (headDone = true));
    } catch (error) {
      // Reads cut short by the deadline or by close() are no failure of their own.
      if (!timedOut && !this.#closing.signal.aborted) throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async #respond(client: Deno.Conn, status: number, message: string): Promise<void> {
    const body = new TextEncoder().encode(message + "\n");
    // The reason phrase carries the message too: clients that print only the status line of a
    // failed CONNECT (Python's "Tunnel connection failed: 403 …") show it to the model that way.
    const reason = status === 403 ? message.replace(/[^\x20-\x7e]/g, "?") : STATUS_TEXT[status];
    const head = `HTTP/1.1 ${status} ${reason}\r\n` +
      "Content-Type: text/plain; charset=utf-8\r\n" +
      `Content-Length: ${body.length}\r\n` +
      (status === 403 ? "X-Proxy-Error: blocked-by-sandbox-policy\r\n" : "") +
      "Connection: close\r\n\r\n";
    const bytes = new Uint8Array(head.length + body.length);
    bytes.set(fromLatin1(head));
    bytes.set(body, head.length);
    try {
      await writeAll(client, bytes);
    } catch {
      // The client went away.
    }
  }

  async #http(client: Deno.Conn, reader: HeadReader, headRead: () => void): Promise<void> {
    let headBytes: Uint8Array;
    try {
      headBytes = await reader.head();
    } catch (error) {
      if (error instanceof HeadError && !error.message.startsWith("the client closed")) {
        this.#log(`egress: bad request: ${error.message}`);
        await this.#respond(client, error.status, `Cannot proxy the request: ${error.message}`);
      }
      return;
    }
    headRead();
    const lines = latin1(headBytes).slice(0, -4).split("\r\n");
    const bad = (message: string) => {
      this.#log(`egress: bad request: ${message}`);
      return this.#respond(client, 400, `Cannot proxy the request: ${message}`);
    };
    const match = REQUEST_LINE.exec(lines[0]);
    if (!match) return bad("the request line is not HTTP/1.x");
    const [, method, target] = match;
    const headers: [string, string][] = [];
    for (const line of lines.slice(1)) {
      const header = parseHeaderLine(line);
      if (!header) return bad("a header line is malformed");
      headers.push(header);
    }

    if (method.toUpperCase() === "CONNECT") {
      const { host, port } = splitAuthority(target);
      if (host === "" || Number.isNaN(port)) return bad(`CONNECT needs host:port, not ${target}`);
      const upstream = await this.#open(host, port, "CONNECT", async (status, message) => {
        await this.#respond(client, status, message);
      });
      if (!upstream) return;
      await this.#tunnel(client, upstream, reader.rest(), false, {
        toClient: fromLatin1("HTTP/1.1 200 Connection established\r\n\r\n"),
      });
      return;
    }

    if (!/^http:\/\//i.test(target)) {
      return bad(
        `this is the sandbox's egress proxy: send http://host/path requests or CONNECT host:port`,
      );
    }
    const afterScheme = target.slice(7);
    const end = afterScheme.search(/[/?#]/);
    const authority = end === -1 ? afterScheme : afterScheme.slice(0, end);
    let path = end === -1 ? "/" : afterScheme.slice(end);
    if (path.startsWith("?")) path = "/" + path;
    const hash = path.indexOf("#");
    if (hash !== -1) path = path.slice(0, hash) || "/";
    if (authority.includes("@")) return bad("credentials in the URL are not supported");
    const { host, port } = splitAuthority(authority, 80);
    if (host === "" || Number.isNaN(port)) {
      return bad(`the URL's authority ${authority} is invalid`);
    }

    const upstream = await this.#open(host, port, "GET", async (status, message) => {
      await this.#respond(client, status, message);
    });
    if (!upstream) return;
    let head = `${method} ${path} HTTP/1.1\r\nHost: ${authority}\r\n`;
    for (const [name, value] of headers) {
      if (!HOP_BY_HOP.has(name.toLowerCase())) head += `${name}: ${value}\r\n`;
    }
    head += "Connection: close\r\n\r\n";
    await this.#tunnel(client, upstream, reader.rest(), true, { toUpstream: fromLatin1(head) });
  }

  async #socks(client: Deno.Conn, reader: HeadReader, headRead: () => void): Promise<void> {
    try {
      const [, count] = await reader.exact(2);
      const methods = await reader.exact(count);
      if (!methods.includes(0x00)) {
        await writeAll(client, new Uint8Array([5, 0xff]));
        return;
      }
      await writeAll(client, new Uint8Array([5, 0]));
      const [version, command, , type] = await reader.exact(4);
      let host: string;
      if (type === 1) host = formatIpv4(new DataView((await reader.exact(4)).buffer).getUint32(0));
      else if (type === 4) {
        const bytes = await reader.exact(16);
        let value = 0n;
        for (const byte of bytes) value = (value << 8n) | BigInt(byte);
        host = formatIpv6(value);
      } else if (type === 3) {
        host = latin1(await reader.exact((await reader.exact(1))[0]));
      } else {
        await writeAll(client, socksReply(SOCKS.addressTypeNotSupported));
        return;
      }
      const portBytes = await reader.exact(2);
      headRead();
      const port = portBytes[0] * 256 + portBytes[1];
      if (version !== 5 || command !== 1) {
        this.#log(`egress: refused SOCKS5 command ${command}: only CONNECT is supported`);
        await writeAll(client, socksReply(SOCKS.commandNotSupported));
        return;
      }
      const upstream = await this.#open(host, port, "SOCKS5", async (status, _message, code) => {
        await writeAll(
          client,
          socksReply(code ?? (status === 403 ? SOCKS.notAllowed : SOCKS.hostUnreachable)),
        );
      });
      if (!upstream) return;
      await this.#tunnel(client, upstream, reader.rest(), false, {
        toClient: socksReply(SOCKS.succeeded),
      });
    } catch (error) {
      if (error instanceof HeadError) return; // A truncated handshake: nothing to answer.
      throw error;
    }
  }

  /**
   * Judges a destination and connects to the first address allowed; on refusal or failure calls
   * `fail` with an HTTP status, a message and a SOCKS5 code, and returns null.
   */
  async #open(
    host: string,
    port: number,
    protocol: string,
    fail: (status: number, message: string, socksCode?: number) => Promise<void>,
  ): Promise<Deno.TcpConn | null> {
    const verdict = await judgeDestination(host, port, this.#policy, this.#closing.signal);
    if (!verdict.ok) {
      this.stats.refused++;
      this.#log(`egress: refused ${protocol} ${host}:${port}: ${verdict.message}`);
      await fail(verdict.kind === "policy" ? 403 : 502, verdict.message);
      return null;
    }
    this.stats.allowed++;
    let lastError: unknown;
    for (const address of verdict.addresses.slice(0, MAX_ATTEMPTS)) {
      try {
        const connect = this.#policy.connect ?? defaultConnect;
        const conn = await bounded(
          (signal) => connect(address, port, signal),
          CONNECT_TIMEOUT_MS,
          this.#closing.signal,
          "connecting",
        );
        if (this.#closing.signal.aborted) {
          closeQuietly(conn);
          return null;
        }
        // Registered at once so that close() reaches it; #tunnel closes and removes it.
        this.#upstreams.add(conn);
        conn.setNoDelay(true);
        return conn;
      } catch (error) {
        lastError = error;
        if (this.#closing.signal.aborted) return null;
      }
    }
    const refused = lastError instanceof Deno.errors.ConnectionRefused;
    const reason = lastError instanceof Error ? lastError.message : String(lastError);
    const message = `Cannot connect to ${host}:${port} (${verdict.addresses[0]}): ${reason}`;
    this.#log(`egress: ${protocol} ${message}`);
    await fail(502, message, refused ? SOCKS.connectionRefused : SOCKS.hostUnreachable);
    return null;
  }

  /**
   * Copies both ways between client and upstream: first `toClient` to the client, and `toUpstream`
   * then the bytes read past the head to upstream. Each end of stream is passed on as a half-close;
   * with `endWithUpstream` (a plain http request) the client is closed as soon as the response ends.
   */
  async #tunnel(
    client: Deno.Conn,
    upstream: Deno.Conn,
    early: Uint8Array,
    endWithUpstream: boolean,
    { toClient, toUpstream }: { toClient?: Uint8Array; toUpstream?: Uint8Array },
  ): Promise<void> {
    const closeBoth = () => {
      closeQuietly(client);
      closeQuietly(upstream);
    };
    try {
      if (this.#closing.signal.aborted) return;
      if (toClient) await writeAll(client, toClient);
      const up = (async () => {
        if (toUpstream) await writeAll(upstream, toUpstream);
        if (early.length > 0) await writeAll(upstream, early.slice());
        await copy(client, upstream, this.#buffers);
        upstream.closeWrite();
      })().catch(closeBoth);
      const down = copy(upstream, client, this.#buffers).then(
        () => endWithUpstream ? closeBoth() : client.closeWrite(),
      ).catch(closeBoth);
      await Promise.all([up, down]);
    } finally {
      this.#upstreams.delete(upstream);
      closeBoth();
    }
  }

  /** Closes the listener and every open connection and tunnel, and waits for them; idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing.abort();
      try {
        this.#listener.close();
      } catch {
        // Already closed.
      }
      for (const conn of [...this.#clients, ...this.#upstreams]) closeQuietly(conn);
      await this.#serving;
      while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
      // Closing a unix listener removes its socket file.
    })();
    return this.#closed;
  }

  /** Same as {@linkcode EgressProxy.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
