// Persistent workspaces (issue 18, part 2): a workspace survives a real restart of the server
// process, on the local provider and on Daytona (the fake API); names are checked; a second
// attach is refused; sandbox_delete deletes one; throw-away sandboxes still vanish.

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/stdio"
import { StdioClientTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/client/stdio.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
import type { CallToolResult } from "npm:@modelcontextprotocol/sdk@1.32.2/types.js";
import { LocalProvider } from "../src/providers/local/mod.ts";
import { silentLogger } from "../src/log.ts";
import { SandboxSession } from "../src/session.ts";
import { sandboxCreate } from "../src/tools/sandbox_create.ts";
import type { SandboxCreateOutput } from "../src/tools/sandbox_create.ts";
import type { SandboxDeleteOutput } from "../src/tools/sandbox_delete.ts";
import type { SandboxListOutput } from "../src/tools/sandbox_list.ts";
import { parseCommand } from "../src/config.ts";
import { startFakeDaytona } from "./daytona/fake_server.ts";
import {
  assertToolErrors,
  connect,
  eventually,
  hasBwrap,
  hostProcesses,
  LOCK_FLAG,
  ROOT,
  structured,
  TEST_EGRESS,
  text,
} from "./_helpers.ts";

const opts = { ignore: !hasBwrap };

/** A fresh directory in /tmp that others may pass (bubblewrap runs as nobody under root). */
async function tempDir(prefix: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix });
  await Deno.chmod(dir, 0o755);
  return dir;
}

async function listDir(path: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(path)) names.push(entry.name);
  return names.sort();
}

/** Whether some process holds the workspace's lock. */
function held(workspaces: string, name: string): boolean {
  using file = Deno.openSync(`${workspaces}/${name}/lock`, { read: true, write: true });
  if (!file.tryLockSync(true)) return true;
  file.unlockSync();
  return false;
}

/** A real server process (`deno task start`, or Daytona's flags), spoken to by the SDK's client. */
async function spawnClient(
  env: Record<string, string>,
  daytona = false,
): Promise<{ client: Client; call: (name: string, args: object) => Promise<CallToolResult> }> {
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: daytona
      ? ["run", LOCK_FLAG, "--allow-net", "--allow-env", "bundle/cli.js", "--provider", "daytona"]
      : ["task", "--quiet", "start"],
    cwd: ROOT,
    env: { ...Deno.env.toObject(), NO_COLOR: "1", MCP_LOG_LEVEL: "error", ...env },
    stderr: "pipe",
  });
  const client = new Client({ name: "workspace-test", version: "1" });
  await client.connect(transport);
  return {
    client,
    call: async (name, args) =>
      await client.callTool({ name, arguments: args as Record<string, unknown> }) as CallToolResult,
  };
}

const stdout = (result: CallToolResult) => structured<{ stdout: string }>(result).stdout;

