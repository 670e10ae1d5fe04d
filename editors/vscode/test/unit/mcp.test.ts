import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import {
  MCP_PROVIDER_ID,
  MCP_SERVER_LABEL,
  addToMcpJson,
  hasMcpProviderApi,
  mcpJsonEntry,
  mcpJsonSnippet,
  mcpServer,
  provide,
} from "../../src/logic/mcp";

const manifest = JSON.parse(readFileSync(path.resolve(__dirname, "../../../package.json"), "utf8")) as {
  contributes: { mcpServerDefinitionProviders: { id: string; label: string }[] };
};

describe("hasMcpProviderApi", () => {
  class Definition {}

  it("is true only when both the registration function and the stdio definition class exist (VS Code 1.101+)", () => {
    assert.equal(hasMcpProviderApi({ lm: { registerMcpServerDefinitionProvider: () => undefined }, McpStdioServerDefinition: Definition }), true);
    assert.equal(hasMcpProviderApi({ lm: {}, McpStdioServerDefinition: Definition }), false); // 1.82-1.100
    assert.equal(hasMcpProviderApi({ lm: { registerMcpServerDefinitionProvider: () => undefined } }), false);
    assert.equal(hasMcpProviderApi({}), false); // before vscode.lm
    assert.equal(hasMcpProviderApi({ lm: { registerMcpServerDefinitionProvider: "proposed" }, McpStdioServerDefinition: Definition }), false);
  });
});

describe("provide", () => {
  class Definition {}
  const api = { lm: { registerMcpServerDefinitionProvider: () => undefined }, McpStdioServerDefinition: Definition };

  it("registers where the API is there, and does not try where it is not", () => {
    assert.deepEqual(provide(api, () => ["registered"]), { provided: ["registered"] });
    assert.deepEqual(provide({}, () => assert.fail("no API: nothing to register with")), { absent: true });
  });

  it("turns a refused registration (VS Code 1.100 wants its own contribution key) into a sentence naming the palette command", () => {
    const refusal = 'MCP configuration providers must be registered in the contributes.modelContextServerCollections array within your package.json, but "latm.mcpServers" was not';
    const provision = provide(api, () => {
      throw new Error(refusal);
    });
    assert.ok("refused" in provision);
    assert.ok(provision.refused.includes(refusal), provision.refused);
    assert.match(provision.refused, /"LATM: Add latm's MCP Server to \.vscode\/mcp\.json"/);
  });
});

describe("mcpServer", () => {
  it("runs python -m latm mcp on the workspace folder's toolbox over stdio", () => {
    assert.deepEqual(mcpServer("/venv/bin/python", "/w"), {
      label: MCP_SERVER_LABEL,
      command: "/venv/bin/python",
      args: ["-m", "latm", "mcp", "--root", "/w"],
      env: { PYTHONUNBUFFERED: "1" },
    });
  });

  it("hands the stored key over under the variable latm reads, and nothing when none is stored", () => {
    assert.equal(mcpServer("python3", "/w", { env: "GROQ_KEY", value: "sk-1" }).env.GROQ_KEY, "sk-1");
    assert.deepEqual(Object.keys(mcpServer("python3", "/w", { env: "GROQ_KEY", value: "" }).env), ["PYTHONUNBUFFERED"]);
  });
});

describe(".vscode/mcp.json", () => {
  const entry = { type: "stdio", command: "python3", args: ["-m", "latm", "mcp", "--root", "${workspaceFolder}"] };

  it("lets VS Code expand ${workspaceFolder} and holds no key", () => {
    assert.deepEqual(mcpJsonEntry("python3"), entry);
    assert.deepEqual(JSON.parse(mcpJsonSnippet("python3")), { servers: { latm: entry } });
  });

  it("is created when the workspace has none", () => {
    const edit = addToMcpJson(undefined, "python3");
    assert.ok("text" in edit && edit.changed);
    assert.deepEqual(JSON.parse(edit.text), { servers: { latm: entry } });
  });

  it("keeps the other servers and settings of an existing file", () => {
    const existing = JSON.stringify({ inputs: [{ id: "x" }], servers: { github: { type: "http", url: "https://example.invalid/mcp" } } });
    const edit = addToMcpJson(existing, "python3");
    assert.ok("text" in edit && edit.changed);
    assert.deepEqual(JSON.parse(edit.text), {
      inputs: [{ id: "x" }],
      servers: { github: { type: "http", url: "https://example.invalid/mcp" }, latm: entry },
    });
  });

  it("leaves an existing latm entry alone", () => {
    const existing = JSON.stringify({ servers: { latm: { type: "stdio", command: "latm", args: ["mcp"] } } });
    assert.deepEqual(addToMcpJson(existing, "python3"), { text: existing, changed: false });
  });

  it("never rewrites a file it cannot read as JSON (comments) or whose servers are not an object", () => {
    const commented = '// my servers\n{ "servers": {} }';
    assert.match((addToMcpJson(commented, "python3") as { problem: string }).problem, /not plain JSON/);
    assert.match((addToMcpJson('{"servers": []}', "python3") as { problem: string }).problem, /"servers" object/);
    assert.match((addToMcpJson("[1]", "python3") as { problem: string }).problem, /"servers" object/);
  });
});

describe("package.json", () => {
  it("contributes the MCP server definition provider under the id the code registers", () => {
    assert.deepEqual(manifest.contributes.mcpServerDefinitionProviders, [{ id: MCP_PROVIDER_ID, label: MCP_SERVER_LABEL }]);
  });
});
