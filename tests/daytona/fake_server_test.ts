import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
  rejects,
} from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  Daytona,
  DaytonaAuthenticationError,
  DaytonaConnectionError,
  DaytonaError,
  DaytonaFileNotFoundError,
  DaytonaGitRepoNotFoundError,
  DaytonaInternalServerError,
  DaytonaNotFoundError,
  DaytonaRateLimitError,
  DaytonaTimeoutError,
  DaytonaValidationError,
} from "npm:@daytonaio/sdk@0.218.0";
import { eventually, hasBwrap, sha256 } from "../_helpers.ts";
import { type FakeDaytona, startFakeDaytona } from "./fake_server.ts";

const opts = { ignore: !hasBwrap };

/** The real SDK, pointed at the fake; `await using` disposes it (its timers and sockets). */
function sdk(fake: FakeDaytona, apiKey = fake.apiKey): Daytona {
  return new Daytona({ apiKey, apiUrl: fake.apiUrl, target: "us", useDeprecatedPolling: true });
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** Which error `promise` rejects with. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("Expected a rejection");
}

Deno.test(
  "FakeDaytona: create() labels round-trip through get() and list(); foreign sandboxes are not listed",
  opts,
  async () => {
    await using fake = await startFakeDaytona();
    await using daytona = sdk(fake);
    const foreign = await fake.seed({ labels: { owner: "someone-else" } });
    const sandbox = await daytona.create({
      labels: { owner: "me", purpose: "test" },
      envVars: { GREETING: "hello" },
      autoStopInterval: 30,
    });
    assertEquals(sandbox.state, "started");
    const labels = { owner: "me", purpose: "test", "code-toolbox-language": "python" };
    assertEquals(sandbox.labels, labels);
    assertEquals(sandbox.autoStopInterval, 30);
    assertEquals(sandbox.target, "us");
    assertEquals(sandbox.user, "sandbox");

    const got = await daytona.get(sandbox.id);
    assertEquals(got.labels, labels);
    assertEquals(got.env, { GREETING: "hello" });
    // Daytona's env is the sandbox's environment.
    assertEquals((await got.process.executeCommand("echo $GREETING")).result, "hello\n");

    const mine = await collect(daytona.list({ labels: { owner: "me" } }));
    assertEquals(mine.map((item) => item.id), [sandbox.id]);
    const all = await collect(daytona.list());
    assertEquals(all.map((item) => item.id).sort(), [foreign, sandbox.id].sort());
    assertEquals(fake.sandboxIds(), [foreign, sandbox.id]);
  },
);

Deno.test("FakeDaytona: create() echoes the image, resources and intervals", opts, async () => {
  await using fake = await startFakeDaytona();
  await using daytona = sdk(fake);
  const built = await daytona.create({
    image: "python:3.12-slim",
    resources: { cpu: 2, memory: 4, disk: 8 },
    autoArchiveInterval: 60,
    autoDeleteInterval: 120,
    networkBlockAll: true,
  });
  assertEquals(built.buildInfo?.dockerfileContent, "FROM python:3.12-slim\n");
  assertEquals([built.cpu, built.memory, built.disk], [2, 4, 8]);
  assertEquals([built.autoArchiveInterval, built.autoDeleteInterval], [60, 120]);
  assertEquals(built.networkBlockAll, true);
  // networkBlockAll is real: the backing sandbox has only a loopback interface.
  const interfaces = "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '";
  assertEquals((await built.process.executeCommand(interfaces)).result, "lo\n");
  const fromSnapshot = await daytona.create({ snapshot: "my-snapshot", ephemeral: true });
  assertEquals(fromSnapshot.snapshot, "my-snapshot");
  assertEquals(fromSnapshot.autoDeleteInterval, 0);
});