Deno.test(
  "a persistent workspace survives a restart of the server process; its processes and throw-away sandboxes do not",
  opts,
  async () => {
    const base = await tempDir("mcp-ws-base-");
    const workspaces = await tempDir("mcp-ws-");
    const marker = `sleep 5353.${Math.floor(Math.random() * 1e6)}`;
    const env = { MCP_SANDBOX_DIR: base, MCP_WORKSPACE_DIR: workspaces };
    try {
      const first = await spawnClient(env);
      const made = structured<SandboxCreateOutput>(
        await first.call("sandbox_create", { name: "proj", persistent: true }),
      );
      assertEquals([made.persistent, made.name, made.reattached], [true, "proj", false]);
      assertMatch(made.message, /survive.*restart/);
      const id = made.sandbox_id;
      await first.call("shell_exec", {
        sandbox_id: id,
        command:
          `mkdir -p src && echo 'print("kept")' > src/app.py && git init -q repo && ${marker} &`,
      });
      await first.call("python_exec", { sandbox_id: id, code: "x = 41" });
      // A throw-away sandbox next to it, which must vanish.
      const other = structured<SandboxCreateOutput>(await first.call("sandbox_create", {}));
      await first.call("shell_exec", { sandbox_id: other.sandbox_id, command: "echo gone > f" });
      assertEquals((await hostProcesses(marker)).length, 1);
      assertEquals(held(workspaces, "proj"), true, "locked while attached");
      await first.client.close();

      await eventually(async () => !held(workspaces, "proj") && (await listDir(base)).length === 0);
      await eventually(async () => (await hostProcesses(marker)).length === 0);
      assertEquals(await listDir(workspaces), ["proj"]);
      const record = JSON.parse(await Deno.readTextFile(`${workspaces}/proj/workspace.json`));
      if (Deno.uid() === 0) {
        // As root, its files are in its disk image, unmounted now and kept in the workspace.
        assertEquals(record.disk_bytes, 3 * 1024 ** 3);
        assertEquals(await listDir(`${workspaces}/proj/sandbox`), ["disk.img"]);
      } else {
        assertEquals(record.disk_bytes, null);
      }

      // A new server, whose default sandbox is the workspace.
      const second = await spawnClient({ ...env, MCP_WORKSPACE: "proj" });
      try {
        const out = await second.call("shell_exec", {
          command: "python3 src/app.py && git -C repo rev-parse --is-inside-work-tree && pwd",
        });
        assertEquals(stdout(out), "kept\ntrue\n/home/sandbox\n");
        const python = structured<{ error: { type: string } | null }>(
          await second.call("python_exec", { code: "x" }),
        );
        assertEquals(python.error?.type, "NameError", "the interpreter is fresh");
        const listed = structured<SandboxListOutput>(await second.call("sandbox_list", {}));
        assertEquals(
          listed.sandboxes.map((s) => [s.sandbox_id, s.default, s.persistent, s.name, s.attached]),
          [[id, true, true, "proj", true]],
          "the same id; the throw-away sandbox is gone",
        );
        assertEquals((await hostProcesses(marker)).length, 0, "processes do not survive");
        // Attaching it again by name in the same session gives the same sandbox.
        const again = structured<SandboxCreateOutput>(
          await second.call("sandbox_create", { name: "proj", persistent: true }),
        );
        assertEquals([again.sandbox_id, again.reattached], [id, true]);
        assertMatch(again.message, /already attached in this session/);
      } finally {
        await second.client.close();
      }
      await eventually(async () => !held(workspaces, "proj") && (await listDir(base)).length === 0);
    } finally {
      await Deno.remove(base, { recursive: true });
      await Deno.remove(workspaces, { recursive: true }).catch(() => {});
    }
  },
);

Deno.test(
  "a Daytona workspace is stopped, not deleted, when the server ends, and found and started by the next one",
  opts,
  async () => {
    await using fake = await startFakeDaytona();
    const env = {
      MCP_DAYTONA_API_KEY: fake.apiKey,
      MCP_DAYTONA_SERVER_URL: fake.apiUrl,
      MCP_WORKSPACE: "proj",
    };
    const first = await spawnClient(env, true);
    await first.call("shell_exec", { command: "echo kept > notes.txt" });
    const [workspace] = structured<SandboxListOutput>(await first.call("sandbox_list", {}))
      .sandboxes;
    assertEquals([workspace.persistent, workspace.name, workspace.default], [true, "proj", true]);
    const other = structured<SandboxCreateOutput>(await first.call("sandbox_create", {}));
    await first.client.close();
    await eventually(() => Promise.resolve(fake.state(other.sandbox_id) === undefined));
    assertEquals(fake.state(workspace.sandbox_id), "stopped", "stopped, not deleted");

    const second = await spawnClient(env, true);
    try {
      const out = await second.call("shell_exec", { command: "cat notes.txt" });
      assertEquals(stdout(out), "kept\n");
      assertEquals(fake.state(workspace.sandbox_id), "started");
      const listed = structured<SandboxListOutput>(await second.call("sandbox_list", {}));
      assertEquals(listed.sandboxes.map((s) => [s.sandbox_id, s.name, s.attached]), [
        [workspace.sandbox_id, "proj", true],
      ]);
      assertEquals(fake.sandboxIds(), [workspace.sandbox_id], "no second sandbox was made");
      const deleted = structured<SandboxDeleteOutput>(
        await second.call("sandbox_delete", { sandbox_id: workspace.sandbox_id }),
      );
      assertEquals(deleted.workspace, "proj");
      assertEquals(fake.state(workspace.sandbox_id), undefined, "deleted on request");
    } finally {
      await second.client.close();
    }
  },
);

