/**
 * latm's MCP server for VS Code's agent mode. Where VS Code has the MCP server definition
 * provider API (1.101+, found at run time: @types/vscode here is 1.82), the extension provides
 * `python -m latm mcp` itself, so agent mode sees the toolbox without configuration. The palette
 * command "Add latm's MCP Server to .vscode/mcp.json" writes the same server into the workspace's
 * file for older VS Code.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import { keyEnvName } from "./logic/launch";
import {
  MCP_PROVIDER_ID,
  MCP_SERVER_LABEL,
  MCP_SETTING_KEYS,
  McpApiShape,
  addToMcpJson,
  mcpJsonSnippet,
  mcpServer,
  provide,
} from "./logic/mcp";
import { API_KEY_SECRET, LatmServer, trustedText } from "./server";

/** The part of VS Code 1.101's API this file uses. */
interface StdioDefinition {
  cwd?: vscode.Uri;
  env: Record<string, string | number | null>;
}

interface DefinitionProvider {
  onDidChangeMcpServerDefinitions: vscode.Event<void>;
  provideMcpServerDefinitions(token: vscode.CancellationToken): Promise<StdioDefinition[]>;
  resolveMcpServerDefinition(server: StdioDefinition, token: vscode.CancellationToken): Promise<StdioDefinition>;
}

interface McpApi {
  lm: { registerMcpServerDefinitionProvider(id: string, provider: DefinitionProvider): vscode.Disposable };
  McpStdioServerDefinition: new (
    label: string,
    command: string,
    args?: string[],
    env?: Record<string, string | number | null>,
  ) => StdioDefinition;
}

const api = vscode as unknown as McpApiShape;
/** Whether agent mode takes latm's server from this extension (else .vscode/mcp.json is the way). */
let provided = false;

/** Provides latm's MCP server to agent mode where this VS Code takes it; says so in the output where it refuses. */
export function registerMcp(server: LatmServer, secrets: vscode.SecretStorage): vscode.Disposable[] {
  const provision = provide(api, () => definitions(api as unknown as McpApi, server, secrets));
  provided = "provided" in provision;
  if ("refused" in provision) {
    server.log(provision.refused);
  }
  return "provided" in provision ? provision.provided : [];
}

function definitions(api: McpApi, server: LatmServer, secrets: vscode.SecretStorage): vscode.Disposable[] {
  const changed = new vscode.EventEmitter<void>();
  const provider: DefinitionProvider = {
    onDidChangeMcpServerDefinitions: changed.event,
    async provideMcpServerDefinitions() {
      const root = server.root;
      if (!root) {
        return []; // latm serves a workspace folder's toolbox
      }
      const spec = mcpServer((await server.environment(false)).python, root);
      const definition = new api.McpStdioServerDefinition(spec.label, spec.command, spec.args, spec.env);
      definition.cwd = vscode.Uri.file(root);
      return [definition];
    },
    async resolveMcpServerDefinition(definition) {
      // When agent mode starts it: the stored key, for latm_solve's user model (never in a file).
      const config = vscode.workspace.getConfiguration("latm", vscode.workspace.workspaceFolders?.[0]?.uri);
      const value = await secrets.get(API_KEY_SECRET);
      if (value) {
        definition.env = { ...definition.env, [keyEnvName(trustedText(config, "apiKeyEnv")).name]: value };
      }
      return definition;
    },
  };
  return [
    changed,
    api.lm.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, provider),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (MCP_SETTING_KEYS.some((key) => event.affectsConfiguration(key))) {
        changed.fire();
      }
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => changed.fire()),
  ];
}

/** The palette command where agent mode does not take the server from the extension: latm's server in .vscode/mcp.json. */
export async function addToWorkspaceMcpJson(server: LatmServer): Promise<void> {
  if (provided) {
    void vscode.window.showInformationMessage(
      `This VS Code takes latm's MCP server from the extension already ("${MCP_SERVER_LABEL}" in the MCP servers list); ` +
        "no .vscode/mcp.json entry is needed.",
    );
    return;
  }
  const root = server.root;
  const { python } = await server.environment(false);
  if (!root) {
    await showSnippet(python, "Open a folder first: .vscode/mcp.json belongs to a workspace folder.");
    return;
  }
  const file = vscode.Uri.file(path.join(root, ".vscode", "mcp.json"));
  const existing = await readText(file);
  const edit = addToMcpJson(existing, python);
  if ("problem" in edit) {
    await showSnippet(python, edit.problem);
    return;
  }
  if (edit.changed) {
    await vscode.workspace.fs.writeFile(file, Buffer.from(edit.text, "utf8"));
  }
  await vscode.window.showTextDocument(file);
  void vscode.window.showInformationMessage(
    edit.changed
      ? "Added latm to .vscode/mcp.json: agent mode can now start it and call the toolbox's verified tools."
      : ".vscode/mcp.json has a latm server already; it was left as it is.",
  );
}

async function readText(file: vscode.Uri): Promise<string | undefined> {
  try {
    return Buffer.from(await vscode.workspace.fs.readFile(file)).toString("utf8");
  } catch {
    return undefined; // no file yet
  }
}

async function showSnippet(python: string, why: string): Promise<void> {
  const document = await vscode.workspace.openTextDocument({ language: "json", content: mcpJsonSnippet(python) });
  await vscode.window.showTextDocument(document);
  void vscode.window.showWarningMessage(`${why} The entry for .vscode/mcp.json is in the new editor.`);
}
