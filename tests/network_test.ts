// The local sandbox's network modes, end to end. In the default `internet` mode a sandbox has a
// network of its own and reaches the world only through the server's egress proxy; here a port
// on 127.0.0.1, opened on purpose, plays "the internet" (names of the .test domain resolve to it),
// and no test sends anything beyond 127.0.0.0/8: private and link-local destinations are names
// the proxy's resolver maps to such addresses, which it refuses without connecting.

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import type { ShellExecOutput } from "../src/tools/shell_exec.ts";
import type { WebPreviewOutput } from "../src/tools/web_preview.ts";
import type { EgressOptions } from "../src/providers/local/mod.ts";
import { DaytonaProvider } from "../src/providers/daytona/mod.ts";
import { silentLogger } from "../src/log.ts";
import { startFakeDaytona } from "./daytona/fake_server.ts";
import { makeRepo, startGitServer } from "./_git_server.ts";
import {
  connect,
  type Connected,
  hasBwrap,
  loopbackOnly,
  sh,
  structured,
  text,
} from "./_helpers.ts";

const opts = { ignore: !hasBwrap };

/** "The internet": an HTTP server on 127.0.0.1 with a page and a PEP 503 package index. */
async function startInternet() {
  const wheel = await buildWheel();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/hello.txt") return new Response("hello from the internet\n");
    if (path === "/simple/tinypkg/") {
      return new Response(
        `<html><body><a href="/files/tinypkg-1.0-py3-none-any.whl">tinypkg-1.0-py3-none-any.whl</a></body></html>`,
        { headers: { "content-type": "text/html" } },
      );
    }
    if (path === "/files/tinypkg-1.0-py3-none-any.whl") return new Response(wheel);
    return new Response("not found\n", { status: 404 });
  });
  return { server, port: server.addr.port };
}

/** A minimal wheel, built with Python's zipfile. */
async function buildWheel(): Promise<Uint8Array<ArrayBuffer>> {
  const out = await new Deno.Command("python3", {
    args: [
      "-c",
      [
        "import io, sys, zipfile",
        "b = io.BytesIO()",
        "z = zipfile.ZipFile(b, 'w')",
        "z.writestr('tinypkg/__init__.py', 'VALUE = 42\\n')",
        "z.writestr('tinypkg-1.0.dist-info/METADATA', 'Metadata-Version: 2.1\\nName: tinypkg\\nVersion: 1.0\\n')",
        "z.writestr('tinypkg-1.0.dist-info/WHEEL', 'Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n')",
        "z.writestr('tinypkg-1.0.dist-info/RECORD', '')",
        "z.close()",
        "sys.stdout.buffer.write(b.getvalue())",
      ].join("\n"),
    ],
    stdout: "piped",
  }).output();
  return out.stdout as Uint8Array<ArrayBuffer>;
}

/** Names the proxy resolves: a loopback "internet", a LAN host and the cloud metadata address. */
function egress(port: number, extra: Partial<EgressOptions> = {}): EgressOptions {
  return {
    allowDomains: ["*.test"],
    allowHostPorts: [port],
    connect: loopbackOnly,
    resolve: (host) =>
      Promise.resolve(
        host === "metadata.test"
          ? ["169.254.169.254"]
          : host === "lan.test"
          ? ["10.1.2.3"]
          : host === "v6lan.test"
          ? ["fd00::1"]
          : ["127.0.0.1"],
      ),
    ...extra,
  };
}

async function run(mcp: Connected, command: string): Promise<ShellExecOutput> {
  return structured<ShellExecOutput>(await mcp.call("shell_exec", { command, timeout: 60 }));
}

