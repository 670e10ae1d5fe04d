/**
 * What the status bar item says: tool count, sandbox backend (a warning when the weaker
 * `process` backend runs generated code), and a spinner while a tool is being made.
 */

/** "idle": not started, as nothing in this window calls for latm yet (see logic/activation). */
export type ServerState = "idle" | "starting" | "running" | "stopped" | "failed";

export interface StatusInput {
  server: ServerState;
  tools: number;
  /** Sandbox backend the server reports ("docker", "process"), unknown until it answers. */
  backend?: string;
  /** The sandbox's own warning sentence, if any. */
  sandboxWarning?: string;
  /** Names of tools being made right now (a make without a name yet counts as ""). */
  making: readonly string[];
  /** When the server last stopped unexpectedly and the client started it again (a time of day). */
  restartedAt?: string;
  /** The Docker image whose absence forces the process backend; a click builds it. */
  missingImage?: string;
}

export interface StatusView {
  text: string;
  tooltip: string;
  warning: boolean;
}

function makingText(making: readonly string[]): string {
  const named = making.filter((name) => name);
  if (named.length === 1 && making.length === 1) {
    return `making ${named[0]}…`;
  }
  return making.length === 1 ? "making a tool…" : `making ${making.length} tools…`;
}

const WEAK: Record<string, string> = {
  process: "The process backend does not isolate generated code like Docker does.",
  unavailable: "No sandbox is available: tools cannot be made or run.",
};

export function statusView(input: StatusInput): StatusView {
  if (input.server === "idle") {
    return { text: "$(circle-outline) LATM", tooltip: "LATM is idle: no latm project or served document here — click to start", warning: false };
  }
  if (input.server === "stopped" || input.server === "failed") {
    return {
      text: "$(circle-slash) LATM",
      tooltip: `LATM server ${input.server === "failed" ? "failed to start" : "is stopped"} — click to restart`,
      warning: input.server === "failed",
    };
  }
  if (input.server === "starting") {
    return { text: "$(loading~spin) LATM", tooltip: "LATM server is starting…", warning: false };
  }
  const tools = `${input.tools} tool${input.tools === 1 ? "" : "s"}`;
  // "unavailable": nothing can run generated code; "process": it runs, with weaker isolation.
  const weak = input.backend === "process" || input.backend === "unavailable";
  const backend = input.backend ? ` · ${input.backend}` : "";
  const icon = input.making.length > 0 ? "$(sync~spin)" : weak ? "$(warning)" : "$(tools)";
  const busy = input.making.length > 0 ? ` · ${makingText(input.making)}` : "";
  const restarted = input.restartedAt ? " · restarted" : "";
  const tooltip = [
    `LATM: ${tools} in the toolbox`,
    input.backend ? `sandbox: ${input.backend}` : "sandbox: unknown",
    weak ? input.sandboxWarning || WEAK[input.backend ?? ""] : "",
    input.missingImage ? `Click to build the sandbox image ${input.missingImage}.` : "",
    input.making.length > 0 ? makingText(input.making) : "",
    input.restartedAt ? `The server stopped unexpectedly at ${input.restartedAt} and was restarted (see the LATM output).` : "",
  ].filter(Boolean);
  return { text: `${icon} ${tools}${backend}${busy}${restarted}`, tooltip: tooltip.join("\n"), warning: weak };
}
