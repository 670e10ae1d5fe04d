import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { Tool, applyToolboxChange, parseToolList, rankTools, toolFile, toolRow } from "../../src/logic/tools";

const FULL = {
  name: "sort_words",
  summary: "Sort words alphabetically",
  entry: "sort_words",
  signature: "sort_words(words: list[str]) -> str",
  origin: "made",
  verified: true,
  passed: 3,
  total: 3,
  uses: 12,
  maker_model: "gpt-4o",
  parser: true,
  path: "/w/toolbox/sort_words",
  problems: [],
};

function tool(overrides: Partial<Tool>): Tool {
  const base = parseToolList([FULL])[0];
  assert.ok(base);
  return { ...base, ...overrides };
}

describe("parseToolList", () => {
  it("reads the server's list, sorted by name", () => {
    const tools = parseToolList({ tools: [{ ...FULL, name: "zeta" }, FULL] });
    assert.deepEqual(
      tools.map((t) => t.name),
      ["sort_words", "zeta"],
    );
    const { maker_model: makerModel, ...rest } = FULL;
    assert.deepEqual(tools[0], { ...rest, makerModel, state: "verified", lastUsed: "" });
  });

  it("fills neutral values for missing or mistyped fields", () => {
    const [only] = parseToolList({ tools: [{ name: "bare", verified: "yes", uses: -3, passed: "3", origin: "alien", problems: "x" }] });
    assert.deepEqual(only, {
      name: "bare",
      summary: "",
      entry: "",
      signature: "",
      origin: "unknown",
      verified: false,
      passed: undefined,
      total: undefined,
      uses: 0,
      makerModel: "",
      parser: false,
      path: "",
      problems: [],
      state: "unverified",
      lastUsed: "",
    });
  });

  it("lists tools the server could not load, by name, in the toolbox folder", () => {
    const tools = parseToolList({ toolbox: "/w/toolbox", tools: [FULL], broken: ["bad_one", 7, "sort_words"] });
    assert.deepEqual(tools.map((t) => t.name), ["bad_one", "sort_words"]);
    const broken = tools[0];
    assert.equal(broken.verified, false);
    assert.equal(toolFile(broken, "/elsewhere"), "/w/toolbox/bad_one/tool.py");
    assert.equal(toolRow(broken).icon, "error");
    assert.equal(tools[1]?.problems.length, 0, "a loaded tool is not marked broken by a stray name");
  });

  it("skips entries without a name and survives garbage payloads", () => {
    assert.deepEqual(parseToolList({ tools: [null, 3, "x", { summary: "no name" }] }), []);
    assert.deepEqual(parseToolList(undefined), []);
    assert.deepEqual(parseToolList({ tools: "nope" }), []);
    assert.equal(parseToolList([FULL]).length, 1);
  });

  it("turns structured problems into readable lines", () => {
    const [broken] = parseToolList([{ name: "b", problems: ["hash mismatch", { message: "bad TOML", line: 4 }, { code: 7 }] }]);
    assert.deepEqual(broken?.problems, ["hash mismatch", "bad TOML (line 4)", '{"code":7}']);
  });
});

