// SandboxSession in a deployment of several servers (`shared`): a tenant's sandboxes are found by
// id from any server's session, listed alike everywhere, kept when a session closes, and never
// shown to another tenant. The provider stands for Daytona, which all servers share.

import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
  throws as assertThrows,
} from "node:assert/strict";
import { silentLogger } from "../../src/log.ts";
import type { FindSandboxOptions, SandboxSummary, SignalOptions } from "../../src/sandbox.ts";
import { SandboxCounter, SandboxSession } from "../../src/session.ts";
import { FakeProvider, type FakeSandbox } from "./_fake_sandbox.ts";

const log = silentLogger();

/** A provider whose sandboxes every server finds, by tenant, as Daytona's labels allow. */
class DeploymentProvider extends FakeProvider {
  readonly found: string[] = [];

  find(id: string, options: FindSandboxOptions): Promise<FakeSandbox | undefined> {
    this.found.push(id);
    const i = this.created.findIndex((s) => s.id === id && !s.closed);
    return Promise.resolve(
      i >= 0 && this.createCalls[i].tenant === options.tenant ? this.created[i] : undefined,
    );
  }

  override list(_options?: SignalOptions): Promise<SandboxSummary[]> {
    return Promise.resolve(
      this.created.flatMap((s, i) =>
        s.closed
          ? []
          : [{ id: s.id, state: "started", labels: {}, tenant: this.createCalls[i].tenant }]
      ),
    );
  }
}

function replica(provider: FakeProvider, tenant: string, counter?: SandboxCounter) {
  return new SandboxSession(provider, log, { shared: true, tenant, counter, maxSandboxes: 2 });
}

Deno.test("a shared session finds its tenant's sandbox made by another server, and only that", async () => {
  const provider = new DeploymentProvider();
  await using a = replica(provider, "alice");
  await using b = replica(provider, "alice");
  await using other = replica(provider, "bob");
  const made = await a.create();
  assertEquals(provider.createCalls[0].tenant, "alice");
  assert(await b.sandbox({ id: made.id }) === made, "another server's session finds it");
  assertEquals(provider.found, [made.id]);
  await b.sandbox({ id: made.id });
  assertEquals(provider.found, [made.id], "found once, then known");
  const foreign = await other.sandbox({ id: made.id }).catch((error) => error);
  const missing = await other.sandbox({ id: "never" }).catch((error) => error);
  assertEquals(foreign.message.replace(made.id, "ID"), missing.message.replace("never", "ID"));
  assertEquals((await b.list()).map((s) => [s.id, s.attached]), [[made.id, true]]);
  assertEquals(await other.list(), []);
  await assertRejects(other.delete(made.id), { message: foreign.message });
  assert(!made.closed, "another tenant cannot delete it");
});

Deno.test("closing a shared session keeps its sandboxes and frees its places in the caps", async () => {
  const provider = new DeploymentProvider();
  const counter = new SandboxCounter(1);
  const a = replica(provider, "alice", counter);
  const made = await a.create();
  assertEquals(counter.count, 1);
  await a.close();
  assert(!made.closed, "the sandbox outlives the session: another server may serve it");
  assertEquals(counter.count, 0);
  await using b = replica(provider, "alice", counter);
  assertEquals(await b.delete(made.id), { default: false });
  assert(made.closed, "sandbox_delete from any server deletes it");
  await assertRejects(b.sandbox({ id: made.id }), /Cannot find sandbox/);
});

Deno.test("a session is shared only with a provider that finds sandboxes, and a tenant", () => {
  assertThrows(
    () => new SandboxSession(new FakeProvider(), log, { shared: true, tenant: "t" }),
    /Cannot share a session's sandboxes: the fake provider cannot find another server's sandboxes/,
  );
  assertThrows(
    () => new SandboxSession(new DeploymentProvider(), log, { shared: true }),
    /Cannot share a session's sandboxes: the session has no tenant/,
  );
});
