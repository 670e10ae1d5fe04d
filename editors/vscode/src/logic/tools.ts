/**
 * The tool list the server sends (`latm.listTools`, `latm/toolboxChanged`), read tolerantly:
 * a missing or mistyped field gets a neutral value instead of breaking the view.
 */
import * as path from "node:path";

export type Origin = "made" | "imported" | "hand-written" | "unknown";
/** verified; regressed (fails a stored example, still answers with a warning); edited (a hand edit, unused until accepted). */
export type State = "verified" | "regressed" | "edited" | "unverified";

export interface Tool {
  name: string;
  summary: string;
  entry: string;
  signature: string;
  origin: Origin;
  verified: boolean;
  passed: number | undefined;
  total: number | undefined;
  uses: number;
  makerModel: string;
  /** True when a verified question parser lets the tool answer with no model call. */
  parser: boolean;
  /** The tool's folder as the server gave it (absolute, or relative to the workspace). */
  path: string;
  problems: string[];
  state: State;
  /** Time of its latest answer (ISO 8601), "" when never used. */
  lastUsed: string;
}

const ORIGINS: readonly Origin[] = ["made", "imported", "hand-written"];
const STATES: readonly State[] = ["verified", "regressed", "edited", "unverified"];

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
}

function problemText(problem: unknown): string {
  if (typeof problem === "string") {
    return problem;
  }
  if (problem && typeof problem === "object") {
    const record = problem as Record<string, unknown>;
    const message = text(record.message) || JSON.stringify(problem);
    const line = typeof record.line === "number" || typeof record.line === "string" ? record.line : undefined;
    return line !== undefined ? `${message} (line ${line})` : message;
  }
  return String(problem);
}

export function parseTool(raw: unknown): Tool | undefined {
  if (!raw || typeof raw !== "object") {
    return undefined;
  }
  const record = raw as Record<string, unknown>;
  const name = text(record.name);
  return name ? readTool(name, record) : undefined;
}

function readTool(name: string, record: Record<string, unknown>): Tool {
  return {
    name,
    summary: text(record.summary),
    entry: text(record.entry),
    signature: text(record.signature),
    origin: ORIGINS.find((known) => known === record.origin) ?? "unknown",
    verified: record.verified === true,
    passed: count(record.passed),
    total: count(record.total),
    uses: count(record.uses) ?? 0,
    makerModel: text(record.maker_model),
    parser: record.parser === true,
    path: text(record.path),
    problems: Array.isArray(record.problems) ? record.problems.map(problemText) : [],
    // A server that predates states says only whether the tool is verified.
    state: STATES.find((known) => known === record.state) ?? (record.verified === true ? "verified" : "unverified"),
    lastUsed: text(record.last_used),
  };
}

/** A tool the server could not load: listed by name only, so the view can still show it. */
function brokenTool(name: string, toolbox: string): Tool {
  return {
    ...readTool(name, {}),
    path: toolbox ? path.join(toolbox, name) : "",
    problems: ["cannot be loaded; see the Problems panel"],
  };
}

interface Listing {
  tools: Tool[];
  broken: string[];
  toolbox: string;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string" && item !== "") : [];
}

/** `{tools: [...], broken: [names], toolbox}` or a bare list; anything else is empty. */
function readListing(payload: unknown): Listing {
  const listing = payload && typeof payload === "object" && !Array.isArray(payload) ? (payload as Record<string, unknown>) : {};
  const list = Array.isArray(payload) ? payload : Array.isArray(listing.tools) ? listing.tools : [];
  return {
    tools: list.map(parseTool).filter((tool): tool is Tool => tool !== undefined),
    broken: strings(listing.broken),
    toolbox: text(listing.toolbox),
  };
}

/** `tools` plus a placeholder for each broken name not among them, sorted by name. */
function withBroken(tools: Tool[], broken: readonly string[], toolbox: string): Tool[] {
  const known = new Set(tools.map((tool) => tool.name));
  const placeholders = broken.filter((name) => !known.has(name)).map((name) => brokenTool(name, toolbox));
  return [...tools, ...placeholders].sort((a, b) => a.name.localeCompare(b.name));
}

/** The server's tool list (`latm.listTools`, or a complete `latm/toolboxChanged`), sorted by name. */
export function parseToolList(payload: unknown): Tool[] {
  const listing = readListing(payload);
  return withBroken(listing.tools, listing.broken, listing.toolbox);
}

export interface ToolboxUpdate {
  tools: Tool[];
  /** The merged list disagrees with the server's count: ask for the full list. */
  stale: boolean;
}

