// Run Python and a shell command in a local sandbox, using the tools as plain functions.
//   deno run --allow-run=bwrap,setpriv --allow-read=/tmp --allow-write=/tmp --allow-sys=uid --allow-net examples/local.ts
// (--allow-net: the sandbox's egress proxy and web_preview; with `network: "host"` it is not needed)

import { LocalProvider, pythonExec, shellExec } from "../mod.ts";

await using provider = new LocalProvider();
await using sandbox = await provider.create();

await pythonExec(sandbox, { code: "import statistics\ndata = [3, 1, 4, 1, 5, 9, 2, 6]" });
const mean = await pythonExec(sandbox, { code: "statistics.mean(data)" });
console.log(`mean computed in the sandbox: ${mean.result}`);

const listing = await shellExec(sandbox, { command: "echo $USER in $PWD; python3 --version" });
console.log(listing.stdout.trim());
// Leaving the block closes the sandbox: its processes are killed and its files deleted.