Deno.test("FakeDaytona: list() follows nextCursor page by page", opts, async () => {
  await using fake = await startFakeDaytona();
  await using daytona = sdk(fake);
  const ids = [
    await fake.seed({ labels: { team: "a" } }),
    await fake.seed({ labels: { team: "b" } }),
    await fake.seed({ labels: { team: "a", extra: "x" } }),
    await fake.seed({ labels: { team: "a" } }),
  ];
  const teamA = await collect(daytona.list({ labels: { team: "a" }, limit: 2 }));
  assertEquals(teamA.map((item) => item.id), [ids[0], ids[2], ids[3]]);
  assertEquals(fake.count("GET /api/sandbox"), 2);
  const both = await collect(daytona.list({ labels: { team: "a", extra: "x" }, limit: 1 }));
  assertEquals(both.map((item) => item.id), [ids[2]]);
  assertEquals(fake.count("GET /api/sandbox"), 3);
  // A list item has no env; everything else the SDK reads is there.
  assertEquals(teamA[0].env, undefined);
  assertEquals(teamA[0].state, "started");
});

Deno.test("FakeDaytona: executeCommand() really runs, in the sandbox", opts, async () => {
  await using fake = await startFakeDaytona();
  await using daytona = sdk(fake);
  const sandbox = await daytona.create();
  const out = await sandbox.process.executeCommand(
    'echo hi; echo err >&2; echo "A=$A"; id -un',
    undefined,
    { A: "1" },
  );
  assertEquals(out.exitCode, 0);
  // One pipe for both streams, as in the daemon: the output interleaves.
  assertEquals(out.result, "hi\nerr\nA=1\nsandbox\n");
  assertEquals((await sandbox.process.executeCommand("pwd")).result, "/home/sandbox\n");
  assertEquals((await sandbox.process.executeCommand("pwd", "/tmp")).result, "/tmp\n");
  assertEquals((await sandbox.process.executeCommand("exit 3")).exitCode, 3);
  assertEquals(await sandbox.getUserHomeDir(), "/home/sandbox");
  assertEquals(await sandbox.getWorkDir(), "/home/sandbox");

  const timedOut = await failure(sandbox.process.executeCommand("sleep 10", undefined, {}, 1));
  assert(timedOut instanceof DaytonaTimeoutError, String(timedOut));
  assertEquals(timedOut.statusCode, 408);
  assertEquals(timedOut.code, "TIMEOUT");

  // A missing cwd is a result with exit code -1, not an HTTP error.
  const badCwd = await sandbox.process.executeCommand("pwd", "/nonexistent");
  assertEquals(badCwd.exitCode, -1);
  assertMatch(badCwd.result, /fork\/exec/);
});

Deno.test("FakeDaytona: uploadFile() and downloadFile() round-trip exact bytes", opts, async () => {
  await using fake = await startFakeDaytona();
  await using daytona = sdk(fake);
  const sandbox = await daytona.create();
  const bytes = new Uint8Array(300_000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >> 8)) % 256;

  await sandbox.fs.uploadFile(Buffer.from(bytes), "data/bytes.bin");
  const down = await sandbox.fs.downloadFile("data/bytes.bin");
  assertEquals(await sha256(new Uint8Array(down)), await sha256(bytes));
  assertEquals(down.length, bytes.length);

  // An absolute path, spaces and non-ASCII: the part's filename must be the exact path.
  const odd = '/tmp/dïr ü/naïve "quoted" file.txt';
  await sandbox.fs.uploadFile(Buffer.from("héllo\n"), odd);
  assertEquals((await sandbox.fs.downloadFile(odd)).toString("utf8"), "héllo\n");
  const check = await sandbox.process.executeCommand("sha256sum data/bytes.bin");
  assertEquals(check.result.split(" ")[0], await sha256(bytes));

  const missing = await failure(sandbox.fs.downloadFile("/tmp/missing.txt"));
  assert(missing instanceof DaytonaFileNotFoundError, String(missing));
  assertEquals(missing.code, "FILE_NOT_FOUND");
  const directory = await failure(sandbox.fs.downloadFile("data"));
  // download_files.go: a directory is INVALID_FILE_PATH (400), not a missing file.
  assert(directory instanceof DaytonaError, String(directory));
  assertEquals([directory.statusCode, directory.code], [400, "INVALID_FILE_PATH"]);

  const results = await sandbox.fs.downloadFiles([
    { source: "data/bytes.bin" },
    { source: "nope.txt" },
  ]);
  assertEquals(results.map((result) => [result.source, result.error === undefined]), [
    ["data/bytes.bin", true],
    ["nope.txt", false],
  ]);
  assertEquals(results[1].errorDetails?.code, "FILE_NOT_FOUND");
});

