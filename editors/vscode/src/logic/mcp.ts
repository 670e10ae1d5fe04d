/**
 * latm's MCP server (`python -m latm mcp`) as VS Code's agent mode takes it: through the MCP
 * server definition provider API where the running VS Code has it (1.101+), else as an entry of
 * the workspace's `.vscode/mcp.json`. Pure logic; src/mcp.ts is the glue.
 */
import { latmLaunch } from "./launch";

/** Also the id under `contributes.mcpServerDefinitionProviders` in package.json. */
export const MCP_PROVIDER_ID = "latm.mcpServers";
export const MCP_SERVER_LABEL = "latm toolbox";
/** The server's name in `.vscode/mcp.json`. */
export const MCP_JSON_NAME = "latm";
/** Settings whose change changes the server definition. */
export const MCP_SETTING_KEYS = ["latm.python", "latm.apiKeyEnv"] as const;

/** The part of the `vscode` module the feature test looks at. */
export interface McpApiShape {
  lm?: { registerMcpServerDefinitionProvider?: unknown };
  McpStdioServerDefinition?: unknown;
}

/** True when this VS Code can take MCP servers from an extension (VS Code 1.101 and later). */
export function hasMcpProviderApi(api: McpApiShape): boolean {
  return typeof api.lm?.registerMcpServerDefinitionProvider === "function" && typeof api.McpStdioServerDefinition === "function";
}

/** How the provider registration went: registered, refused (with the sentence for the LATM output), or no API. */
export type Provision<T> = { provided: T } | { refused: string } | { absent: true };

/**
 * Registers through the provider API where this VS Code has it. VS Code 1.100 has the functions but
 * refuses the registration (it wants its own package.json key, `modelContextServerCollections`):
 * that must never stop the extension from activating, and the palette command is the way there.
 */
export function provide<T>(api: McpApiShape, register: () => T): Provision<T> {
  if (!hasMcpProviderApi(api)) {
    return { absent: true };
  }
  try {
    return { provided: register() };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return {
      refused: `This VS Code did not take latm's MCP server from the extension (${why}); "LATM: Add latm's MCP Server to .vscode/mcp.json" adds it to the workspace instead.`,
    };
  }
}

export interface McpServerSpec {
  label: string;
  command: string;
  args: string[];
  /** Added to the extension host's environment: only what latm needs beyond it. */
  env: Record<string, string>;
}

/** `python -m latm mcp --root ROOT` over stdio; with the stored key under the variable latm reads. */
export function mcpServer(python: string, root: string, key?: { env: string; value: string }): McpServerSpec {
  const env: Record<string, string> = { PYTHONUNBUFFERED: "1" };
  if (key?.value) {
    env[key.env] = key.value;
  }
  const launch = latmLaunch(python, ["mcp", "--root", root], env, root);
  return { label: MCP_SERVER_LABEL, command: launch.command, args: launch.args, env };
}

/** The `.vscode/mcp.json` entry: VS Code expands `${workspaceFolder}`; the file never holds a key. */
export function mcpJsonEntry(python: string): { type: "stdio"; command: string; args: string[] } {
  const launch = latmLaunch(python, ["mcp", "--root", "${workspaceFolder}"], {}, undefined);
  return { type: "stdio", command: launch.command, args: launch.args };
}

export type McpJsonEdit = { text: string; changed: boolean } | { problem: string };

/**
 * `.vscode/mcp.json` (its text, or undefined when there is none) with latm's server added under
 * `servers`; an existing `latm` entry and every other server are left as they are.
 */
export function addToMcpJson(existing: string | undefined, python: string): McpJsonEdit {
  let config: unknown = {};
  if (existing !== undefined && existing.trim()) {
    try {
      config = JSON.parse(existing);
    } catch {
      return { problem: ".vscode/mcp.json is not plain JSON (it may hold comments), so latm did not change it; add the entry shown by hand." };
    }
  }
  if (!isObject(config) || (config.servers !== undefined && !isObject(config.servers))) {
    return { problem: '.vscode/mcp.json does not hold a "servers" object, so latm did not change it; add the entry shown by hand.' };
  }
  const servers = config.servers ?? {};
  if (MCP_JSON_NAME in servers) {
    return { text: existing ?? "", changed: false };
  }
  const updated = { ...config, servers: { ...servers, [MCP_JSON_NAME]: mcpJsonEntry(python) } };
  return { text: JSON.stringify(updated, null, 2) + "\n", changed: true };
}

/** The whole file for a workspace that has none: what the snippet command shows. */
export function mcpJsonSnippet(python: string): string {
  return JSON.stringify({ servers: { [MCP_JSON_NAME]: mcpJsonEntry(python) } }, null, 2) + "\n";
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
