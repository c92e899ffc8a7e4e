import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
  rejects as assertRejects,
  throws as assertThrows,
} from "node:assert/strict";
import { silentLogger } from "../../src/log.ts";
import {
  type CreateSandboxOptions,
  SandboxError,
  type SandboxResources,
} from "../../src/sandbox.ts";
import { SandboxCounter, SandboxSession } from "../../src/session.ts";
import { sandboxCreate } from "../../src/tools/sandbox_create.ts";
import { sandboxDelete } from "../../src/tools/sandbox_delete.ts";
import { sandboxList } from "../../src/tools/sandbox_list.ts";
import { FakeProvider } from "./_fake_sandbox.ts";

const log = silentLogger();

/** The one error for an id that is not the session's, whoever's it is. */
function notFound(id: string): { name: string; message: string; sandboxId: string } {
  return {
    name: "SandboxError",
    message:
      `Cannot find sandbox ${id}: this session did not create it, or it was deleted; sandbox_list shows this session's sandboxes`,
    sandboxId: id,
  };
}

Deno.test("SandboxSession creates its default sandbox once, on first use, and replaces a dead one", async () => {
  const provider = new FakeProvider();
  await using session = new SandboxSession(provider, log);
  assertEquals(await session.existing(), undefined);
  assertEquals(provider.created.length, 0);
  const [a, b] = await Promise.all([session.sandbox(), session.sandbox()]);
  assert(a === b, "concurrent first calls share one sandbox");
  assertEquals(provider.created.length, 1);
  await a.close(); // it died
  const replacement = await session.sandbox();
  assertEquals([replacement.id, provider.created.length], ["fake-2", 2]);
});

Deno.test("SandboxSession.warm() resolves once the sandbox's processes run, before it is ready", async () => {
  // A provider whose sandbox runs at once and is ready only when the test says.
  const ready = Promise.withResolvers<void>();
  class Booting extends FakeProvider {
    override async create(options: CreateSandboxOptions = {}) {
      options.onStarted?.();
      await ready.promise;
      return await super.create(options);
    }
  }
  const provider = new Booting();
  await using session = new SandboxSession(provider, log);
  await session.warm();
  assertEquals(provider.created.length, 0, "warm() did not wait for the sandbox to be ready");
  ready.resolve();
  assertEquals((await session.sandbox()).id, "fake-1");
  assertEquals(provider.created.length, 1, "the first call got the sandbox warm() started");
  await session.warm(); // the sandbox is there: nothing to wait for
  assertEquals(provider.created.length, 1);
});

Deno.test("SandboxSession.warm() resolves when the creation fails, and the first call tries again", async () => {
  // A provider that never says its processes run (as Daytona): warm() waits for the creation.
  const provider = new FakeProvider({ failures: [new SandboxError("Cannot create sandbox")] });
  await using session = new SandboxSession(provider, log);
  await session.warm();
  assertEquals(provider.createCalls.length, 1);
  assertEquals((await session.sandbox()).id, "fake-1");
});

Deno.test("SandboxSession creates every sandbox for its own tenant, shared with no other session", async () => {
  const provider = new FakeProvider();
  await using a = new SandboxSession(provider, log);
  await using b = new SandboxSession(provider, log);
  await a.sandbox();
  await a.create({ tenant: "someone-else" }); // a caller cannot pick another tenant
  await b.sandbox();
  const [a1, a2, b1] = provider.createCalls.map((options) => options.tenant);
  assert(a1 !== undefined && a1 === a2, "a session's sandboxes share its tenant");
  assert(b1 !== undefined && b1 !== a1, "another session has another tenant");
  await using named = new SandboxSession(provider, log, { tenant: "stdio" });
  await named.sandbox();
  assertEquals(provider.createCalls[3].tenant, "stdio");
});

Deno.test("SandboxSession tries again after a failed creation, and frees its place", async () => {
  const provider = new FakeProvider({ failures: [new SandboxError("Cannot start sandbox: no")] });
  await using session = new SandboxSession(provider, log, { maxSandboxes: 1 });
  await assertRejects(session.sandbox(), { message: "Cannot start sandbox: no" });
  assertEquals((await session.sandbox()).id, "fake-1");
});

Deno.test("SandboxSession caps its sandboxes, the default one included; deleting frees a place", async () => {
  const provider = new FakeProvider();
  await using session = new SandboxSession(provider, log, { maxSandboxes: 2 });
  await session.sandbox();
  const extra = await session.create({ labels: { task: "x" } });
  assertEquals(provider.createCalls[1].labels, { task: "x" });
  await assertRejects(session.create(), (error) => {
    assert(error instanceof SandboxError);
    assertMatch(error.message, /^Cannot create a sandbox: this session already has 2 sandboxes/);
    assertMatch(error.message, /--max-sandboxes-per-session \(MCP_MAX_SANDBOXES_PER_SESSION\)$/);
    return true;
  });
  assertEquals(provider.created.length, 2, "nothing was created past the cap");
  await session.delete(extra.id);
  assert(extra.closed);
  await session.create();
  assertEquals(provider.created.length, 3);
});

