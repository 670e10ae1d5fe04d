/**
 * Two contracts with `latm serve` that the small wire workspace cannot reach:
 *  - above the server's full-list limit (200 tools), latm/toolboxChanged carries only the changed
 *    records (`complete: false`), and the extension's merge must equal what latm.listTools says;
 *  - a make whose model endpoint cannot be reached fails with a RequestFailed error the server
 *    has already shown (window/showMessage, `data.shown`), so the extension shows no second popup.
 * The toolbox holds the language-server tests' hand-written word counter under 203 names; no model
 * or sandbox runs except the one failing make.
 */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import { ResponseError } from "vscode-languageserver-protocol/node";
import { SERVER_COMMANDS, makeToolArgs, nameArgs } from "../../src/logic/commandArgs";
import { REQUEST_FAILED, failureNotice } from "../../src/logic/failures";
import { serverSection } from "../../src/logic/settings";
import { Tool, applyToolboxChange, parseToolList } from "../../src/logic/tools";
import { EXTENSION_ROOT, PYTHON, WireClient, waitFor } from "./harness";

// Above the server's FULL_LIST_MAX (200) even after the steps below remove two.
const TOOLS = 203;
const NOTICE_MS = 30_000;
const MAKE_TIMEOUT_MS = 120_000;

const SENTENCES = ["a b c", "one two", "x", "the cat sat down", "hello there world", "p q r s t"];
const DOCUMENT = SENTENCES.flatMap((s) => [`Question: How many words are in: "${s}"`, `Answer: ${s.split(" ").length}`, ""]).join("\n");
const EXAMPLES_RANGE = { start: { line: 0, character: 0 }, end: { line: SENTENCES.length * 3, character: 0 } };

type Change = { tools: unknown[]; changed: string[]; removed: string[]; complete: boolean; count?: number; broken: string[] };

/** A loopback port nothing listens on: connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  assert.ok(address && typeof address === "object");
  return address.port;
}

function writeTools(toolbox: string, names: string[]): void {
  execFileSync(PYTHON, [path.join(EXTENSION_ROOT, "test/wire/write_tools.py"), toolbox, ...names], { stdio: "inherit" });
}

describe("latm serve with a large toolbox, as the extension follows it", () => {
  let workspace = "";
  let toolbox = "";
  let client: WireClient;
  /** The Toolbox view's list, kept the way the extension keeps it. */
  let view: Tool[] = [];

  let merged = 0;

  /**
   * Waits for a toolboxChanged whose `key` names `name`, merges every notification not merged
   * yet into the view in order (as the extension does), and returns the awaited one.
   */
  async function follow(key: "changed" | "removed", name: string): Promise<Change> {
    const notices = (): Change[] => client.received("latm/toolboxChanged") as Change[];
    await waitFor(`latm/toolboxChanged with ${name} in ${key}`, () => notices().slice(merged).find((c) => c[key].includes(name)), NOTICE_MS);
    const fresh = notices().slice(merged);
    merged += fresh.length;
    for (const payload of fresh) {
      const update = applyToolboxChange(view, payload);
      assert.equal(update.stale, false, "the merged list disagrees with the server's count");
      view = update.tools;
    }
    const awaited = fresh.find((c) => c[key].includes(name));
    assert.ok(awaited);
    return awaited;
  }

  async function listed(): Promise<Tool[]> {
    return parseToolList(await client.executeCommand(SERVER_COMMANDS.listTools, {}));
  }

  before(async () => {
    workspace = mkdtempSync(path.join(tmpdir(), "latm-wire-large-"));
    toolbox = path.join(workspace, "toolbox");
    const started = Date.now();
    writeTools(toolbox, Array.from({ length: TOOLS }, (_, i) => `tool_${String(i).padStart(3, "0")}`));
    console.error(`wire: wrote ${TOOLS} tools in ${Date.now() - started} ms`);
    writeFileSync(path.join(workspace, "count.md"), DOCUMENT);
    const settings: Record<string, unknown> = {
      makerModel: "wire-maker",
      userModel: "wire-user",
      dispatcherModel: "",
      baseUrl: `http://127.0.0.1:${await closedPort()}/v1`,
      sandbox: "process",
    };
    client = new WireClient(workspace, serverSection((key) => (key in settings ? { workspaceValue: settings[key] } : {})), "sk-wire-unused");
    await client.initialize(workspace);
  });

  after(async () => {
    const code = client ? await client.close() : null;
    if (workspace) {
      rmSync(workspace, { recursive: true, force: true });
    }
    assert.equal(code, 0, `server exit code; its stderr ended with:\n${client?.stderr.join("").slice(-3000)}`);
  });

  it("opens with the whole list, marked complete", async () => {
    const first = await follow("changed", "tool_000");
    assert.equal(first.complete, true);
    assert.equal(first.tools.length, TOOLS);
    assert.equal(view.length, TOOLS);
    assert.deepEqual(view, await listed());
  });

  it("a tool written on disk arrives as its record alone, and the merge matches the full list", async () => {
    writeTools(toolbox, ["zz_added"]);
    const change = await follow("changed", "zz_added");
    assert.equal(change.complete, false);
    assert.equal(change.count, TOOLS + 1);
    assert.deepEqual(change.tools.map((tool) => (tool as { name: string }).name), ["zz_added"]);
    assert.deepEqual(view, await listed());
  });

  it("a deleted tool arrives in `removed` and leaves the view", async () => {
    await client.executeCommand(SERVER_COMMANDS.deleteTool, nameArgs("tool_007"));
    const change = await follow("removed", "tool_007");
    assert.equal(change.complete, false);
    assert.deepEqual(change.tools, []);
    assert.ok(!view.some((tool) => tool.name === "tool_007"));
    assert.deepEqual(view, await listed());
  });

  it("a tool that stops loading becomes a broken row, as in the full list", async () => {
    writeFileSync(path.join(toolbox, "tool_010", "tool.toml"), "name = [not toml\n");
    const change = await follow("changed", "tool_010");
    assert.equal(change.complete, false);
    assert.ok(change.broken.includes("tool_010"), JSON.stringify(change.broken));
    assert.ok((view.find((tool) => tool.name === "tool_010")?.problems.length ?? 0) > 0);
    assert.deepEqual(view, await listed());
  });

  it("a make that cannot reach the model: the server shows it, the extension does not again", { timeout: MAKE_TIMEOUT_MS }, async () => {
    const uri = pathToFileURL(path.join(workspace, "count.md")).href;
    client.open(uri, "markdown", DOCUMENT);
    const said = client.received("window/showMessage").length;
    // force: the toolbox's counters answer these examples already, and this make must reach the model
    const args = { ...makeToolArgs(uri, EXAMPLES_RANGE, "count_again"), force: true };
    const failure = await client.executeCommand(SERVER_COMMANDS.makeTool, args).then(
      () => assert.fail("a make against a closed port succeeded"),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof ResponseError && failure.code === REQUEST_FAILED, String(failure));
    assert.deepEqual(failure.data, { type: "LLMUnavailable", shown: true });
    assert.equal(failureNotice(failure), undefined);
    const errors = (client.received("window/showMessage").slice(said) as { type: number; message: string }[]).filter((m) => m.type === 1);
    assert.ok(errors.some((m) => m.message.includes(failure.message)), `the server did not show it: ${JSON.stringify(errors)}`);
    // Nothing was written, and the server keeps serving.
    assert.ok(!(await listed()).some((tool) => tool.name === "count_again"));
  });
});
