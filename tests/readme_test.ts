import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
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

/** The rows of README's configuration table, each cell without its markdown (code, links). */
function configurationRows(): string[][] {
  const section = readme.split("\n## Configuration\n")[1].split("\n## ")[0];
  return section.split("\n").filter((line) => line.startsWith("|")).slice(2).map((line) =>
    line.slice(1, -1).split("|").map((cell) =>
      cell.trim().replace(/\[([^\]]*)\]\([^)]*\)/g, "$1").replaceAll("`", "")
    )
  );
}

Deno.test("README's configuration table is the table of settings: flag, variable, default and meaning", () => {
  const columns = ["flag", "variable", "default", "meaning"];
  const settings = new Map(SETTINGS.map((setting) => [setting.flag, [
    setting.flag,
    setting.switch === undefined ? setting.env : `${setting.env}=${setting.switch}`,
    setting.default,
    setting.description,
  ]]));
  // Rows that are not settings: variables read as they are, and the command's own flags.
  const others = ["GIT_TOKEN", "GITHUB_TOKEN", "--help, --version"];
  const problems: string[] = [];
  const listed = new Set<string>();
  for (const row of configurationRows()) {
    const name = row[0] || row[1];
    if (others.includes(name)) continue;
    const setting = settings.get(row[0]);
    if (!setting) {
      problems.push(`README lists ${name}, which is no setting of src/config.ts`);
      continue;
    }
    if (listed.has(row[0])) problems.push(`README lists ${row[0]} twice`);
    listed.add(row[0]);
    columns.forEach((column, i) => {
      if (row[i] !== setting[i]) {
        problems.push(
          `${row[0]}: README's ${column} is '${row[i]}', src/config.ts's '${setting[i]}'`,
        );
      }
    });
  }
  for (const flag of settings.keys()) {
    if (!listed.has(flag)) problems.push(`README does not list ${flag}`);
  }
  assertEquals(problems, []);
});

Deno.test("README's permission table matches the start task's flags", async () => {
  const deno = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  for (const flag of (deno.tasks.start as string).split(" ").filter((a) => a.startsWith("--"))) {
    assert(readme.includes(`| \`${flag}\``), `README explains ${flag}`);
  }
});