Deno.test("FakeDaytona: file details, listing, folders and deletion", opts, async () => {
  await using fake = await startFakeDaytona();
  await using daytona = sdk(fake);
  const sandbox = await daytona.create();
  await sandbox.fs.uploadFile(Buffer.from("12345"), "notes/a.txt");

  const info = await sandbox.fs.getFileDetails("notes/a.txt");
  assertEquals(info.name, "a.txt");
  assertEquals(info.size, 5);
  assertEquals(info.isDir, false);
  assertEquals(info.mode, "-rw-r--r--");
  assertEquals(info.permissions, "0644");
  assertEquals(info.owner, "sandbox");
  assertEquals(info.group, "sandbox");
  assertEquals(info.path, "/home/sandbox/notes/a.txt");
  assert(!Number.isNaN(Date.parse(info.modTime)), info.modTime);
  assertEquals((await sandbox.fs.getFileDetails("/home/sandbox/notes")).isDir, true);
  const missing = await failure(sandbox.fs.getFileDetails("notes/none.txt"));
  assert(missing instanceof DaytonaFileNotFoundError, String(missing));

  await sandbox.fs.createFolder("notes/sub", "700");
  assertEquals((await sandbox.fs.getFileDetails("notes/sub")).permissions, "0700");
  const listed = await sandbox.fs.listFiles("notes");
  assertEquals(listed.map((entry) => [entry.name, entry.isDir]), [["a.txt", false], [
    "sub",
    true,
  ]]);

  await sandbox.fs.deleteFile("notes/a.txt");
  await rejects(sandbox.fs.getFileDetails("notes/a.txt"), DaytonaFileNotFoundError);
  await rejects(sandbox.fs.deleteFile("notes"), DaytonaValidationError);
  await sandbox.fs.deleteFile("notes", true);
  await rejects(sandbox.fs.listFiles("notes"), DaytonaFileNotFoundError);
});

Deno.test("FakeDaytona: git.clone() clones with git in the sandbox", opts, async () => {
  await using fake = await startFakeDaytona();
  await using daytona = sdk(fake);
  const sandbox = await daytona.create();
  const made = await sandbox.process.executeCommand(
    [
      "set -e",
      "export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com",
      "git init -q -b main /tmp/src && cd /tmp/src",
      "echo a > a.txt && git add a.txt && git commit -qm a",
      "echo b > b.txt && git add b.txt && git commit -qm b",
      "git checkout -q -b feature && echo f > f.txt && git add f.txt && git commit -qm f",
      "git checkout -q main && git clone -q --bare /tmp/src /tmp/repo.git",
      "git rev-parse main~1",
    ].join("\n"),
  );
  assertEquals(made.exitCode, 0, made.result);
  const first = made.result.trim();

  await sandbox.git.clone("file:///tmp/repo.git", "repo");
  const log = await sandbox.process.executeCommand("git -C repo log --format=%s");
  assertEquals(log.result, "b\na\n");

  await sandbox.git.clone("file:///tmp/repo.git", "/tmp/feature", "feature");
  assertEquals(
    (await sandbox.process.executeCommand("ls /tmp/feature")).result,
    "a.txt\nb.txt\nf.txt\n",
  );

  await sandbox.git.clone("file:///tmp/repo.git", "old", undefined, first);
  const head = await sandbox.process.executeCommand("git -C old rev-parse HEAD; ls old");
  assertEquals(head.result, `${first}\na.txt\n`);

  const absent = await failure(sandbox.git.clone("file:///tmp/absent.git", "absent"));
  assert(absent instanceof DaytonaGitRepoNotFoundError, String(absent));
  assertEquals((absent as DaytonaError).source, "DAYTONA_DAEMON");
  const taken = await failure(sandbox.git.clone("file:///tmp/repo.git", "repo"));
  assert(taken instanceof DaytonaError, String(taken));
  assertEquals(taken.code, "GIT_REPO_EXISTS");
  assertEquals(taken.statusCode, 409);
});

