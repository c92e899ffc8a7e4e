import { ok as assert } from "node:assert/strict";
import { SETTINGS } from "../src/config.ts";
import { sessionTools, tools } from "../src/registry.ts";

const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));

Deno.test("README documents every tool of the registry", () => {
  for (const tool of [...tools, ...sessionTools]) {
    assert(
      readme.split("\n").some((line) => line.startsWith("###") && line.includes(`\`${tool.name}(`)),
      `README has no section for ${tool.name}: add a "### \`${tool.name}(…)\`" heading under Tools`,
    );
    for (const param of Object.keys(tool.inputSchema)) {
      assert(readme.includes(param), `README mentions ${tool.name}'s parameter ${param}`);
    }
  }
});

Deno.test("README's configuration table lists every flag and variable", () => {
  for (const setting of SETTINGS) {
    assert(readme.includes(`| \`${setting.flag}\``), `README lists ${setting.flag}`);
    assert(readme.includes(`\`${setting.env}`), `README lists ${setting.env}`);
  }
});

Deno.test("README's permission table matches the start task's flags", async () => {
  const deno = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  for (const flag of (deno.tasks.start as string).split(" ").filter((a) => a.startsWith("--"))) {
    assert(readme.includes(`| \`${flag}\``), `README explains ${flag}`);
  }
});