Deno.test(
  "Daytona: sandbox_list shows workspaces not attached; sandbox_create attaches one by name",
  opts,
  async () => {
    await using fake = await startFakeDaytona();
    const { DaytonaProvider } = await import("../src/providers/daytona/mod.ts");
    const provider = () =>
      new DaytonaProvider({
        apiKey: fake.apiKey,
        apiUrl: fake.apiUrl,
        target: "us",
        log: silentLogger(),
      });
    let id: string;
    {
      await using mcp = await connect({ provider: provider() });
      id = structured<SandboxCreateOutput>(
        await mcp.call("sandbox_create", { name: "data", persistent: true, labels: { a: "b" } }),
      ).sandbox_id;
      await mcp.call("shell_exec", { sandbox_id: id, command: "echo 1 > one" });
    }
    assertEquals(fake.state(id), "stopped");
    await using mcp = await connect({ provider: provider() });
    const listed = structured<SandboxListOutput>(await mcp.call("sandbox_list", {})).sandboxes;
    assertEquals(listed.map((s) => [s.sandbox_id, s.state, s.name, s.attached]), [
      [id, "stopped", "data", false],
    ]);
    const attached = structured<SandboxCreateOutput>(
      await mcp.call("sandbox_create", { name: "data", persistent: true }),
    );
    assertEquals([attached.sandbox_id, attached.reattached], [id, true]);
    assertMatch(attached.message, /Attached workspace data again/);
    assertEquals(
      stdout(await mcp.call("shell_exec", { sandbox_id: id, command: "cat one" })),
      "1\n",
    );
  },
);

Deno.test("workspace names are checked, and name and persistent go together", opts, async () => {
  const workspaces = await tempDir("mcp-ws-");
  try {
    await using mcp = await connect({ local: { workspacesDir: workspaces } });
    await assertToolErrors(mcp, "sandbox_create", [
      [{ name: "My Project", persistent: true }, /name is 1 to 63 lower-case letters/],
      [{ name: "../etc", persistent: true }, /name is 1 to 63 lower-case letters/],
      [{ name: "-x", persistent: true }, /name is 1 to 63 lower-case letters/],
      [{ name: "a".repeat(64), persistent: true }, /name is 1 to 63 lower-case letters/],
      [{ persistent: true }, /Cannot create a persistent workspace without a name/],
      [{ name: "proj" }, /Cannot name a sandbox that is not persistent: pass persistent=true/],
    ]);
    assertEquals(await listDir(workspaces), [], "nothing was made");
    for (const bad of ["Proj", "a/b", ".hidden"]) {
      let message = "";
      try {
        parseCommand(["--workspace", bad], () => undefined);
      } catch (error) {
        message = (error as Error).message;
      }
      assertMatch(message, /--workspace must be a workspace name/);
    }
  } finally {
    await Deno.remove(workspaces, { recursive: true });
  }
});

Deno.test(
  "a second server attaching the same workspace is refused until the first lets go",
  opts,
  async () => {
    const workspaces = await tempDir("mcp-ws-");
    try {
      await using first = await connect({ local: { workspacesDir: workspaces } });
      await using second = await connect({ local: { workspacesDir: workspaces } });
      const made = structured<SandboxCreateOutput>(
        await first.call("sandbox_create", { name: "shared", persistent: true }),
      );
      await first.call("shell_exec", { sandbox_id: made.sandbox_id, command: "echo one > f" });
      const refused = await second.call("sandbox_create", { name: "shared", persistent: true });
      assertEquals(refused.isError, true);
      assertMatch(text(refused), /Cannot attach workspace shared: another server is using it/);
      const listed = structured<SandboxListOutput>(await second.call("sandbox_list", {}));
      assertEquals(listed.sandboxes.map((s) => [s.name, s.state, s.attached]), [
        ["shared", "in_use", false],
      ]);
      const notDeleted = await second.call("sandbox_delete", { sandbox_id: made.sandbox_id });
      assertEquals(notDeleted.isError, true);
      assertMatch(text(notDeleted), /another server is using it/);

      // The first lets go (its session ends): the second attaches it, files intact.
      await first.session.close();
      const attached = structured<SandboxCreateOutput>(
        await second.call("sandbox_create", { name: "shared", persistent: true }),
      );
      assertEquals(attached.reattached, true);
      const out = await second.call("shell_exec", {
        sandbox_id: attached.sandbox_id,
        command: "cat f",
      });
      assertEquals(stdout(out), "one\n");
    } finally {
      await Deno.remove(workspaces, { recursive: true });
    }
  },
);