Deno.test("FakeDaytona: getPreviewLink() reaches a server in the sandbox", opts, async () => {
  await using fake = await startFakeDaytona();
  await using daytona = sdk(fake);
  const sandbox = await daytona.create();
  const port = freePort();
  await sandbox.fs.uploadFile(Buffer.from("preview works\n"), "site/index.html");
  const started = await sandbox.process.executeCommand(
    `nohup python3 -m http.server ${port} --bind 127.0.0.1 --directory site >/dev/null 2>&1 &`,
  );
  assertEquals(started.exitCode, 0);

  const link = await sandbox.getPreviewLink(port);
  assertEquals(link.sandboxId, sandbox.id);
  assertEquals(link.url, `http://127.0.0.1:${port}`);
  assert(link.token.length > 0);
  let body = "";
  await eventually(async () => {
    try {
      const response = await fetch(`${link.url}/index.html`);
      body = await response.text();
      return response.ok;
    } catch {
      return false;
    }
  });
  assertEquals(body, "preview works\n");

  const signed = await sandbox.getSignedPreviewUrl(port, 120);
  assertEquals(signed.sandboxId, sandbox.id);
  assertEquals(signed.port, port);
  assertEquals(signed.url, `http://127.0.0.1:${port}`);
  assert(signed.token.length > 0);
  await rejects(sandbox.getSignedPreviewUrl(port, 0), DaytonaValidationError);
});

Deno.test("FakeDaytona: delete() closes the sandbox; get() is then a 404", opts, async () => {
  await using fake = await startFakeDaytona();
  await using daytona = sdk(fake);
  const keep = await daytona.create();
  const doomed = await daytona.create();
  assertEquals(fake.sandboxIds(), [keep.id, doomed.id]);
  await doomed.delete();
  assertEquals(fake.sandboxIds(), [keep.id]);
  await rejects(daytona.get(doomed.id), DaytonaNotFoundError);
  await rejects(doomed.process.executeCommand("true"), DaytonaNotFoundError);
  await daytona.delete(keep, 60, true); // wait=true polls until the 404
  assertEquals(fake.sandboxIds(), []);
  await rejects(daytona.get("no-such-sandbox"), DaytonaNotFoundError);
});

Deno.test("FakeDaytona: stop(), start(), setLabels() and refreshData()", opts, async () => {
  await using fake = await startFakeDaytona();
  await using daytona = sdk(fake);
  const sandbox = await daytona.create();
  await sandbox.stop();
  assertEquals(sandbox.state, "stopped");
  await sandbox.start();
  assertEquals(sandbox.state, "started");
  assertEquals(await sandbox.setLabels({ a: "b" }), { a: "b" });
  await sandbox.refreshData();
  assertEquals(sandbox.labels, { a: "b" });
  assertEquals(fake.count("POST /api/sandbox/{id}/stop"), 1);
  assertEquals(fake.count("POST /api/sandbox/{id}/start"), 1);
  assertEquals(fake.count("PUT /api/sandbox/{id}/labels"), 1);
});

Deno.test("FakeDaytona: a wrong API key is a DaytonaAuthenticationError", async () => {
  await using fake = await startFakeDaytona({ apiKey: "right" });
  await using daytona = sdk(fake, "wrong");
  const error = await failure(daytona.get("anything"));
  assert(error instanceof DaytonaAuthenticationError, String(error));
  assertEquals(error.message, "Invalid API key");
  assertEquals(error.statusCode, 401);
  assertEquals(error.code, "UNAUTHORIZED");
  assertEquals(error.source, "DAYTONA_API");
  const toolbox = await fetch(`${fake.apiUrl.replace(/\/api$/, "")}/toolbox/x/work-dir`);
  assertEquals(toolbox.status, 401);
  await toolbox.body?.cancel();
  assertEquals(fake.counts(), { "GET /api/sandbox/{id}": 1, "GET /toolbox/{id}/work-dir": 1 });
});

Deno.test("FakeDaytona: unknown routes are 404s", async () => {
  await using fake = await startFakeDaytona();
  const headers = { authorization: `Bearer ${fake.apiKey}` };
  for (const path of ["/api/nothing", "/api/socket.io/?EIO=4", "/elsewhere"]) {
    const response = await fetch(`${fake.apiUrl.replace(/\/api$/, "")}${path}`, { headers });
    assertEquals(response.status, 404, path);
    assertEquals((await response.json()).statusCode, 404);
  }
});

