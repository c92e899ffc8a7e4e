import { deepStrictEqual as assertEquals, rejects as assertRejects } from "node:assert/strict";
import { ByteGate, FILE_DATA, OwnedGates } from "../../src/_gate.ts";
import { fileDownload } from "../../src/tools/file_download.ts";
import { FakeSandbox } from "./_fake_sandbox.ts";

/** Lets every pending promise callback run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("ByteGate admits bytes up to its size, the rest in arrival order", async () => {
  const gate = new ByteGate(10);
  const order: string[] = [];
  const a = await gate.enter(6);
  const b = gate.enter(6).then((held) => (order.push("b"), held));
  const c = gate.enter(2).then((held) => (order.push("c"), held));
  await settle();
  // c would fit, but b came first: nobody is passed over for good by smaller reads.
  assertEquals([order, gate.held], [[], 6]);
  a[Symbol.dispose]();
  (await b)[Symbol.dispose]();
  (await c)[Symbol.dispose]();
  assertEquals([order, gate.held, gate.idle], [["b", "c"], 0, true]);
  // More than the gate holds waits for all of it, rather than never.
  using _whole = await gate.enter(50);
  assertEquals(gate.held, 10);
});

Deno.test("ByteGate lets a waiter that gives up go, and admits those behind it", async () => {
  const gate = new ByteGate(10);
  const a = await gate.enter(8);
  const cancel = new AbortController();
  const b = gate.enter(8, cancel.signal);
  const c = gate.enter(2);
  cancel.abort(new Error("the client left"));
  await assertRejects(b, /the client left/);
  using _c = await c;
  assertEquals(gate.held, 10);
  a[Symbol.dispose]();
  a[Symbol.dispose](); // twice: counted once
  assertEquals(gate.held, 2);
});

Deno.test("ByteGate lets a few requests wait, and refuses more at once", async () => {
  const gate = new ByteGate(10, 2);
  const full = await gate.enter(10);
  const waiting = [gate.enter(5), gate.enter(5)];
  await assertRejects(gate.enter(5), /2 reads wait already/);
  full[Symbol.dispose]();
  for (const held of await Promise.all(waiting)) held[Symbol.dispose]();
  using _again = await gate.enter(5);
  assertEquals(gate.held, 5);
});

Deno.test("OwnedGates keeps owners apart, and forgets an owner once it is idle", async () => {
  // One gate for the server let a client whose sandbox made its reads slow (a gzip that sleeps)
  // hold every other client's downloads for 297 s.
  const gates = new OwnedGates(10, 1);
  const slow = await gates.enter("a", 10);
  const queued = gates.enter("a", 10);
  await assertRejects(gates.enter("a", 1), /1 reads wait already/);
  using _other = await gates.enter("b", 10); // not behind a's
  assertEquals(gates.owners, 2);
  slow[Symbol.dispose]();
  (await queued)[Symbol.dispose]();
  assertEquals(gates.owners, 1);
  const cancel = new AbortController();
  cancel.abort();
  await assertRejects(gates.enter("c", 1, cancel.signal));
  assertEquals(gates.owners, 1);
});

Deno.test("fileDownload() reads a file to return it only once its sandbox's gate admits it", async () => {
  // 100 reads of a 7 MB file at once had their answers built at the same time: 1.1 GB.
  const sandbox = new FakeSandbox({ files: { "data.bin": new Uint8Array(500_000) } });
  const full = await FILE_DATA.enter(`sandbox ${sandbox.id}`, 8 * 1024 * 1024);
  const download = fileDownload(sandbox, {
    file_path: "data.bin",
    download_option: "force_download",
  });
  await settle();
  const read = () => sandbox.reads.filter((r) => r.path.endsWith("data.bin") && r.length !== 4096);
  assertEquals(read().length, 0, "it waits for the gate");
  full[Symbol.dispose]();
  assertEquals((await download).bytes_returned, 500_000);
  assertEquals(read().length, 1);
  assertEquals(FILE_DATA.owners, 0, "and lets go once answered");
  // The options hold nothing, and do not wait.
  using _full = await FILE_DATA.enter(`sandbox ${sandbox.id}`, 8 * 1024 * 1024);
  const options = await fileDownload(sandbox, { file_path: "data.bin", max_size_mb: 0.1 });
  assertEquals(options.result, "options");
});
