// Bundles the server's command line (src/cli.ts) into bundle/: one module per part the command
// line loads on its own (the handshake, the MCP server, HTTP, Daytona, doctor, init), with the MCP
// SDK and zod inside. Deno then reads a dozen files at start-up instead of resolving some three
// hundred npm modules, and local mode needs no npm package at all: only the Daytona part imports
// one, the Daytona SDK.
//
// The output is not minified, so that its diffs can be read. Measured against the minified bundle
// (2026-11-27, 31 and 41 interleaved runs, CPU time of the server process): with Deno's cache warm,
// spawn → initialize costs the same (-0.8 and +0.2 ms) and loading the MCP SDK 3.5-6.5 ms more; a
// first start on an empty DENO_DIR costs 3-4 ms more to initialize, 24-34 ms more to load the SDK,
// once (V8 caches the compiled code). Its file names are stable: an entry is named after its source
// module (`server.js`, `daytona.js`), a shared chunk after the entries that load it
// (`shared-cli-doctor.js`), so that editing one tool rewrites the files holding that tool and
// nothing else.
//   deno task gen        (tests/bundle_test.ts fails when bundle/ is stale)

/** The directory `deno task start` and the published `./cli` export run from. */
export const BUNDLE_DIR: string = new URL("../bundle", import.meta.url).pathname;

const ROOT = new URL("..", import.meta.url).pathname;

/** The one npm package the bundle imports rather than contains, as src/providers/daytona/mod.ts does. */
const DAYTONA_SDK = "npm:@daytonaio/sdk@0.218.0";

/** The first lines of every file of the bundle. */
const HEADER = "// Generated from src/ by `deno task gen` (scripts/gen_bundle.ts); do not edit.\n";

/** Types for the bundled entry point, for the JSR docs and for type-checking importers. */
const TYPES = '// @ts-self-types="../src/cli.ts"\n';

/** Bundles src/cli.ts into `outDir`, which must be empty or absent. */
export async function writeBundle(outDir: string): Promise<void> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform=deno",
      "--format=esm",
      "--code-splitting",
      "--keep-names",
      `--external=${DAYTONA_SDK}`,
      "--lock=deno.lock",
      `--outdir=${outDir}`,
      "src/cli.ts",
    ],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`deno bundle failed:\n${new TextDecoder().decode(stderr)}`);
  }
  const files = await readBundle(outDir);
  for (const name of files.keys()) await Deno.remove(`${outDir}/${name}`);
  for (const [name, text] of rename(files)) {
    await Deno.writeTextFile(
      `${outDir}/${name}`,
      (name === "cli.js" ? TYPES : "") + HEADER + withoutCachePaths(text),
    );
  }
}

/** A part's name as the bundler writes it, after a hash: `server-GX2I5ENY.js`. */
const PART = /\b[a-z]+-[A-Z0-9]{8}\.js\b/g;

/** The parts a file imports: statically, and with `import()`. */
function importsOf(text: string): { static: string[]; dynamic: string[] } {
  const names = (pattern: RegExp) => [...text.matchAll(pattern)].map((match) => match[1]);
  return {
    static: names(/(?:^import\s*|\bfrom\s*)"\.\/([\w-]+\.js)";$/gm),
    dynamic: names(/\bimport\(\s*"\.\/([\w-]+\.js)"\s*\)/g),
  };
}

/**
 * Names the bundler's parts for what they are rather than after a hash of their contents (which
 * changes with every edit, renaming the part and rewriting the imports of every file that loads
 * it) or of where the npm cache lies (the bundler's own names). An entry (cli.js, or a module
 * cli.ts imports lazily) is named after its source module, or its folder below `src/`. The bundler
 * puts each module into the one chunk of the entries that reach it, so a shared chunk is named
 * after the entries that load it: they are what it is, and they only change when the imports do.
 */
function rename(files: Map<string, string>): Map<string, string> {
  const entries = new Map<string, string>([["cli.js", "cli"]]);
  for (const text of files.values()) {
    for (const part of importsOf(text).dynamic) {
      const modules = [...files.get(part)!.matchAll(/^\/\/ src\/(?:(.+)\/)?(\w+)\.ts$/gm)];
      const last = modules.at(-1);
      if (!last) throw new Error(`Cannot name bundle part ${part}: it holds no module of src/`);
      // A module in a folder of its own (src/providers/daytona/) is that folder's entry.
      entries.set(part, last[1] ? last[1].split("/").at(-1)! : last[2]);
    }
  }
  const names = new Map<string, string>();
  for (const [part, entry] of entries) names.set(part, `${entry}.js`);
  const loadedBy = new Map<string, string[]>();
  for (const [part, entry] of entries) {
    const seen = new Set<string>();
    const visit = (name: string) => {
      if (seen.has(name)) return;
      seen.add(name);
      for (const next of importsOf(files.get(name)!).static) visit(next);
    };
    visit(part);
    for (const name of seen) {
      if (!entries.has(name)) loadedBy.set(name, [...loadedBy.get(name) ?? [], entry]);
    }
  }
  for (const [chunk, by] of loadedBy) names.set(chunk, `shared-${by.sort().join("-")}.js`);
  const taken = new Set<string>();
  for (const [part, name] of names) {
    if (taken.has(name)) throw new Error(`Cannot name bundle part ${part}: ${name} is taken`);
    taken.add(name);
  }
  if (names.size !== files.size) {
    const lost = [...files.keys()].filter((name) => !names.has(name));
    throw new Error(`Cannot name bundle parts ${lost.join(", ")}: nothing loads them`);
  }
  return new Map(
    [...files].map(([part, text]) => [
      names.get(part)!,
      text.replace(PART, (name) => names.get(name) ?? name),
    ]),
  );
}

/**
 * The bundler writes npm modules' paths relative to the checkout (`../../.cache/deno/npm/
 * registry.npmjs.org/zod/…`), in comments and as names of CommonJS wrappers; this cuts them to
 * `npm/zod/…`, so that any checkout with any cache builds the same bundle.
 */
function withoutCachePaths(text: string): string {
  return text.replace(/(?<=["\s])(?:\.\.\/|\/)[^\s"]*?\/npm\/[\w.:-]+\//g, "npm/");
}

/** The bundle's files, by name. */
export async function readBundle(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile) files.set(entry.name, await Deno.readTextFile(`${dir}/${entry.name}`));
  }
  return files;
}

if (import.meta.main) {
  const fresh = await Deno.makeTempDir({ prefix: "bundle-" });
  try {
    await writeBundle(fresh);
    await Deno.remove(BUNDLE_DIR, { recursive: true }).catch(() => {});
    await Deno.mkdir(BUNDLE_DIR, { recursive: true });
    for (const [name, text] of await readBundle(fresh)) {
      await Deno.writeTextFile(`${BUNDLE_DIR}/${name}`, text);
    }
  } finally {
    await Deno.remove(fresh, { recursive: true });
  }
}
