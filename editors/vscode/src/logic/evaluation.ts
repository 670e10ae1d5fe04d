/**
 * "LATM: Evaluate Tool…": which tools and data files to offer, the argument of latm.evaluate,
 * and what its result says. Results are read tolerantly, like every server result.
 */
import * as path from "node:path";
import { Tool, verificationText } from "./tools";

/** The palette command's id (the server's own command is latm.evaluate). */
export const EVALUATE_COMMAND = "latm.palette.evaluate";
/** Files whose formats latm reads examples from (Q/A blocks, markdown tables, JSON lines, BIG-Bench JSON). */
export const DATA_GLOB = "**/*.{json,jsonl,ndjson,md,markdown,txt}";
/** Folders never offered: dependencies, latm's own state, version control. */
export const DATA_EXCLUDE = "**/{node_modules,.latm,.git,.venv,dist,out}/**";

export interface ToolPick {
  label: string;
  description: string;
  detail: string;
}

export interface DataPick {
  label: string;
  description: string;
  /** The absolute path sent to the server. */
  file: string;
}

export interface Evaluated {
  status: string;
  /** report.md's absolute path, or "" when the server sent none. */
  report: string;
  message: string;
}

/** Verified tools only (the others have nothing to evaluate): name, summary, verification. */
export function toolPicks(tools: readonly Tool[]): ToolPick[] {
  return tools
    .filter((tool) => tool.verified)
    .map((tool) => ({ label: tool.name, description: tool.summary, detail: verificationText(tool) }))
    .sort((a, b) => a.label.localeCompare(b.label));
}

/** Data files by their path in the workspace, nearest the root first. */
export function dataPicks(files: readonly string[], root: string): DataPick[] {
  return files
    .map((file) => {
      const relative = path.relative(root, file);
      return { label: path.basename(file), description: path.dirname(relative) === "." ? "" : path.dirname(relative), file };
    })
    .sort((a, b) => depth(a.description) - depth(b.description) || a.description.localeCompare(b.description) || a.label.localeCompare(b.label));
}

function depth(folder: string): number {
  return folder ? folder.split(path.sep).length : 0;
}

/** The single argument object of latm.evaluate. */
export function evaluateArgs(tool: string, data: string, methods?: readonly string[]): { tool: string; data: string; methods?: string } {
  return methods && methods.length ? { tool, data, methods: methods.join(",") } : { tool, data };
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** latm.evaluate's result: `{status, out, report, message, methods, ...}`. */
export function readEvaluated(result: unknown, tool: string): Evaluated {
  const record = result && typeof result === "object" && !Array.isArray(result) ? (result as Record<string, unknown>) : {};
  const status = text(record.status) || "unknown";
  const message = text(record.message) || `Evaluated ${tool}${status === "complete" ? "" : ` (${status})`}.`;
  return { status, report: text(record.report), message };
}