Deno.test(
  "sandbox_delete deletes a workspace with its files, attached or not; a throw-away sandbox's files go at session end",
  opts,
  async () => {
    const base = await tempDir("mcp-ws-base-");
    const workspaces = await tempDir("mcp-ws-");
    const local = { workspacesDir: workspaces, baseDir: base, egress: TEST_EGRESS };
    try {
      {
        await using mcp = await connect({ local });
        for (const name of ["one", "two"]) {
          const { sandbox_id } = structured<SandboxCreateOutput>(
            await mcp.call("sandbox_create", { name, persistent: true }),
          );
          await mcp.call("shell_exec", { sandbox_id, command: `echo ${name} > file` });
        }
        await mcp.call("shell_exec", { command: "echo throwaway > file" });
      }
      assertEquals(await listDir(workspaces), ["one", "two"]);
      assertEquals(
        (await listDir(base)).filter((name) => name.startsWith("mcp-")),
        [],
        "the default sandbox left nothing",
      );

      await using mcp = await connect({ local });
      const listed = structured<SandboxListOutput>(await mcp.call("sandbox_list", {}));
      assertEquals(listed.sandboxes.map((s) => [s.sandbox_id, s.name, s.state, s.attached]), [
        ["local-ws-one", "one", "stopped", false],
        ["local-ws-two", "two", "stopped", false],
      ]);
      // Not attached in this session: deleted by its id from sandbox_list.
      const gone = structured<SandboxDeleteOutput>(
        await mcp.call("sandbox_delete", { sandbox_id: "local-ws-one" }),
      );
      assertEquals(gone.workspace, "one");
      assertMatch(gone.message, /persistent workspace one with all its files/);
      // Attached in this session: deleted with its sandbox.
      await mcp.call("sandbox_create", { name: "two", persistent: true });
      await mcp.call("sandbox_delete", { sandbox_id: "local-ws-two" });
      assertEquals(await listDir(workspaces), []);
      assertEquals(structured<SandboxListOutput>(await mcp.call("sandbox_list", {})).sandboxes, []);
      const again = await mcp.call("sandbox_delete", { sandbox_id: "local-ws-two" });
      assertMatch(text(again), /^Cannot find sandbox local-ws-two: this session did not create it/);
    } finally {
      await Deno.remove(base, { recursive: true });
      await Deno.remove(workspaces, { recursive: true });
    }
  },
);

Deno.test(
  "a session that does not allow workspaces (HTTP) neither attaches nor lists nor deletes them",
  opts,
  async () => {
    const workspaces = await tempDir("mcp-ws-");
    try {
      await using provider = new LocalProvider({
        workspacesDir: workspaces,
        log: silentLogger(),
        egress: TEST_EGRESS,
      });
      {
        await using mine = new SandboxSession(provider, silentLogger());
        await sandboxCreate(mine, { name: "private", persistent: true });
      }
      await using session = new SandboxSession(provider, silentLogger(), { workspaces: false });
      let message = "";
      await sandboxCreate(session, { name: "private", persistent: true }).catch((error) =>
        message = error.message
      );
      assertMatch(message, /Cannot attach workspace private: this server has several clients/);
      assertEquals(await session.list(), []);
      await session.delete("local-ws-private").catch((error) => message = error.message);
      assertMatch(message, /^Cannot find sandbox local-ws-private: this session did not create/);
      assertEquals(await listDir(workspaces), ["private"]);
      assert(
        (() => {
          try {
            parseCommand(["--http", "--workspace", "proj"], () => undefined);
            return false;
          } catch (error) {
            return /Cannot use --workspace with --http/.test((error as Error).message);
          }
        })(),
      );
    } finally {
      await Deno.remove(workspaces, { recursive: true });
    }
  },
);

