// The Pyodide comparison for bench/run.ts, in a process of its own so that its cold load is honest:
// Pyodide in Deno via npm:pyodide, the way mcp-run-python runs Python. Prints a line as soon as
// loadPyodide() has resolved and a first runPython("x = 0") is done (the parent times its spawn up
// to that line), then the warm runPython("x += 1") times as JSON on a second line.
//
//   deno run --no-lock --allow-read=<deno's npm cache> bench/_pyodide.ts [warm runs]
//
// The specifier is not a string literal and the run is --no-lock, so that neither `deno check` nor
// the run puts Pyodide (14 MB) into deno.lock: `deno install` and a first `deno task start` fetch
// every package deno.lock or deno.json "imports" name.

// The pinned Pyodide; its npm package ships pyodide.asm.wasm and the standard library, so it loads
// offline from Deno's npm cache.
const specifier = "npm:pyodide@314.0.7";

interface Pyodide {
  version: string;
  runPython(code: string): unknown;
}

const runs = Number(Deno.args[0] ?? 2000);
const { loadPyodide } = await import(specifier) as {
  loadPyodide(options?: { stdout?: (line: string) => void }): Promise<Pyodide>;
};
const pyodide = await loadPyodide({ stdout: () => {} });
pyodide.runPython("x = 0");
// performance.now() counts from this process's start.
const loadInProcess = performance.now();
console.log("loaded");

for (let i = 0; i < Math.min(200, runs); i++) pyodide.runPython("x += 1");
const warm: number[] = [];
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  pyodide.runPython("x += 1");
  warm.push(performance.now() - started);
}
console.log(JSON.stringify({ version: pyodide.version, loadInProcess, warm }));