Deno.test("FakeDaytona: an injected 500 fails create() once; the next succeeds", opts, async () => {
  await using fake = await startFakeDaytona();
  await using daytona = sdk(fake);
  fake.inject("POST /api/sandbox", { status: 500 });
  const error = await failure(daytona.create());
  assert(error instanceof DaytonaInternalServerError, String(error));
  assertEquals(error.statusCode, 500);
  assertEquals(fake.sandboxIds(), []);
  const sandbox = await daytona.create();
  assertEquals(fake.sandboxIds(), [sandbox.id]);
  assertEquals(fake.count("POST /api/sandbox"), 2);

  fake.inject("POST /toolbox/{id}/process/execute", { status: 503, times: 2 });
  await rejects(sandbox.process.executeCommand("true"), DaytonaError);
  await rejects(sandbox.process.executeCommand("true"), DaytonaError);
  assertEquals((await sandbox.process.executeCommand("echo ok")).result, "ok\n");
});

Deno.test("FakeDaytona: injected 429, delays and clearFaults()", async () => {
  await using fake = await startFakeDaytona();
  await using daytona = sdk(fake);
  fake.inject("GET /api/sandbox/{id}", { status: 429 });
  const limited = await failure(daytona.get("x"));
  assert(limited instanceof DaytonaRateLimitError, String(limited));
  assertEquals(limited.code, "TOO_MANY_REQUESTS");
  assertEquals(limited.headers?.["retry-after"], "0");

  fake.inject("GET /api/sandbox/{id}", { delayMs: 300 });
  const start = performance.now();
  await rejects(daytona.get("x"), DaytonaNotFoundError); // delayed, then handled normally
  assert(performance.now() - start >= 290);

  fake.inject("GET /api/sandbox/{id}", { status: 500, times: Infinity });
  await rejects(daytona.get("x"), DaytonaInternalServerError);
  await rejects(daytona.get("x"), DaytonaInternalServerError);
  fake.clearFaults();
  await rejects(daytona.get("x"), DaytonaNotFoundError);
  assertEquals(fake.count("GET /api/sandbox/{id}"), 5);
  assertThrowsRange(() => fake.inject("GET /api/sandbox", { times: 0 }));
  assertThrowsRange(() => fake.inject("GET /api/sandbox", { status: 200 }));
});

function assertThrowsRange(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    assert(error instanceof RangeError, String(error));
    return;
  }
  throw new Error("Expected a RangeError");
}

Deno.test("FakeDaytona: an injected reset is a network error", async () => {
  await using fake = await startFakeDaytona();
  await using daytona = sdk(fake);
  // POST is never retried on a dropped connection.
  fake.inject("POST /api/sandbox", { reset: true });
  const error = await failure(daytona.create());
  assert(error instanceof DaytonaConnectionError, String(error));
  assertEquals(error.statusCode, undefined);
  assertEquals(fake.count("POST /api/sandbox"), 1);
  assertEquals(fake.sandboxIds(), []);

  // fetch sees it too.
  fake.inject("GET /api/sandbox", { reset: true });
  const headers = { authorization: `Bearer ${fake.apiKey}` };
  await rejects(fetch(`${fake.apiUrl}/sandbox`, { headers }), TypeError);

  // The SDK's transport retries a GET twice after a dropped connection: two resets are survived,
  // three are not.
  fake.resetCounts();
  fake.inject("GET /api/sandbox", { reset: true, times: 2 });
  assertEquals(await collect(daytona.list()), []);
  assertEquals(fake.count("GET /api/sandbox"), 3);
  fake.inject("GET /api/sandbox", { reset: true, times: 3 });
  const listed = await failure(collect(daytona.list()));
  assert(listed instanceof DaytonaConnectionError, String(listed));
  assertEquals(listed.message, "socket hang up");
  assertEquals(fake.count("GET /api/sandbox"), 6);
});

