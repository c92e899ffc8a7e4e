// The code imports npm packages as pinned `npm:` specifiers, not through deno.json (see the
// README's Development section), so a version bump touches many files: none may be left behind.

import { deepStrictEqual as assertEquals } from "node:assert/strict";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const SPECIFIER = /npm:(@?[a-z0-9._-]+(?:\/[a-z0-9._-]+)?)@(\d[\w.+-]*)/g;

async function* sources(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* sources(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

Deno.test("every npm package is imported at one version everywhere", async () => {
  const versions = new Map<string, Set<string>>();
  const files = [`${ROOT}/mod.ts`];
  for (const dir of ["src", "tests", "scripts", "bench", "examples"]) {
    for await (const path of sources(`${ROOT}/${dir}`)) files.push(path);
  }
  for (const path of files) {
    for (const [, name, version] of (await Deno.readTextFile(path)).matchAll(SPECIFIER)) {
      versions.set(name, (versions.get(name) ?? new Set()).add(version));
    }
  }
  for (const name of ["zod", "@modelcontextprotocol/sdk", "@daytonaio/sdk", "fast-check"]) {
    assertEquals(versions.has(name), true, `found no import of ${name}`);
  }
  for (const [name, found] of versions) {
    assertEquals([...found].length, 1, `${name} is imported at ${[...found].join(" and ")}`);
  }
});
