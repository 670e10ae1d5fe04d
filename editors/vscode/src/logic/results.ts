/**
 * Sentences for what server commands return. Results are read tolerantly: the server's JSON
 * may grow fields, and a missing one must not turn into "undefined" in a message.
 */
import { SERVER_COMMANDS } from "./commandArgs";

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string {
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : "";
}

/** "3/3" from a result's passed/total, or from its nested `tool`; "" when either is missing. */
function score(result: Record<string, unknown>): string {
  const tool = record(result.tool);
  const passed = result.passed ?? tool.passed;
  const total = result.total ?? tool.total;
  return typeof passed === "number" && typeof total === "number" ? `${passed}/${total}` : "";
}

/** A `message` the server chose to say, if it returned one. */
export function serverMessage(result: unknown): string {
  return text(record(result).message);
}

/** The name of the tool a make returned (flat or in its nested `tool`), or "". */
export function madeName(result: unknown): string {
  return text(record(result).name) || text(record(record(result).tool).name);
}

/** After latm.makeTool: the server's sentence, else name, verification score and folder. */
export function describeMade(result: unknown, requestedName?: string): string {
  const said = serverMessage(result);
  if (said) {
    return said;
  }
  const made = record(result);
  const tool = record(made.tool);
  const name = madeName(result) || requestedName || "the tool";
  const verified = score(made);
  const where = text(made.path) || text(tool.path);
  return `Made tool ${name}${verified ? ` (verified ${verified})` : ""}${where ? ` in ${where}` : ""}.`;
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
  const solved = record(result);
  const message = serverMessage(result);
  if (solved.unknown === true && solved.applied !== false) {
    return "";
  }
  if (message) {
    return message;
  }
  const answer = solved.answer;
  const tool = text(solved.tool);
  if (answer === undefined) {
    return "";
  }
  return `Answer${tool ? ` from ${tool}` : ""}: ${typeof answer === "string" ? answer : JSON.stringify(answer)}`;
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
  return command === SERVER_COMMANDS.solve && record(result).applied === false ? describeSolved(result) : "";
}

/** After latm.verifyTool: the server's sentence (it names the tool and the score), else one built from the result. */
export function describeVerified(result: unknown, name: string): { ok: boolean; text: string } {
  const verified = record(result);
  const tool = record(verified.tool);
  const ok = (verified.verified ?? tool.verified) === true;
  const passed = score(verified);
  return { ok, text: serverMessage(result) || `${name}: ${ok ? "verified" : "verification failed"}${passed ? ` ${passed}` : ""}.` };
}
