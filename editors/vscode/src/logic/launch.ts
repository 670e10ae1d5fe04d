/**
 * How the server (and the `latm` CLI) is started: interpreter choice, arguments, environment.
 *
 * The API key comes from VS Code's SecretStorage and reaches the server only through its
 * process environment, under the variable the server reads (`latm.apiKeyEnv`).
 */

export const DEFAULT_KEY_ENV = "OPENAI_API_KEY";
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface Interpreter {
  command: string;
  /** Where the choice came from, for messages: "latm.python", "Python extension" or "default". */
  source: string;
}

/**
 * `latm.python` when set, else the interpreter chosen in the Python extension, else python3
 * (python on Windows, where python3 is usually missing).
 */
export function chooseInterpreter(
  setting: string | undefined,
  fromPythonExtension: string | undefined,
  workspaceFolder: string | undefined,
  platform: string = process.platform,
): Interpreter {
  const configured = (setting ?? "").trim();
  if (configured) {
    const expanded = workspaceFolder ? configured.split("${workspaceFolder}").join(workspaceFolder) : configured;
    return { command: expanded, source: "latm.python" };
  }
  if (fromPythonExtension && fromPythonExtension.trim()) {
    return { command: fromPythonExtension.trim(), source: "Python extension" };
  }
  return { command: platform === "win32" ? "python" : "python3", source: "default" };
}

/** The variable that will hold the key; a malformed name falls back to OPENAI_API_KEY. */
export function keyEnvName(setting: string | undefined): { name: string; problem?: string } {
  const name = (setting ?? "").trim();
  if (!name) {
    return { name: DEFAULT_KEY_ENV };
  }
  if (!ENV_NAME.test(name)) {
    return {
      name: DEFAULT_KEY_ENV,
      problem: `latm.apiKeyEnv: ${JSON.stringify(name)} is not a valid environment variable name; using ${DEFAULT_KEY_ENV}.`,
    };
  }
  return { name };
}

/** The process environment: the editor's own, plus the stored key when there is one. */
export function processEnv(
  base: Record<string, string | undefined>,
  apiKey: string | undefined,
  keyEnv: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined) {
      env[name] = value;
    }
  }
  if (apiKey) {
    env[keyEnv] = apiKey;
  }
  // Python must not buffer stderr logs the Output channel shows.
  env.PYTHONUNBUFFERED = "1";
  return env;
}

export interface Launch {
  command: string;
  args: string[];
  options: { cwd?: string; env: Record<string, string> };
}

/** `python -m latm serve` (stdio) or another `latm` subcommand, in the workspace folder. */
export function latmLaunch(
  python: string,
  subcommand: string[],
  env: Record<string, string>,
  cwd: string | undefined,
): Launch {
  return {
    command: python,
    args: ["-m", "latm", ...subcommand],
    options: cwd ? { cwd, env } : { env },
  };
}

/** Quote one word for a POSIX shell (or cmd.exe on Windows) so a person can paste the command. */
export function shellQuote(word: string, platform: string = process.platform): string {
  if (/^[A-Za-z0-9_@%+=:,./\\-]+$/.test(word)) {
    return word;
  }
  if (platform === "win32") {
    return `"${word.replace(/"/g, '""')}"`;
  }
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The pip invocation that installs `spec` (see install.installSource) into the server's interpreter. */
export function pipInstall(python: string, spec: string): { args: string[]; text: string } {
  const args = ["-m", "pip", "install", spec];
  return { args, text: [python, ...args].map((word) => shellQuote(word)).join(" ") };
}