Deno.test("A server-wide counter caps all sessions together", async () => {
  const provider = new FakeProvider();
  const counter = new SandboxCounter(2);
  await using a = new SandboxSession(provider, log, { counter });
  await using b = new SandboxSession(provider, log, { counter });
  await a.sandbox();
  await b.sandbox();
  assertEquals(counter.count, 2);
  await assertRejects(
    a.create(),
    /^SandboxError: Cannot create a sandbox: the server already has 2 sandboxes across its sessions/,
  );
  await assertRejects(b.create(), /--max-sandboxes \(MCP_MAX_SANDBOXES\)$/);
  await b.close();
  assertEquals(counter.count, 1, "a closed session's sandboxes free their places");
  await a.create();
  assertEquals(counter.count, 2);
  assertThrows(() => new SandboxCounter(-1), RangeError);
  assertEquals(new SandboxCounter(0).take() !== undefined, true, "0: no limit");
});

Deno.test("A session never reaches another session's sandbox: its id is not found", async () => {
  const provider = new FakeProvider();
  await using mine = new SandboxSession(provider, log);
  await using theirs = new SandboxSession(provider, log);
  const own = await mine.sandbox();
  const extra = await mine.create();
  const other = await theirs.sandbox();
  const foreign = await theirs.create();
  assert((await mine.sandbox({ id: own.id })) === own);
  assert((await mine.sandbox({ id: extra.id })) === extra);
  // Another session's ids and ids that never existed get the same answer.
  for (const id of [other.id, foreign.id, "fake-99"]) {
    await assertRejects(mine.sandbox({ id }), notFound(id));
    await assertRejects(mine.delete(id), notFound(id));
  }
  assertEquals(provider.asked.get, [], "the provider, which knows every session's, is never asked");
  assertEquals([other.closed, foreign.closed], [false, false]);
  const listed = await mine.list();
  assertEquals(listed.map((s) => [s.id, s.default]), [[own.id, true], [extra.id, false]]);
  await mine.delete(extra.id);
  await assertRejects(mine.sandbox({ id: extra.id }), notFound(extra.id));
});

Deno.test("A closed session deletes its sandboxes and hands out no more", async () => {
  const provider = new FakeProvider();
  const session = new SandboxSession(provider, log);
  const own = await session.sandbox();
  const extra = await session.create();
  await session.close();
  assertEquals([own.closed, extra.closed], [true, true]);
  await assertRejects(session.sandbox(), {
    message: "Cannot get a sandbox: the session is closed",
  });
  await assertRejects(session.create(), {
    message: "Cannot create a sandbox: the session is closed",
  });
  await session.close(); // idempotent
});

Deno.test("SandboxSession counts running calls for idleness", () => {
  const session = new SandboxSession(new FakeProvider(), log);
  const done = session.begin();
  assertEquals(session.idleSince(Date.now() + 60_000), 0, "busy while a call runs");
  done();
  done(); // idempotent
  assert(session.idleSince(Date.now() + 60_000) >= 59_000);
});

Deno.test("sandboxList() reports usage in MiB and sandboxDelete() says what deleting did", async () => {
  const usage: SandboxResources = {
    memoryBytes: 50 * 1048576 + 123_456,
    memoryBudgetBytes: 2048 * 1048576,
    processes: 3,
    processBudget: 512,
    cpuSeconds: 1.23456,
    oomKills: 0,
  };
  const provider = new FakeProvider({
    sandbox: (n) => n === 1 ? { resources: [usage] } : {},
  });
  await using session = new SandboxSession(provider, log);
  await session.sandbox();
  await session.create({ labels: { task: "t" } });
  const { sandboxes } = await sandboxList(session, {});
  assertEquals(sandboxes, [
    {
      sandbox_id: "fake-1",
      state: "started",
      labels: {},
      created_at: null,
      default: true,
      persistent: false,
      name: null,
      attached: true,
      usage: {
        memory_mib: 50.1,
        memory_budget_mib: 2048,
        processes: 3,
        processes_budget: 512,
        cpu_seconds: 1.23,
        oom_kills: 0,
      },
    },
    {
      sandbox_id: "fake-2",
      state: "started",
      labels: { task: "t" },
      created_at: null,
      default: false,
      persistent: false,
      name: null,
      attached: true,
      usage: null,
    },
  ]);
  assertEquals(
    (await sandboxDelete(session, { sandbox_id: "fake-2" })).message,
    "Deleted sandbox fake-2.",
  );
  assertEquals(
    (await sandboxDelete(session, { sandbox_id: "fake-1" })).message,
    "Deleted this session's default sandbox fake-1; the next tool call starts a fresh one.",
  );
  assertEquals((await session.sandbox()).id, "fake-3");
});

Deno.test("a provider without persistent workspaces refuses them, clearly, and lists none", async () => {
  await using session = new SandboxSession(new FakeProvider(), log);
  await assertRejects(
    sandboxCreate(session, { name: "proj", persistent: true }),
    /Cannot attach workspace proj: the fake provider has no persistent workspaces/,
  );
  await assertRejects(
    sandboxCreate(session, { name: "Proj", persistent: true }),
    /workspace name 'Proj'/,
  );
  await assertRejects(sandboxCreate(session, { persistent: true }), /without a name/);
  assertEquals(await session.workspaces(), []);
  assertEquals(await session.list(), []);
  assertThrows(
    () => new SandboxSession(new FakeProvider(), log, { workspaces: false, workspace: "proj" }),
    /Cannot make workspace proj the default sandbox: this session does not allow/,
  );
});
