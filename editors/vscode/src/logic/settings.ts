/**
 * Which `latm.*` settings go to the server, and which of their values.
 *
 * The server answers `workspace/configuration` for section "latm" with camelCase keys and maps
 * each to its snake_case setting (makerModel -> maker_model). Only values the user set
 * explicitly are sent: a contributed default would otherwise override the project's own
 * `[tool.latm]` table, which ranks below editor settings.
 */

/** Settings the server reads; the rest of `latm.*` configures the extension itself. */
export const SERVER_KEYS = [
  "makerModel",
  "userModel",
  "dispatcherModel",
  "baseUrl",
  "apiKeyEnv",
  "toolbox",
  "sandbox",
  "insert",
  "timeoutS",
  "memoryMb",
  "llmTimeoutS",
  "onUnknown",
  "useRegressed",
] as const;

/** Settings only the extension reads (how to start the server, what pip installs, which documents it serves). */
export const EXTENSION_KEYS = ["python", "serverPackage", "languages", "trace.server"] as const;

export type ServerKey = (typeof SERVER_KEYS)[number];

/** What `WorkspaceConfiguration.inspect(key)` reports, reduced to what we use. */
export interface Inspected {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/** The value the user set at the most specific scope, or undefined when only the default applies. */
export function explicitValue(inspected: Inspected | undefined): unknown {
  if (!inspected) {
    return undefined;
  }
  for (const value of [inspected.workspaceFolderValue, inspected.workspaceValue, inspected.globalValue]) {
    if (value !== undefined && value !== null) {
      return value;
    }
  }
  return undefined;
}

/**
 * Settings a repository could turn against the user: where the API key goes (the endpoint, the
 * variable it is handed over as, the interpreter that receives it), the sandbox and its limits,
 * and where tool files are read and written. A workspace's `.vscode/settings.json` comes with the
 * repository, so for these only the user's own (global) value counts until the user trusts the
 * workspace. (VS Code keeps this extension off in Restricted Mode anyway, as it declares no
 * `untrustedWorkspaces` support; this holds should that change.)
 */
export const TRUST_NEEDED_KEYS: readonly string[] = ["baseUrl", "apiKeyEnv", "python", "sandbox", "timeoutS", "memoryMb", "toolbox"];

/** `inspected` without its workspace values when `key` needs trust and the workspace has none. */
export function trustedScope(key: string, inspected: Inspected | undefined, workspaceTrusted: boolean): Inspected | undefined {
  if (workspaceTrusted || !inspected || !TRUST_NEEDED_KEYS.includes(key)) {
    return inspected;
  }
  return { globalValue: inspected.globalValue };
}

/** The "latm" section as the server receives it: explicitly set server keys only. */
export function serverSection(inspect: (key: ServerKey) => Inspected | undefined): Record<string, unknown> {
  const section: Record<string, unknown> = {};
  for (const key of SERVER_KEYS) {
    const value = explicitValue(inspect(key));
    if (value !== undefined) {
      section[key] = value;
    }
  }
  return section;
}

/** Setting changes that need a new server process rather than a configuration refresh. */
// latm.languages: the language client sends documents by a selector fixed when it starts.
export const RESTART_KEYS = ["latm.python", "latm.apiKeyEnv", "latm.languages"] as const;