Deno.test(
  "internet mode: curl, Python, pip and git reach an allowed host port through the proxy",
  opts,
  async () => {
    const internet = await startInternet();
    const repo = await makeRepo();
    await using git = startGitServer(repo);
    const gitPort = Number(git.host.split(":")[1]);
    try {
      await using mcp = await connect({
        local: { egress: egress(internet.port, { allowHostPorts: [internet.port, gitPort] }) },
      });
      const url = `http://files.test:${internet.port}/hello.txt`;
      // Plain HTTP through HTTP_PROXY, the same through a CONNECT tunnel, and through SOCKS5.
      for (
        const curl of [
          "curl -fsS",
          "curl -fsS --proxytunnel",
          "curl -fsS --socks5-hostname 127.0.0.1:1080",
        ]
      ) {
        const out = await run(mcp, `${curl} ${url}`);
        assertEquals(out.stdout, "hello from the internet\n", `${curl}: ${out.stderr}`);
      }
      assertEquals(
        await sh(
          mcp,
          `python3 -c "import urllib.request; print(urllib.request.urlopen('${url}').read().decode(), end='')"`,
        ),
        "hello from the internet\n",
      );
      // The opened host port is 127.0.0.1:PORT inside too, without any proxy setting.
      assertEquals(
        await sh(mcp, `curl -fsS --noproxy '*' http://127.0.0.1:${internet.port}/hello.txt`),
        "hello from the internet\n",
      );
      const pip = await run(
        mcp,
        `python3 -m pip download --no-deps --disable-pip-version-check --trusted-host pypi.test --index-url http://pypi.test:${internet.port}/simple/ tinypkg -d /tmp/wheels && ls /tmp/wheels`,
      );
      assertMatch(pip.stdout, /tinypkg-1\.0-py3-none-any\.whl/, pip.stderr);
      const clone = await mcp.call("git_clone", {
        repo_url: `http://git.test:${gitPort}/repo.git`,
        target_path: "repo",
      });
      assertEquals(clone.isError, false, text(clone));
      assertEquals(await sh(mcp, "cat repo/a.txt"), "a\n");
    } finally {
      await internet.server.shutdown();
      await Deno.remove(repo.root, { recursive: true });
    }
  },
);