describe("applyToolboxChange", () => {
  const record = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ ...FULL, name, ...extra });
  const names = (tools: readonly Tool[]): string[] => tools.map((t) => t.name);
  const start = parseToolList({ toolbox: "/w/toolbox", tools: ["alpha", "beta", "gamma"].map((n) => record(n)), broken: ["wreck"] });

  it("replaces the list with a complete notification, and with one that does not say", () => {
    const complete = { tools: [record("delta")], broken: [], changed: ["delta"], removed: ["alpha"], complete: true };
    assert.deepEqual(applyToolboxChange(start, complete), { tools: parseToolList(complete), stale: false });
    assert.deepEqual(names(applyToolboxChange(start, { tools: [record("only")] }).tools), ["only"]);
  });

  it("merges an incremental one: changed records replaced by name, new ones added, removed ones dropped", () => {
    const update = applyToolboxChange(start, {
      toolbox: "/w/toolbox",
      tools: [record("beta", { uses: 40, verified: false }), record("epsilon")],
      broken: ["wreck"],
      changed: ["alpha", "beta", "epsilon"],
      removed: ["alpha"],
      complete: false,
      count: 3,
    });
    assert.equal(update.stale, false);
    assert.deepEqual(names(update.tools), ["beta", "epsilon", "gamma", "wreck"]);
    const beta = update.tools.find((t) => t.name === "beta");
    assert.equal(beta?.uses, 40);
    assert.equal(beta?.verified, false);
    assert.equal(update.tools.find((t) => t.name === "gamma"), start.find((t) => t.name === "gamma"), "an unchanged tool is kept as it was");
  });

  it("turns a tool that no longer loads into a broken row, and a fixed one back", () => {
    const broke = applyToolboxChange(start, { toolbox: "/w/toolbox", tools: [], broken: ["gamma", "wreck"], changed: ["gamma"], removed: ["gamma"], complete: false, count: 2 });
    assert.equal(broke.stale, false);
    assert.deepEqual(names(broke.tools), ["alpha", "beta", "gamma", "wreck"]);
    assert.deepEqual(broke.tools.find((t) => t.name === "gamma")?.problems, ["cannot be loaded; see the Problems panel"]);
    const fixed = applyToolboxChange(broke.tools, { tools: [record("gamma"), record("wreck")], broken: [], changed: ["wreck"], removed: [], complete: false, count: 4 });
    assert.equal(fixed.stale, false);
    assert.deepEqual(names(fixed.tools), ["alpha", "beta", "gamma", "wreck"]);
    assert.ok(fixed.tools.every((t) => t.problems.length === 0));
  });

  it("says the list is stale when the merged count differs from the server's", () => {
    // A missed notification: the client never heard of "zeta", which the server counts.
    const update = applyToolboxChange(start, { tools: [record("eta")], broken: ["wreck"], changed: ["eta"], removed: [], complete: false, count: 5 });
    assert.deepEqual(names(update.tools), ["alpha", "beta", "eta", "gamma", "wreck"]);
    assert.equal(update.stale, true);
    assert.equal(applyToolboxChange([], { tools: [record("eta")], changed: ["eta"], removed: [], complete: false, count: 1 }).stale, false);
    assert.equal(applyToolboxChange(start, { tools: [], changed: [], complete: false }).stale, false, "no count, nothing to compare");
  });

  it("ignores garbage in an incremental notification", () => {
    const update = applyToolboxChange(start, { tools: [null, 5], broken: [3], changed: "alpha", removed: [null], complete: false });
    assert.deepEqual(update.tools, start);
  });
});

describe("toolFile", () => {
  it("joins tool.py to an absolute folder, or to the workspace for a relative one", () => {
    assert.equal(toolFile(tool({}), "/other"), "/w/toolbox/sort_words/tool.py");
    assert.equal(toolFile(tool({ path: "toolbox/x" }), "/w"), "/w/toolbox/x/tool.py");
    assert.equal(toolFile(tool({ path: "" }), "/w"), undefined);
  });
});

describe("toolRow", () => {
  it("shows verified state, origin and uses", () => {
    const row = toolRow(tool({}));
    assert.equal(row.label, "sort_words");
    assert.equal(row.description, "✓ made · 12 uses");
    assert.equal(row.icon, "pass");
    assert.equal(row.contextValue, "latmTool.verified");
    assert.match(row.tooltip, /verified 3\/3 · made · 12 uses/);
    assert.match(row.tooltip, /`sort_words\(words: list\[str\]\) -> str`/);
    assert.match(row.tooltip, /made by gpt-4o/);
    assert.match(row.tooltip, /answers without a model call/);
  });

  it("marks unverified and broken tools, and counts one use in the singular", () => {
    const unverified = toolRow(tool({ verified: false, state: "unverified", passed: 1, uses: 1, origin: "imported", parser: false }));
    assert.equal(unverified.description, "✗ imported · 1 use");
    assert.equal(unverified.icon, "warning");
    assert.equal(unverified.contextValue, "latmTool.unverified");
    assert.match(unverified.tooltip, /not verified 1\/3/);
    assert.doesNotMatch(unverified.tooltip, /without a model/);
    const broken = toolRow(tool({ problems: ["hash mismatch"] }));
    assert.equal(broken.icon, "error");
    assert.match(broken.tooltip, /⚠ hash mismatch/);
  });
});

describe("rankTools", () => {
  const tools = [
    tool({ name: "dyck_close", signature: "dyck_close(word: str) -> str", summary: "Close the brackets of a Dyck word", uses: 50 }),
    tool({ name: "sort_words", summary: "Sort words alphabetically", uses: 1 }),
    tool({ name: "crt_solve", summary: "Chinese remainder theorem", signature: "crt_solve(pairs) -> int", uses: 9 }),
    tool({ name: "sort_numbers", summary: "Sort numbers", signature: "", verified: false, uses: 99 }),
  ];

  it("puts the tools that share words with the question first, then by uses", () => {
    const ranked = rankTools("Sort the following words alphabetically: List: pear apple", tools);
    assert.deepEqual(
      ranked.map((t) => t.name),
      ["sort_words", "dyck_close", "crt_solve"],
    );
  });

  it("offers verified tools only", () => {
    assert.ok(!rankTools("sort numbers", tools).some((t) => t.name === "sort_numbers"));
  });
});
