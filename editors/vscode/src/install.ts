/**
 * When the chosen interpreter cannot run latm: say why, and put the fix one click away — pick
 * another interpreter (the Python extension's picker, else a file picker), install latm into it,
 * or, where pip may not install (PEP 668), into a virtual environment in the workspace.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { WORKSPACE_VENV, installSource, pipFailure, venvPython, venvSetting } from "./logic/install";
import { Interpreter, pipInstall } from "./logic/launch";
import { Probe } from "./logic/probe";
import { RunResult, runProcess } from "./logic/run";

const INSTALL_TIMEOUT_MS = 15 * 60_000;
const PICK = "Select Interpreter";
const SET_INTERPRETER = "python.setInterpreter";

export class Setup {
  constructor(
    private readonly extensionPath: string,
    private readonly output: vscode.OutputChannel,
    private readonly restart: () => Promise<void>,
  ) {}

  private get root(): string | undefined {
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  }

  /** Why `interpreter` cannot run latm, with the fixes as buttons. */
  async explain(interpreter: Interpreter, probe: Exclude<Probe, { kind: "ok" }>, env: Record<string, string>): Promise<void> {
    const python = interpreter.command;
    this.output.appendLine(`Checking latm in ${python}: ${probe.kind}: ${probe.detail}`);
    if (probe.kind === "no-interpreter") {
      const answer = await vscode.window.showErrorMessage(
        `LATM: the Python interpreter "${python}" was not found (from ${interpreter.source}). Set latm.python or pick an interpreter.`,
        "Open Settings",
        PICK,
      );
      return this.followUp(answer);
    }
    if (probe.kind === "broken") {
      const answer = await vscode.window.showErrorMessage(`LATM: importing latm in ${python} fails: ${probe.detail}`, "Show Output");
      return this.followUp(answer);
    }
    const spec = this.spec();
    const install = "Install";
    const answer = await vscode.window.showWarningMessage(
      `LATM: latm is not installed in ${python}. Install it with: ${pipInstall(python, spec).text}`,
      install,
      "Copy Command",
      PICK,
    );
    if (answer === install) {
      await this.install(python, spec, env);
    } else if (answer === "Copy Command") {
      await vscode.env.clipboard.writeText(pipInstall(python, spec).text);
    } else {
      await this.followUp(answer);
    }
  }

  private async followUp(answer: string | undefined): Promise<void> {
    if (answer === PICK) {
      await this.selectInterpreter();
    } else if (answer === "Open Settings") {
      await vscode.commands.executeCommand("workbench.action.openSettings", "latm.python");
    } else if (answer === "Show Output") {
      this.output.show();
    }
  }

  /** The Python extension's picker when it is installed, else a file picker that sets latm.python. */
  async selectInterpreter(): Promise<void> {
    if ((await vscode.commands.getCommands(true)).includes(SET_INTERPRETER)) {
      await vscode.commands.executeCommand(SET_INTERPRETER);
      return;
    }
    const picked = await vscode.window.showOpenDialog({
      title: "LATM: select the Python interpreter that runs latm (sets latm.python)",
      openLabel: "Use This Interpreter",
      canSelectFiles: true,
      canSelectFolders: false,
      canSelectMany: false,
      defaultUri: this.root ? vscode.Uri.file(this.root) : undefined,
    });
    if (picked?.[0]) {
      await this.setPython(picked[0].fsPath);
    }
  }

  /** latm.python for this workspace (for the window when no folder is open); a change restarts the server. */
  private async setPython(value: string): Promise<void> {
    const config = vscode.workspace.getConfiguration("latm");
    const target = this.root ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    if (config.inspect<string>("python")?.[this.root ? "workspaceValue" : "globalValue"] === value) {
      await this.restart();
      return;
    }
    await config.update("python", value, target);
  }

  /** latm.serverPackage, else the wheel bundled with the extension. */
  private spec(): string {
    const folder = path.join(this.extensionPath, "python");
    const wheel = fs.existsSync(folder) ? fs.readdirSync(folder).find((name) => name.endsWith(".whl")) : undefined;
    return installSource(vscode.workspace.getConfiguration("latm").get<string>("serverPackage"), wheel ? path.join(folder, wheel) : "latm");
  }

  private async install(python: string, spec: string, env: Record<string, string>): Promise<void> {
    const run = await this.pip(python, spec, env);
    if (run.code === 0) {
      await this.restart();
      return;
    }
    const failure = pipFailure(run);
    const root = this.root;
    if (failure.kind === "externally-managed" && root) {
      const create = `Create ${WORKSPACE_VENV} and Install`;
      const answer = await vscode.window.showErrorMessage(
        `LATM: pip cannot install latm into ${python}: ${failure.text}. Create a virtual environment in this workspace (${WORKSPACE_VENV}) and install latm there?`,
        create,
        "Show Output",
      );
      if (answer === create) {
        await this.installInVenv(python, spec, env, root);
      }
      return this.followUp(answer);
    }
    const answer = await vscode.window.showErrorMessage(`LATM: installing latm into ${python} failed: ${failure.text}.`, "Show Output", PICK);
    await this.followUp(answer);
  }

  private async installInVenv(python: string, spec: string, env: Record<string, string>, root: string): Promise<void> {
    const venv = path.join(root, WORKSPACE_VENV);
    const made = await this.step(`LATM: creating ${WORKSPACE_VENV} with ${python}`, python, ["-m", "venv", venv], env);
    if (made.code !== 0) {
      const reason = /ensurepip is not available/.test(made.stdout + made.stderr)
        ? "venv needs ensurepip (Debian and Ubuntu: apt-get install python3-venv)"
        : pipFailure(made).text;
      const answer = await vscode.window.showErrorMessage(`LATM: creating ${venv} failed: ${reason}.`, "Show Output");
      return this.followUp(answer);
    }
    // Keep the environment out of source control, as Python 3.13's venv does by itself.
    fs.writeFileSync(path.join(venv, ".gitignore"), "*\n", { flag: "a" });
    const inVenv = venvPython(venv);
    const run = await this.pip(inVenv, spec, env);
    if (run.code !== 0) {
      const answer = await vscode.window.showErrorMessage(`LATM: installing latm into ${inVenv} failed: ${pipFailure(run).text}.`, "Show Output");
      return this.followUp(answer);
    }
    await this.setPython(venvSetting());
    void vscode.window.showInformationMessage(`LATM: latm is installed in ${WORKSPACE_VENV}; latm.python now points at it.`);
  }

  private pip(python: string, spec: string, env: Record<string, string>): Promise<RunResult> {
    const pip = pipInstall(python, spec);
    return this.step(`LATM: installing latm into ${python}`, python, pip.args, env);
  }

  /** One command with a progress notification; its whole output goes to the LATM output. */
  private async step(title: string, command: string, args: string[], env: Record<string, string>): Promise<RunResult> {
    this.output.appendLine(`${title}: ${[command, ...args].join(" ")}`);
    const run = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, () =>
      runProcess(command, args, { env, cwd: this.root, timeoutMs: INSTALL_TIMEOUT_MS }),
    );
    this.output.append(run.stdout + run.stderr);
    this.output.appendLine(`(exit code ${run.code ?? "none"})`);
    return run;
  }
}