Deno.test(
  "a workspace attached for another tenant (a uid per tenant, as root) becomes that uid's, without following its symlinks",
  { ignore: !hasBwrap || Deno.uid() !== 0 },
  async () => {
    const workspaces = await tempDir("mcp-ws-");
    // A host file only root may touch: a symlink to it in the workspace must stay a symlink.
    const outside = await Deno.makeTempFile({ prefix: "mcp-ws-outside-" });
    try {
      await using provider = new LocalProvider({
        workspacesDir: workspaces,
        log: silentLogger(),
        network: "none",
        uidPerTenant: true,
      });
      const first = await provider.create({ tenant: "a", workspace: "kept" });
      const made = await first.exec(
        `mkdir -p deep/er && echo a > deep/er/notes.txt && chmod 600 deep/er/notes.txt && ln -s ${outside} outside && ln -s / root`,
      );
      assertEquals(made.exitCode, 0, made.stderr);
      // Deeper than a path can name (PATH_MAX): giving it file by file, by whole paths, failed
      // with ENAMETOOLONG, and the workspace could no longer be attached for another tenant.
      const nested = await first.exec(
        `python3 -c "import os
for _ in range(2500): os.mkdir('a'); os.chdir('a')
open('leaf', 'w').write('a')"`,
      );
      assertEquals(nested.exitCode, 0, nested.stderr);
      await first.close();
      const second = await provider.create({ tenant: "b", workspace: "kept" });
      const out = await second.exec(
        "echo b >> deep/er/notes.txt && cat deep/er/notes.txt && mkdir deep/new && rm outside && pip --version >/dev/null && echo ok",
      );
      assertEquals([out.exitCode, out.stdout, out.stderr], [0, "a\nb\nok\n", ""]);
      const leaf = await second.exec(
        `python3 -c "import os
for _ in range(2500): os.chdir('a')
open('leaf', 'a').write('b')
print(open('leaf').read())"`,
      );
      assertEquals([leaf.exitCode, leaf.stdout, leaf.stderr], [0, "ab\n", ""]);
      const host = await Deno.lstat(outside);
      assertEquals([host.uid, host.gid, host.mode! & 0o7777], [0, 0, 0o600]);
      assertEquals((await Deno.stat("/")).uid, 0);
      await second.close();
    } finally {
      await Deno.remove(workspaces, { recursive: true });
      await Deno.remove(outside);
    }
  },
);

