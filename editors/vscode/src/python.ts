/**
 * The interpreter chosen in the Python extension (ms-python.python), when it is installed, through
 * its published API package (@vscode/python-extension).
 */
import { PythonExtension } from "@vscode/python-extension";
import * as vscode from "vscode";

async function pythonApi(): Promise<PythonExtension | undefined> {
  try {
    const api = await PythonExtension.api(); // throws when the extension is missing or disabled
    return api?.environments ? api : undefined; // an old Python extension without the environments API
  } catch {
    return undefined;
  }
}

/** The executable of the active environment for `resource`, or undefined (no extension, no choice). */
export async function activeInterpreter(resource: vscode.Uri | undefined): Promise<string | undefined> {
  const api = await pythonApi();
  if (!api) {
    return undefined;
  }
  try {
    const active = api.environments.getActiveEnvironmentPath(resource);
    const resolved = await api.environments.resolveEnvironment(active);
    return resolved?.executable?.uri?.fsPath ?? active.path;
  } catch {
    return undefined;
  }
}

/** Calls `listener` when the user picks another interpreter in the Python extension. */
export async function onInterpreterChange(listener: () => void): Promise<vscode.Disposable | undefined> {
  const api = await pythonApi();
  return api?.environments.onDidChangeActiveEnvironmentPath(() => listener());
}