Deno.test(
  "internet mode: the host's loopback, private, link-local addresses and abstract sockets are refused, saying why",
  opts,
  async () => {
    const internet = await startInternet();
    // A service on the host's loopback that was not opened to sandboxes.
    const secret = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      () => new Response("host secret\n"),
    );
    // An abstract unix socket on the host (X11, D-Bus and container runtimes use them).
    const name = `mcp-test-${crypto.randomUUID()}`;
    const abstract = new Deno.Command("python3", {
      args: [
        "-c",
        `import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind('\\0${name}'); s.listen(); print('up', flush=True); sys.stdin.read()`,
      ],
      stdin: "piped",
      stdout: "piped",
    }).spawn();
    await abstract.stdout.getReader().read();
    try {
      await using mcp = await connect({ local: { egress: egress(internet.port) } });
      const direct = await run(
        mcp,
        `python3 -c "import socket; socket.create_connection(('127.0.0.1', ${secret.addr.port}), 3)" 2>&1 | tail -1`,
      );
      assertMatch(direct.stdout, /Connection refused/, "the sandbox's loopback is its own");
      const cases: [string, RegExp][] = [
        [`http://127.0.0.1:${secret.addr.port}/`, /127\.0\.0\.1 .*(loopback|allow-list)/],
        [`http://localhost.test:${secret.addr.port}/`, /resolves only to loopback addresses/],
        ["http://lan.test/", /resolves only to private addresses \(10\.1\.2\.3\)/],
        ["http://v6lan.test/", /resolves only to private addresses \(fd00::1\)/],
        ["http://metadata.test/latest/meta-data/", /link-local addresses \(169\.254\.169\.254\)/],
        ["http://example.org/", /not on the sandbox's domain allow-list/],
      ];
      for (const [url, why] of cases) {
        const out = await run(mcp, `curl -sS --noproxy '' -x http://127.0.0.1:3128 ${url}`);
        assertMatch(out.stdout, /^Refused by the sandbox's network policy: /, url);
        assertMatch(out.stdout, why, url);
        assert(!out.stdout.includes("host secret"), url);
      }
      // Without an allow-list, a loopback literal is refused for what it is.
      await using open = await connect({
        local: {
          egress: { resolve: () => Promise.resolve(["127.0.0.1"]), connect: loopbackOnly },
        },
      });
      const literal = await run(
        open,
        `curl -sS --noproxy '' -x http://127.0.0.1:3128 http://127.0.0.1:${secret.addr.port}/`,
      );
      assertMatch(literal.stdout, /^Refused by the sandbox's network policy: .*loopback/);
      const socks = await run(
        mcp,
        `curl -sS --socks5-hostname 127.0.0.1:1080 http://lan.test/ 2>&1; echo " exit=$?"`,
      );
      assertMatch(socks.stdout, /exit=97/, "SOCKS5 refuses it too (curl: proxy handshake error)");
      const sock = await run(
        mcp,
        `python3 -c "import socket; s = socket.socket(socket.AF_UNIX); s.connect('\\0${name}')" 2>&1 | tail -1`,
      );
      assertMatch(sock.stdout, /Connection refused/, "the host's abstract sockets are not shared");
      // Control: sharing the host's network reaches both.
      await using shared = await connect({ local: { network: "host" } });
      assertEquals(
        await sh(shared, `curl -sS --noproxy '*' http://127.0.0.1:${secret.addr.port}/`),
        "host secret\n",
      );
      const reached = await run(
        shared,
        `python3 -c "import socket; s = socket.socket(socket.AF_UNIX); s.connect('\\0${name}'); print('reached')"`,
      );
      assertEquals(reached.stdout, "reached\n");
    } finally {
      await abstract.stdin.close();
      await abstract.status;
      await secret.shutdown();
      await internet.server.shutdown();
    }
  },
);

Deno.test(
  "sandbox_create(network_allow_list) narrows the server's allow-list",
  opts,
  async () => {
    const internet = await startInternet();
    try {
      await using mcp = await connect({ local: { egress: egress(internet.port) } });
      const created = await mcp.call("sandbox_create", { network_allow_list: ["files.test"] });
      const id = (created.structuredContent as { sandbox_id: string }).sandbox_id;
      const fetch = async (host: string) =>
        structured<ShellExecOutput>(
          await mcp.call("shell_exec", {
            command: `curl -sS http://${host}:${internet.port}/hello.txt`,
            sandbox_id: id,
          }),
        ).stdout;
      assertEquals(await fetch("files.test"), "hello from the internet\n");
      assertMatch(await fetch("pypi.test"), /pypi\.test is not on the sandbox's domain allow-list/);
      // The default sandbox keeps the server's list.
      assertEquals(
        await sh(mcp, `curl -sS http://pypi.test:${internet.port}/hello.txt`),
        "hello from the internet\n",
      );
    } finally {
      await internet.server.shutdown();
    }
  },
);

for (const network of ["internet", "none"] as const) {
  Deno.test(
    `${network} mode: web_preview forwards a host port to a server in the sandbox`,
    opts,
    async () => {
      await using mcp = await connect({ local: { network } });
      await mcp.call("shell_exec", {
        command: "mkdir -p site && echo '<h1>inside</h1>' > site/index.html && " +
          "(cd site && python3 -m http.server 8000 > /dev/null 2>&1 &)",
      });
      const preview = structured<WebPreviewOutput>(
        await mcp.call("web_preview", { port: 8000, description: "site" }),
      );
      assertEquals(preview.accessible, true, JSON.stringify(preview));
      assert(!preview.url.endsWith(":8000"), "a port of the server's, not the sandbox's");
      const page = await fetch(preview.url);
      assertEquals(await page.text(), "<h1>inside</h1>\n");
      // The same port gets the same URL; a port nobody listens on says so.
      const again = structured<WebPreviewOutput>(await mcp.call("web_preview", { port: 8000 }));
      assertEquals(again.url, preview.url);
      const nothing = await mcp.call("web_preview", { port: 8001 });
      assertEquals(nothing.isError, true);
      assertMatch(text(nothing), /8000/, "it lists the ports that do listen");
    },
  );
}

Deno.test(
  "network_allow_list: domains on the local provider, IPv4 CIDR blocks on Daytona",
  opts,
  async () => {
    await using local = await connect();
    const cidr = await local.call("sandbox_create", { network_allow_list: ["10.0.0.0/8"] });
    assertEquals(cidr.isError, true);
    assertMatch(text(cidr), /the local provider takes domain names.*CIDR blocks are Daytona's/);

    await using fake = await startFakeDaytona();
    await using daytona = await connect({
      provider: new DaytonaProvider({
        apiKey: fake.apiKey,
        apiUrl: fake.apiUrl,
        log: silentLogger(),
      }),
    });
    const domain = await daytona.call("sandbox_create", { network_allow_list: ["pypi.org"] });
    assertEquals(domain.isError, true);
    assertMatch(text(domain), /Daytona takes IPv4 CIDR blocks.*domain names are for the local/);
    const created = await daytona.call("sandbox_create", {
      network_allow_list: ["203.0.113.0/24", "198.51.100.7/32"],
    });
    assertEquals(created.isError, false, text(created));
    const id = (created.structuredContent as { sandbox_id: string }).sandbox_id;
    const dto = await fetch(`${fake.apiUrl}/sandbox/${id}`, {
      headers: { Authorization: `Bearer ${fake.apiKey}` },
    }).then((response) => response.json());
    assertEquals(dto.networkAllowList, "203.0.113.0/24,198.51.100.7/32");
  },
);