Deno.test(
  "other users of the machine read nothing of a sandbox's, a workspace's or a package cache's files",
  { ignore: !hasBwrap || Deno.uid() !== 0 },
  async () => {
    // Under a root server a disk image's root was 0755 and the image itself 0644, and directories
    // made under the umask were 0755: any local user read what sandboxes held (uploads, clones
    // made with a token), and a workspace's image after the server ended.
    const base = await tempDir("mcp-ws-base-");
    const workspaces = await tempDir("mcp-ws-");
    const local = { workspacesDir: workspaces, baseDir: base, egress: TEST_EGRESS };
    /** What a Python `script` run as user 4242 with `args` prints, line by line. */
    const asOtherUser = async (script: string, ...args: string[]) => {
      const out = await new Deno.Command("setpriv", {
        args: [
          "--reuid=4242",
          "--regid=4242",
          "--clear-groups",
          "--inh-caps=-all",
          "/usr/bin/python3",
          "-c",
          script,
          ...args,
        ],
        stdout: "piped",
      }).output();
      assert(out.success);
      return new TextDecoder().decode(out.stdout).split("\n").filter(Boolean);
    };
    /** Every file under the directories (or named) that user 4242 can read and holds SECRET. */
    const readable = () =>
      asOtherUser(
        `import os, sys
def check(path):
    try:
        with open(path, "rb") as h:
            while block := h.read(1 << 20):
                if b"SECRET" in block:
                    print(path)
                    return
    except OSError:
        pass
for top in sys.argv[1:]:
    check(top)  # a path one can guess, in a directory one may not list
    for d, _, files in os.walk(top):
        for f in files:
            check(os.path.join(d, f))`,
        base,
        workspaces,
        `${workspaces}/w/sandbox/disk.img`,
        `${workspaces}/w/sandbox/home/kept.txt`,
      );
    try {
      {
        await using mcp = await connect({ local });
        await mcp.call("file_upload", { file_path: "notes/key.txt", content: "SECRET-UPLOAD" });
        await mcp.call("shell_exec", { command: "echo SECRET-TMP > /tmp/t" });
        const { sandbox_id } = structured<SandboxCreateOutput>(
          await mcp.call("sandbox_create", { name: "w", persistent: true }),
        );
        await mcp.call("shell_exec", { sandbox_id, command: "echo SECRET-WS > kept.txt; sync" });
        // Something in the package cache, as pip leaves it.
        await mcp.call("shell_exec", {
          command: 'echo SECRET-CACHE > "$PIP_CACHE_DIR/../secret"',
        });
        assertEquals(await readable(), [], "while the sandboxes run");
        // Nor connect to a workspace's egress proxy or preview socket, which live beside it.
        const sockets = [...Deno.readDirSync(base)]
          .filter((entry) => entry.name.startsWith("mcp-workspace-net-"))
          .flatMap((
            entry,
          ) => [`${base}/${entry.name}/proxy.sock`, `${base}/${entry.name}/inbound.sock`]);
        assertEquals(sockets.length, 2);
        const connected = await asOtherUser(
          `import socket, sys
for path in sys.argv[1:]:
    try:
        socket.socket(socket.AF_UNIX).connect(path)
        print(path)
    except OSError:
        pass`,
          ...sockets,
        );
        assertEquals(connected, []);
      }
      assertEquals(await readable(), [], "after the server ended (the workspace's image stays)");
      assert((await listDir(workspaces)).includes("w"));
    } finally {
      await Deno.remove(base, { recursive: true });
      await Deno.remove(workspaces, { recursive: true });
    }
  },
);

Deno.test(
  "a workspace with a disk image attaches and deletes in a server whose first sandbox had none",
  { ignore: !hasBwrap || Deno.uid() !== 0 },
  async () => {
    // The package cache started the disk helper without the workspaces directory when the first
    // sandbox was a workspace made without an image: from then on every workspace with one failed
    // to attach or delete ("not a sandbox directory").
    const base = await tempDir("mcp-ws-base-");
    const workspaces = await tempDir("mcp-ws-");
    const local = (diskGb: number) => ({
      workspacesDir: workspaces,
      baseDir: base,
      egress: TEST_EGRESS,
      budget: { diskGb },
    });
    try {
      for (const [name, diskGb] of [["plain", 0], ["imaged", 1]] as const) {
        await using mcp = await connect({ local: local(diskGb) });
        const { sandbox_id } = structured<SandboxCreateOutput>(
          await mcp.call("sandbox_create", { name, persistent: true }),
        );
        await mcp.call("shell_exec", { sandbox_id, command: `echo ${name} > kept.txt` });
      }
      const record = (name: string) =>
        JSON.parse(Deno.readTextFileSync(`${workspaces}/${name}/workspace.json`)).disk_bytes;
      assertEquals([record("plain"), record("imaged")], [null, 1024 ** 3]);
      await using mcp = await connect({ local: local(1) });
      for (const name of ["plain", "imaged"]) {
        const attached = await mcp.call("sandbox_create", { name, persistent: true });
        assert(!attached.isError, text(attached));
        const { sandbox_id } = structured<SandboxCreateOutput>(attached);
        const out = await mcp.call("shell_exec", { sandbox_id, command: "cat kept.txt" });
        assertEquals(stdout(out), `${name}\n`);
      }
      const deleted = await mcp.call("sandbox_delete", { sandbox_id: "local-ws-imaged" });
      assert(!deleted.isError, text(deleted));
      assertEquals(await listDir(workspaces), ["plain"]);
    } finally {
      await Deno.remove(base, { recursive: true });
      await Deno.remove(workspaces, { recursive: true });
    }
  },
);