/**
 * The list after a `latm/toolboxChanged` notification. A complete one (`complete: true`, or an
 * older server that does not say) replaces the list. In a large toolbox the server sends only
 * the changed records (`complete: false`): every name in `changed` or `removed` leaves the list,
 * the records sent come back in, and `broken` (always the whole list of broken names) is listed
 * again. `count` is the number of loaded tools; a mismatch means a notification was missed.
 */
export function applyToolboxChange(current: readonly Tool[], payload: unknown): ToolboxUpdate {
  const change = payload && typeof payload === "object" ? (payload as Record<string, unknown>) : {};
  if (change.complete !== false) {
    return { tools: parseToolList(payload), stale: false };
  }
  const listing = readListing(payload);
  const gone = new Set([...strings(change.changed), ...strings(change.removed), ...listing.broken]);
  for (const tool of listing.tools) {
    gone.add(tool.name);
  }
  const kept = current.filter((tool) => !gone.has(tool.name));
  const tools = withBroken([...kept, ...listing.tools], listing.broken, listing.toolbox);
  const broken = new Set(listing.broken);
  const loaded = tools.filter((tool) => !broken.has(tool.name)).length;
  return { tools, stale: typeof change.count === "number" && loaded !== change.count };
}

/** `tool.py` of a tool, resolved against the workspace when the server gave a relative folder. */
export function toolFile(tool: Tool, workspaceRoot: string | undefined, file = "tool.py"): string | undefined {
  if (!tool.path) {
    return undefined;
  }
  const folder = path.isAbsolute(tool.path) || !workspaceRoot ? tool.path : path.join(workspaceRoot, tool.path);
  return path.join(folder, file);
}

export function verificationText(tool: Tool): string {
  const score = tool.passed !== undefined && tool.total !== undefined ? ` ${tool.passed}/${tool.total}` : "";
  const words: Record<State, string> = { verified: "verified", regressed: "regressed", edited: "edited, not verified", unverified: "not verified" };
  return `${words[tool.state]}${score}`;
}

export interface ToolRow {
  label: string;
  description: string;
  tooltip: string;
  icon: "pass" | "warning" | "error";
  /** Drives the context menu: only a verified tool can be committed, a regressed one repaired. */
  contextValue: `latmTool.${State}`;
}

/** "1 use", "3 uses". */
export function usesText(tool: Tool): string {
  return `${tool.uses} use${tool.uses === 1 ? "" : "s"}`;
}

const STATE_WORDS: Record<State, string> = { verified: "", regressed: " regressed ·", edited: " edited, not verified ·", unverified: "" };

/** One row of the Toolbox view. The tooltip is Markdown. */
export function toolRow(tool: Tool): ToolRow {
  const uses = usesText(tool);
  const lines = [
    `**${tool.name}**${tool.summary ? ` — ${tool.summary}` : ""}`,
    "",
    tool.signature ? `\`${tool.signature}\`` : "",
    `${verificationText(tool)} · ${tool.origin} · ${uses}`,
    tool.makerModel ? `made by ${tool.makerModel}` : "",
    tool.parser ? "answers without a model call (verified question parser)" : "",
    ...tool.problems.map((problem) => `- ⚠ ${problem}`),
  ];
  return {
    label: tool.name,
    description: `${tool.verified ? "✓" : "✗"}${STATE_WORDS[tool.state]} ${tool.origin} · ${uses}`,
    tooltip: lines.filter((line, index) => line !== "" || index === 1).join("\n\n"),
    icon: tool.state === "regressed" ? "warning" : tool.problems.length > 0 ? "error" : tool.verified ? "pass" : "warning",
    contextValue: `latmTool.${tool.state}`,
  };
}

function words(value: string): Set<string> {
  return new Set(value.toLowerCase().split(/[^a-z0-9]+/).filter((word) => word.length > 2));
}

/**
 * Verified tools ordered by how many words they share with the question (name, summary,
 * signature), then by use count. The server's dispatcher makes the real choice when the user
 * picks "let latm choose"; this order only puts likely tools first in the quick pick.
 */
export function rankTools(question: string, tools: readonly Tool[]): Tool[] {
  const asked = words(question);
  const score = (tool: Tool): number =>
    [...words(`${tool.name.replace(/_/g, " ")} ${tool.summary} ${tool.signature}`)].filter((word) => asked.has(word))
      .length;
  return tools
    .filter((tool) => tool.verified)
    .map((tool) => ({ tool, score: score(tool) }))
    .sort((a, b) => b.score - a.score || b.tool.uses - a.tool.uses || a.tool.name.localeCompare(b.tool.name))
    .map((entry) => entry.tool);
}
