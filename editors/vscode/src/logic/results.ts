/**
 * Sentences for what server commands return. A make, a verification and a solve each answer one
 * JSON record, the same the CLI prints with `--json` (README, "JSON results"); the language server
 * adds its `message`. Each is read here in exactly that shape, typed; a result that is not one
 * (an older server, a different command) reads as undefined rather than as "undefined" in a message.
 */
import { SERVER_COMMANDS } from "./commandArgs";

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string {
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : "";
}

function optionalText(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** A make's record (`MakeResult.record`): latm.makeTool, latm.makeFromPending, `latm make --json`. */
export interface MadeRecord {
  name: string;
  path: string;
  verified: boolean;
  passed: number;
  total: number;
  sandbox: string;
  parser: boolean;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number | null;
  notes: string[];
  /** The language server's sentence. */
  message?: string;
}

/** A verification's record (`VerifyResult.record`): latm.verifyTool, one tool of `latm verify --json`. */
export interface VerifiedRecord {
  name: string;
  verified: boolean;
  passed: number;
  total: number;
  failures: string[];
  edit: string;
  message?: string;
}

/** An asked question's record (`Asked.record`): latm.solve, `latm solve --json`. */
export interface SolvedRecord {
  question: string;
  /** "" when no tool fits. */
  tool: string;
  /** Exactly as the tool gave it; null when there is none. */
  answer: string | null;
  path: string;
  tokens: number;
  unknown: boolean;
  message?: string;
  /** Whether the client applied the edit that inserts the answer (absent: none was sent). */
  applied?: boolean;
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === "string") ? value : undefined;
}

/** The make record in a result, if it is one. */
export function readMade(result: unknown): MadeRecord | undefined {
  const r = record(result);
  const notes = strings(r.notes);
  const cost = r.cost_usd === null || typeof r.cost_usd === "number" ? r.cost_usd : undefined;
  if (typeof r.name !== "string" || typeof r.path !== "string" || typeof r.verified !== "boolean" || typeof r.passed !== "number"
      || typeof r.total !== "number" || typeof r.sandbox !== "string" || typeof r.parser !== "boolean"
      || typeof r.tokens_in !== "number" || typeof r.tokens_out !== "number" || cost === undefined || notes === undefined) {
    return undefined;
  }
  return { name: r.name, path: r.path, verified: r.verified, passed: r.passed, total: r.total, sandbox: r.sandbox,
    parser: r.parser, tokens_in: r.tokens_in, tokens_out: r.tokens_out, cost_usd: cost, notes, message: optionalText(r.message) };
}

/** The verification record in a result, if it is one. */
export function readVerified(result: unknown): VerifiedRecord | undefined {
  const r = record(result);
  const failures = strings(r.failures);
  if (typeof r.name !== "string" || typeof r.verified !== "boolean" || typeof r.passed !== "number" || typeof r.total !== "number"
      || typeof r.edit !== "string" || failures === undefined) {
    return undefined;
  }
  return { name: r.name, verified: r.verified, passed: r.passed, total: r.total, failures, edit: r.edit,
    message: optionalText(r.message) };
}

/** The asked question's record in a result, if it is one. */
export function readSolved(result: unknown): SolvedRecord | undefined {
  const r = record(result);
  const answer = r.answer === null || typeof r.answer === "string" ? r.answer : undefined;
  if (typeof r.question !== "string" || typeof r.tool !== "string" || answer === undefined || typeof r.path !== "string"
      || typeof r.tokens !== "number" || typeof r.unknown !== "boolean") {
    return undefined;
  }
  return { question: r.question, tool: r.tool, answer, path: r.path, tokens: r.tokens, unknown: r.unknown,
    message: optionalText(r.message), applied: typeof r.applied === "boolean" ? r.applied : undefined };
}

/** A `message` the server chose to say, if it returned one. */
export function serverMessage(result: unknown): string {
  return text(record(result).message);
}

/** The name of the tool a make returned, or "". */
export function madeName(result: unknown): string {
  return readMade(result)?.name ?? "";
}

