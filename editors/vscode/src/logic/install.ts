/**
 * Installing latm for the server: what pip installs (the latm bundled with the extension, so the
 * server matches it and no package index is needed), why pip failed, and where the workspace's
 * own virtual environment keeps its interpreter.
 */
import * as path from "node:path";
import { RunResult } from "./run";

/** The workspace virtual environment the extension creates when the interpreter refuses pip. */
export const WORKSPACE_VENV = ".venv";

/** `latm.serverPackage` when set (a name, a version spec or a checkout), else the bundled source. */
export function installSource(setting: string | undefined, bundled: string): string {
  return (setting ?? "").trim() || bundled;
}

export interface PipFailure {
  kind: "externally-managed" | "no-pip" | "not-found" | "other";
  /** The sentence for the user. */
  text: string;
}

function lastLine(text: string): string {
  return text.trim().split(/\r?\n/).filter((line) => line.trim()).pop() ?? "";
}

export function pipFailure(run: RunResult): PipFailure {
  const said = `${run.stderr}\n${run.stdout}`;
  if (said.includes("externally-managed-environment")) {
    return {
      kind: "externally-managed",
      text: "it is externally managed (PEP 668): the system's package manager owns it, so pip may not install into it",
    };
  }
  if (/No module named pip\b/.test(said)) {
    return { kind: "no-pip", text: "it has no pip" };
  }
  const missing = /No matching distribution found for .*/.exec(said);
  if (missing) {
    return { kind: "not-found", text: missing[0].trim() };
  }
  return { kind: "other", text: lastLine(run.stderr) || lastLine(run.stdout) || `pip did not finish (exit code ${run.code ?? "unknown"})` };
}

/** The interpreter of the virtual environment in `venv`. */
export function venvPython(venv: string, platform: string = process.platform): string {
  return platform === "win32" ? path.win32.join(venv, "Scripts", "python.exe") : path.posix.join(venv, "bin", "python");
}

/** `latm.python` for the workspace virtual environment, valid wherever the workspace moves. */
export function venvSetting(platform: string = process.platform): string {
  return venvPython(platform === "win32" ? "${workspaceFolder}\\.venv" : "${workspaceFolder}/.venv", platform);
}