Deno.test("FakeDaytona: counts() matches the calls made", opts, async () => {
  await using fake = await startFakeDaytona();
  await using daytona = sdk(fake);
  const sandbox = await daytona.create();
  await sandbox.process.executeCommand("true");
  await sandbox.fs.uploadFile(Buffer.from("x"), "x.txt");
  await sandbox.fs.downloadFile("x.txt");
  await sandbox.fs.getFileDetails("x.txt");
  await sandbox.git.clone("file:///nowhere.git", "nowhere").catch(() => {});
  await sandbox.getPreviewLink(3000);
  await sandbox.getSignedPreviewUrl(3000);
  await collect(daytona.list());
  await sandbox.delete();
  assertEquals(fake.counts(), {
    "POST /api/sandbox": 1,
    "GET /api/sandbox/{id}": 1, // the SDK's first poll, which sees "started"
    "POST /toolbox/{id}/process/execute": 1,
    "POST /toolbox/{id}/files/bulk-upload": 1,
    "POST /toolbox/{id}/files/bulk-download": 1,
    "GET /toolbox/{id}/files/info": 1,
    "POST /toolbox/{id}/git/clone": 1,
    "GET /api/sandbox/{id}/ports/{port}/preview-url": 1,
    "GET /api/sandbox/{id}/ports/{port}/signed-preview-url": 1,
    "GET /api/sandbox": 1,
    "DELETE /api/sandbox/{id}": 1,
  });
  fake.resetCounts();
  assertEquals(fake.counts(), {});
  assertEquals(fake.count("POST /api/sandbox"), 0);
});

Deno.test("FakeDaytona: close() closes every backing sandbox and is idempotent", opts, async () => {
  const fake = await startFakeDaytona();
  await using daytona = sdk(fake);
  const sandbox = await daytona.create();
  await fake.seed();
  const marker = `sleep 4343.${Math.floor(Math.random() * 1e6)}`;
  await sandbox.process.executeCommand(`nohup ${marker} >/dev/null 2>&1 &`);
  await fake.close();
  await fake.close();
  assertEquals(fake.sandboxIds(), []);
  const ps = await new Deno.Command("pgrep", { args: ["-f", marker], stdout: "null" }).output();
  assertEquals(ps.code, 1, "the sandbox's processes are gone");
  await rejects(daytona.get(sandbox.id), DaytonaConnectionError);
});

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

Deno.test(
  "FakeDaytona: §7 — uint32 timeouts, stopped toolbox, 409, 404 then 401, throttling",
  opts,
  async () => {
    await using fake = await startFakeDaytona({ deletedNotFoundMs: 0 });
    await using daytona = sdk(fake);
    const sandbox = await daytona.create();
    const fractional = await daytonaFailure(
      sandbox.process.executeCommand("true", undefined, {}, 62.5),
    );
    assertMatch(fractional.message, /cannot unmarshal number 62\.5 .* of type uint32/);
    await fake.stop(sandbox.id, { pending: 2 });
    const stopped = await daytonaFailure(sandbox.process.executeCommand("true"));
    assertEquals(stopped.statusCode, 400);
    assertMatch(stopped.message, /Is the Sandbox started\?/);
    const pending = await daytonaFailure(daytona.delete(sandbox));
    assertEquals(pending.statusCode, 409);
    await sandbox.refreshData(); // the pending stop moves on with each request about it
    assertEquals(sandbox.state, "stopped");
    await sandbox.start();
    assertEquals((await sandbox.process.executeCommand("echo back")).result, "back\n");
    await daytona.delete(sandbox);
    const deleted = await daytonaFailure(sandbox.process.executeCommand("true"));
    assertEquals(deleted.statusCode, 401, "after the proxy's cache, a deleted id is a 401");
    fake.throttle(0, 60_000);
    const throttled = await daytonaFailure(daytona.get(sandbox.id));
    assertEquals(throttled.statusCode, 429);
    const headers = throttled.headers as Record<string, string>;
    assertEquals(headers["retry-after-authenticated"], "60");
    fake.throttle(Infinity);
  },
);

async function daytonaFailure(promise: Promise<unknown>): Promise<DaytonaError> {
  const error = await failure(promise);
  assert(error instanceof DaytonaError, String(error));
  return error;
}