/** After latm.makeTool: the server's sentence, else name, verification score and folder. */
export function describeMade(result: unknown, requestedName?: string): string {
  const made = readMade(result);
  if (made?.message) {
    return made.message;
  }
  if (!made) {
    return `Made tool ${requestedName || "the tool"}.`;
  }
  return `Made tool ${made.name} (verified ${made.passed}/${made.total}) in ${made.path}.`;
}

/** After a real latm.commitTool: `{..plan, commit}`. */
export function describeCommitted(result: unknown, name: string): string {
  const commit = text(record(result).commit);
  return `Committed tool ${name}${commit ? ` as ${commit.slice(0, 10)}` : ""}.`;
}

export interface CommitPlan {
  files: string[];
  diffSummary: string;
  message: string;
}

/** The dry run of latm.commitTool: `{files, diff_summary, message}`. */
export function commitPlan(result: unknown): CommitPlan {
  const plan = record(result);
  const files = Array.isArray(plan.files) ? plan.files.map((file) => text(file) || JSON.stringify(file)) : [];
  return { files, diffSummary: text(plan.diff_summary), message: text(plan.message) };
}

/** The confirmation text shown before committing; the modal's detail. */
export function commitDetail(plan: CommitPlan): string {
  const files = plan.files.length ? plan.files.map((file) => `  ${file}`).join("\n") : "  (no files listed)";
  return [
    `Files:\n${files}`,
    plan.diffSummary ? `Changes: ${plan.diffSummary}` : "",
    plan.message ? `Message: ${plan.message.split("\n")[0]}` : "",
  ]
    .filter(Boolean)
    .join("\n\n");
}

export interface SandboxInfo {
  backend?: string;
  warning?: string;
  summary: string;
  /** The Docker image to build: Docker answers, but this image is not built (or is another latm's). */
  missingImage?: string;
}

/** latm.sandboxStatus: `{backend, image, warm_containers, isolation, warning, missing_image}`. */
export function sandboxInfo(result: unknown): SandboxInfo {
  const status = record(result);
  const backend = text(status.backend) || undefined;
  const warning = text(status.warning) || undefined;
  const parts = [
    `Sandbox: ${backend ?? "unknown"}`,
    text(status.image) ? `image ${text(status.image)}` : "",
    typeof status.warm_containers === "number" ? `${status.warm_containers} warm container(s)` : "",
    text(status.isolation) ? `isolation: ${text(status.isolation)}` : "",
  ].filter(Boolean);
  const missingImage = text(status.missing_image) || undefined;
  return { backend, warning, summary: parts.join(" · ") + (warning ? `. ${warning}` : ""), ...(missingImage ? { missingImage } : {}) };
}

/**
 * What the extension says after latm.solve (the edit itself arrives as workspace/applyEdit).
 * Nothing when no tool fitted: the server has shown that sentence itself (window/showMessage),
 * unless the answer could not be inserted, which only the result tells.
 */
export function describeSolved(result: unknown): string {
  const solved = readSolved(result);
  if (!solved || (solved.unknown && solved.applied !== false)) {
    return "";
  }
  if (solved.message) {
    return solved.message;
  }
  return solved.answer === null ? "" : `Answer${solved.tool ? ` from ${solved.tool}` : ""}: ${solved.answer}`;
}

/**
 * After VS Code ran a server command for a code action (the language client shows nothing of
 * the result): the made tool, or a solve whose answer did not reach the document. An answer that
 * was inserted needs no popup.
 */
export function editorRunNotice(command: string, result: unknown): string {
  if (record(result).made === false) {
    return ""; // no make: a tool answers the examples already, and the choice is offered (living.ts)
  }
  if (command === SERVER_COMMANDS.makeTool || command === SERVER_COMMANDS.makeFromPending) {
    return describeMade(result);
  }
  return command === SERVER_COMMANDS.solve && readSolved(result)?.applied === false ? describeSolved(result) : "";
}

/** After latm.verifyTool: the server's sentence (it names the tool and the score), else one built from the record. */
export function describeVerified(result: unknown, name: string): { ok: boolean; text: string } {
  const verified = readVerified(result);
  const ok = verified?.verified === true;
  const score = verified ? ` ${verified.passed}/${verified.total}` : "";
  return { ok, text: verified?.message || `${name}: ${ok ? "verified" : "verification failed"}${score}.` };
}
