/** Run a short-lived process to completion and collect what it printed (no shell involved). */
import { execFile, spawn } from "node:child_process";

export interface RunResult {
  /** Exit code; null when the process could not start or was killed. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the process did not run to a normal exit (not found, timed out, killed). */
  error?: Error & { code?: string | number | null; killed?: boolean };
}

export function runProcess(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs: number },
): Promise<RunResult> {
  return new Promise((resolve) => {
    const settings = { cwd: options.cwd, env: options.env, timeout: options.timeoutMs, windowsHide: true, maxBuffer: 16 << 20 };
    execFile(command, [...args], settings, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr), ...(error ? { error } : {}) });
    });
  });
}

/**
 * Run a long process, handing each line it writes to stderr to `onLine` as it comes (latm's CLI
 * reports progress there); `signal` stops it.
 */
export function runWithLines(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; onLine: (line: string) => void; signal?: AbortSignal },
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, [...args], { cwd: options.cwd, env: options.env, windowsHide: true, signal: options.signal });
    let stdout = "";
    let stderr = "";
    let pending = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const lines = (pending + chunk.toString()).split(/\r?\n/);
      pending = lines.pop() ?? "";
      lines.filter((line) => line.trim()).forEach(options.onLine);
    });
    child.on("error", (error: RunResult["error"] & Error) => resolve({ code: null, stdout, stderr, error }));
    child.on("close", (code) => {
      if (pending.trim()) {
        options.onLine(pending); // a last line without its newline
      }
      resolve({ code, stdout, stderr });
    });
  });
}
