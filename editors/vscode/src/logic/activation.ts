/**
 * Where the extension starts a server: in a latm project, or when a document of a language latm
 * serves is open. Elsewhere (a pyproject.toml without `[tool.latm]`, say) it stays idle: no
 * Python process, no documents sent anywhere.
 */

/** The languages latm serves unless `latm.languages` says otherwise (package.json activates on these). */
export const DEFAULT_LANGUAGES: readonly string[] = ["markdown", "plaintext", "python"];

/** Files whose presence makes a folder a latm project (package.json's `workspaceContains`). */
export const PROJECT_FILES = { config: "latm.toml", pyproject: "pyproject.toml", tools: "toolbox/*/tool.toml" } as const;

/** The `latm.languages` setting as a list of language ids; anything malformed counts as the default. */
export function servedLanguages(value: unknown): string[] {
  if (!Array.isArray(value)) {
    return [...DEFAULT_LANGUAGES];
  }
  const ids = value.filter((id): id is string => typeof id === "string" && /^[\w.+-]+$/.test(id));
  return ids.length === value.length ? [...new Set(ids)] : [...DEFAULT_LANGUAGES];
}

/** A language client document filter (the shape vscode-languageclient takes). */
export interface DocumentFilter {
  scheme: string;
  language?: string;
  pattern?: string;
}

/**
 * What the language client sends to the server: saved and untitled documents of the served
 * languages, and tools' manifests (tool.toml), where the server reports problems and offers repairs.
 */
export function documentSelector(languages: readonly string[]): DocumentFilter[] {
  const served = languages.flatMap((language) => ["file", "untitled"].map((scheme) => ({ scheme, language })));
  return [...served, { scheme: "file", pattern: "**/tool.toml" }];
}

// A table header naming tool.latm (or a table below it), keys bare or quoted: [tool.latm], [ "tool" . 'latm'.prices ].
const KEY = (name: string): string => `(?:${name}|"${name}"|'${name}')`;
const LATM_TABLE = new RegExp(`^\\s*\\[\\[?\\s*${KEY("tool")}\\s*\\.\\s*${KEY("latm")}\\s*[.\\]]`, "m");
// Or, inside a plain [tool] table, a key latm (latm = {...}, latm.model = ...).
const TOOL_TABLE = /^\s*\[\s*(?:tool|"tool"|'tool')\s*\]\s*(?:#.*)?$/;
const LATM_KEY = new RegExp(`^\\s*${KEY("latm")}\\s*[.=]`);
const ANY_TABLE = /^\s*\[/;

/** Whether a pyproject.toml's text configures latm (a `[tool.latm]` table, or `latm` keys under `[tool]`). */
export function hasLatmTable(pyproject: string): boolean {
  if (LATM_TABLE.test(pyproject)) {
    return true;
  }
  let inTool = false;
  for (const line of pyproject.split(/\r?\n/)) {
    if (ANY_TABLE.test(line)) {
      inTool = TOOL_TABLE.test(line);
    } else if (inTool && LATM_KEY.test(line)) {
      return true;
    }
  }
  return false;
}

/** What the extension found in the workspace folder the server would serve. */
export interface ProjectMarkers {
  /** latm.toml exists. */
  config: boolean;
  /** At least one `<toolbox>/*\/tool.toml` exists. */
  tools: boolean;
  /** pyproject.toml's text, when there is one. */
  pyproject?: string;
}

/** Why to start the server now, or undefined: stay idle until a served document opens or a command asks. */
export function startReason(markers: ProjectMarkers | undefined, openLanguages: readonly string[], served: readonly string[]): string | undefined {
  if (markers?.config) {
    return `${PROJECT_FILES.config} in the workspace`;
  }
  if (markers?.tools) {
    return "a toolbox with tools in the workspace";
  }
  if (markers?.pyproject !== undefined && hasLatmTable(markers.pyproject)) {
    return "[tool.latm] in pyproject.toml";
  }
  const open = openLanguages.find((language) => served.includes(language));
  return open === undefined ? undefined : `a ${open} document is open`;
}

/** package.json's `activationEvents` for the default languages and the project files. */
export function activationEvents(): string[] {
  return [
    ...DEFAULT_LANGUAGES.map((language) => `onLanguage:${language}`),
    ...Object.values(PROJECT_FILES).map((file) => `workspaceContains:${file}`),
  ];
}
