/**
 * Palette commands. They have their own ids (latm.palette.*): the language client already
 * registers the server's own command ids, and these forward to them with the active editor's
 * document and selection, after asking what the server needs (a name, a tool, a confirmation).
 */
import * as vscode from "vscode";
import { ReportDocuments } from "./documents";
import {
  InsertMode,
  Range,
  SERVER_COMMANDS,
  commitArgs,
  makeToolArgs,
  nameArgs,
  pendingMakeArgs,
  solveArgs,
  suggestToolName,
  validateToolName,
} from "./logic/commandArgs";
import { COMMAND_IDS, TOOLBOX_VIEW } from "./logic/commandIds";
import { errorText, failureNotice, needsApiKey } from "./logic/failures";
import { keyEnvName, latmLaunch } from "./logic/launch";
import { nothingReady, pendingPick, readPending } from "./logic/pending";
import {
  commitDetail,
  commitPlan,
  describeCommitted,
  describeMade,
  describeSolved,
  describeVerified,
  editorRunNotice,
  madeName,
  serverMessage,
} from "./logic/results";
import { runProcess } from "./logic/run";
import { addToWorkspaceMcpJson } from "./mcp";
import { solvePicks } from "./logic/solvePicks";
import { Tool, verificationText } from "./logic/tools";
import { SandboxImage } from "./sandboxImage";
import { API_KEY_SECRET, EditorRun, LatmServer, trustedText } from "./server";
import { openTool } from "./toolboxView";

const STATS_TIMEOUT_MS = 60_000;

type CommandId = (typeof COMMAND_IDS)[keyof typeof COMMAND_IDS];

function lspRange(selection: vscode.Range): Range {
  return {
    start: { line: selection.start.line, character: selection.start.character },
    end: { line: selection.end.line, character: selection.end.character },
  };
}

function activeEditor(): vscode.TextEditor {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    throw new Error("Open a file and select text first.");
  }
  return editor;
}

/** A tool passed by the Toolbox view's context menu, if the argument is one. */
function toolArgument(argument: unknown): Tool | undefined {
  return argument && typeof (argument as Tool).name === "string" ? (argument as Tool) : undefined;
}

export class Commands {
  /** Shows a make's result that offers choices instead of a made tool (feedback.ts); true when it did. */
  offerChoices: (command: string, result: unknown) => Promise<boolean> = () => Promise.resolve(false);

  constructor(
    private readonly server: LatmServer,
    private readonly secrets: vscode.SecretStorage,
    private readonly documents: ReportDocuments,
    private readonly image: SandboxImage,
  ) {}

  register(): vscode.Disposable[] {
    // Keyed by every id in COMMAND_IDS, so a declared command without a handler does not compile.
    const handlers: Record<CommandId, (argument?: unknown) => Promise<unknown>> = {
      [COMMAND_IDS.makeTool]: () => this.makeTool(),
      [COMMAND_IDS.solve]: () => this.solve(),
      [COMMAND_IDS.showToolbox]: () => this.showToolbox(),
      [COMMAND_IDS.showTool]: (argument) => this.showTool(argument),
      [COMMAND_IDS.verifyTool]: (argument) => this.verifyTool(argument),
      [COMMAND_IDS.commitTool]: (argument) => this.commitTool(argument),
      [COMMAND_IDS.deleteTool]: (argument) => this.deleteTool(argument),
      [COMMAND_IDS.reloadToolbox]: () => this.reloadToolbox(),
      [COMMAND_IDS.sandboxStatus]: () => this.sandboxStatus(),
      [COMMAND_IDS.showPending]: async () =>
        this.documents.showJson("pending-questions", await this.server.execute(SERVER_COMMANDS.pending, {})),
      [COMMAND_IDS.makeFromPending]: () => this.makeFromPending(),
      [COMMAND_IDS.setApiKey]: () => this.setApiKey(),
      [COMMAND_IDS.showStats]: () => this.showStats(),
      [COMMAND_IDS.restartServer]: () => this.server.restart(),
      [COMMAND_IDS.addMcpConfig]: () => addToWorkspaceMcpJson(this.server),
      [COMMAND_IDS.openTool]: async (argument) => {
        const tool = toolArgument(argument);
        return tool && openTool(tool, this.server.root);
      },
      [COMMAND_IDS.statusBarClicked]: () => this.statusBarClicked(),
    };
    const registered = Object.entries(handlers).map(([id, handler]) =>
      vscode.commands.registerCommand(id, async (argument?: unknown) => {
        try {
          await handler(argument);
        } catch (error) {
          this.reportFailure(error);
        }
      }),
    );
    return [...registered, this.server.onDidRunForEditor((run) => void this.reportEditorRun(run))];
  }

  /** An error popup, unless the server has shown the failure itself or the user cancelled. */
  reportFailure(error: unknown): void {
    const notice = failureNotice(error, this.keyEnv());
    const setKey = "Set API Key";
    if (notice && needsApiKey(error)) {
      void vscode.window.showErrorMessage(notice, setKey).then((answer) => (answer === setKey ? this.setApiKey() : undefined));
    } else if (notice) {
      void vscode.window.showErrorMessage(notice);
    } else {
      this.server.log(`Not shown again (the server said it, or it was cancelled): ${errorText(error)}`);
    }
  }

  /** After a code action's command: its failure, a made tool, or an answer that was not inserted. */
  private async reportEditorRun(run: EditorRun): Promise<void> {
    if ("error" in run) {
      this.reportFailure(run.error);
      return;
    }
    const notice = editorRunNotice(run.command, run.result);
    if (notice && SERVER_COMMANDS.solve === run.command) {
      void vscode.window.showWarningMessage(notice);
    } else if (notice) {
      await this.announceMade(notice, madeName(run.result));
    }
  }

  /** "Made tool …" with a button that opens its tool.py. */
  private async announceMade(notice: string, name: string): Promise<void> {
    const open = "Open tool.py";
    const answer = await vscode.window.showInformationMessage(notice, ...(name ? [open] : []));
    if (answer === open) {
      await this.openByName(name);
    }
  }

  private async makeTool(): Promise<void> {
    const editor = activeEditor();
    if (editor.selection.isEmpty) {
      throw new Error("Select the solved examples (questions with their answers) first.");
    }
    const existing = this.server.tools.map((tool) => tool.name);
    const name = await vscode.window.showInputBox({
      title: "Make Tool from Selection",
      prompt: "Name of the new tool (its folder under the toolbox)",
      value: suggestToolName(editor.document.getText(editor.selection), existing),
      validateInput: (value) => validateToolName(value, existing),
    });
    if (name === undefined) {
      return;
    }
    const args = makeToolArgs(editor.document.uri.toString(), lspRange(editor.selection), name);
    const result = await this.server.execute(SERVER_COMMANDS.makeTool, args);
    if (await this.offerChoices(SERVER_COMMANDS.makeTool, result)) {
      return;
    }
    await this.announceMade(describeMade(result, name), madeName(result) || name);
  }

  /** A tool from a ready group of pending questions (the server also offers this after a refusal). */
  private async makeFromPending(): Promise<void> {
    const groups = readPending(await this.server.execute(SERVER_COMMANDS.pending, {}));
    const ready = groups.filter((group) => group.ready);
    if (ready.length === 0) {
      void vscode.window.showInformationMessage(nothingReady(groups));
      return;
    }
    const choice = await vscode.window.showQuickPick(
      ready.map((group) => ({ ...pendingPick(group), group })),
      { title: "Make Tool from Pending Questions", matchOnDetail: true },
    );
    if (!choice) {
      return;
    }
    const existing = this.server.tools.map((tool) => tool.name);
    const name = await vscode.window.showInputBox({
      title: "Make Tool from Pending Questions",
      prompt: `Name of the tool made from ${choice.group.answered} answered questions`,
      value: choice.group.suggestedName,
      validateInput: (value) => validateToolName(value, existing),
    });
    if (name === undefined) {
      return;
    }
    const result = await this.server.execute(SERVER_COMMANDS.makeFromPending, pendingMakeArgs(choice.group.id, name));
    await this.announceMade(describeMade(result, name), madeName(result) || name);
  }

  /** The toolboxChanged notification may still be on its way: ask for the list when needed. */
  private async openByName(name: string): Promise<void> {
    const find = (): Tool | undefined => this.server.tools.find((tool) => tool.name === name);
    if (!find()) {
      await this.server.refresh();
    }
    const tool = find();
    if (!tool) {
      throw new Error(`The toolbox has no tool named ${name}.`);
    }
    await openTool(tool, this.server.root);
  }

  private async solve(): Promise<void> {
    const editor = activeEditor();
    const question = editor.selection.isEmpty
      ? editor.document.lineAt(editor.selection.active.line).text
      : editor.document.getText(editor.selection);
    const insert = vscode.workspace.getConfiguration("latm", editor.document.uri).get<InsertMode>("insert") ?? "answer";
    const python = editor.document.languageId === "python";
    const choices = solvePicks(question, this.server.tools, { python, insert });
    const choice = await vscode.window.showQuickPick(choices, { title: "Solve with Tool", matchOnDescription: true });
    if (!choice) {
      return;
    }
    const args = solveArgs(editor.document.uri.toString(), lspRange(editor.selection), choice.tool, choice.insert);
    const said = describeSolved(await this.server.execute(SERVER_COMMANDS.solve, args));
    if (said) {
      void vscode.window.showInformationMessage(said);
    }
  }

  /** The fix the status bar's state calls for: a stopped server, a missing sandbox image; else the toolbox. */
  private async statusBarClicked(): Promise<void> {
    if (this.server.state !== "running") {
      return this.server.restart();
    }
    return this.image.missing ? this.image.offer() : this.showToolbox();
  }

  private async showToolbox(): Promise<void> {
    await vscode.commands.executeCommand(`${TOOLBOX_VIEW}.focus`);
    await this.server.refresh();
  }

  /** The tool the context menu passed, or one the user picks. */
  private async chooseTool(argument: unknown, title: string, onlyVerified = false): Promise<string | undefined> {
    const given = toolArgument(argument);
    if (given) {
      return given.name;
    }
    const tools = this.server.tools.filter((tool) => tool.verified || !onlyVerified);
    if (tools.length === 0) {
      throw new Error(onlyVerified ? "No verified tool in the toolbox." : "The toolbox is empty.");
    }
    const choice = await vscode.window.showQuickPick(
      tools.map((tool) => ({ label: tool.name, description: tool.summary, detail: verificationText(tool) })),
      { title },
    );
    return choice?.label;
  }

  private async showTool(argument: unknown): Promise<void> {
    const name = await this.chooseTool(argument, "Show Tool");
    if (name) {
      await this.documents.showJson(name, await this.server.execute(SERVER_COMMANDS.showTool, nameArgs(name)));
    }
  }

  private async verifyTool(argument: unknown): Promise<void> {
    const name = await this.chooseTool(argument, "Verify Tool");
    if (!name) {
      return;
    }
    const outcome = describeVerified(await this.server.execute(SERVER_COMMANDS.verifyTool, nameArgs(name)), name);
    const show = outcome.ok ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
    void show(outcome.text);
  }

  private async commitTool(argument: unknown): Promise<void> {
    const name = await this.chooseTool(argument, "Commit Tool", true);
    if (!name) {
      return;
    }
    const plan = commitPlan(await this.server.execute(SERVER_COMMANDS.commitTool, commitArgs(name, { dryRun: true })));
    const commit = "Commit";
    const edit = "Edit Message…";
    const answer = await vscode.window.showInformationMessage(
      `Commit tool ${name}?`,
      { modal: true, detail: commitDetail(plan) },
      commit,
      edit,
    );
    let message: string | undefined;
    if (answer === edit) {
      message = await vscode.window.showInputBox({ title: `Commit ${name}`, value: plan.message, prompt: "Commit message" });
      if (message === undefined) {
        return;
      }
    } else if (answer !== commit) {
      return;
    }
    const result = await this.server.execute(SERVER_COMMANDS.commitTool, commitArgs(name, { message }));
    void vscode.window.showInformationMessage(describeCommitted(result, name));
  }

  private async deleteTool(argument: unknown): Promise<void> {
    const name = await this.chooseTool(argument, "Delete Tool");
    if (!name) {
      return;
    }
    const answer = await vscode.window.showWarningMessage(
      `Delete tool ${name}?`,
      { modal: true, detail: "Its folder is removed from the toolbox. A committed tool stays in git history." },
      "Delete",
    );
    if (answer === "Delete") {
      const result = await this.server.execute(SERVER_COMMANDS.deleteTool, nameArgs(name));
      void vscode.window.showInformationMessage(serverMessage(result) || `Deleted tool ${name}.`);
    }
  }

  private async reloadToolbox(): Promise<void> {
    await this.server.execute(SERVER_COMMANDS.reloadToolbox, {});
    await this.server.refresh();
  }

  private async sandboxStatus(): Promise<void> {
    await this.server.refresh();
    const info = this.server.sandbox;
    const show = info.backend === "process" ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void show(info.summary);
  }

  private keyEnv(): string {
    return keyEnvName(trustedText(vscode.workspace.getConfiguration("latm"), "apiKeyEnv")).name;
  }

  private async setApiKey(): Promise<void> {
    const keyEnv = this.keyEnv();
    const key = await vscode.window.showInputBox({
      title: "LATM: Set API Key",
      prompt: `Kept in VS Code's secret storage and given to the server as ${keyEnv}. Leave empty to remove the stored key.`,
      password: true,
      ignoreFocusOut: true,
    });
    if (key === undefined) {
      return;
    }
    if (key.trim()) {
      await this.secrets.store(API_KEY_SECRET, key.trim());
    } else {
      await this.secrets.delete(API_KEY_SECRET);
    }
    await this.server.restart();
    void vscode.window.showInformationMessage(key.trim() ? `API key stored; the server now has it as ${keyEnv}.` : "Stored API key removed.");
  }

  private async showStats(): Promise<void> {
    const stats = "Stats (latm stats)";
    const choice = await vscode.window.showQuickPick([stats, "Ledger (.latm/ledger.jsonl)"], { title: "LATM: Show Ledger / Stats" });
    const root = this.server.root;
    if (!choice || !root) {
      if (choice) {
        throw new Error("Open a workspace folder first: the ledger lives in its .latm folder.");
      }
      return;
    }
    if (choice !== stats) {
      const ledger = vscode.Uri.joinPath(vscode.Uri.file(root), ".latm", "ledger.jsonl");
      await vscode.workspace.fs.stat(ledger).then(
        () => vscode.window.showTextDocument(ledger),
        () => vscode.window.showInformationMessage("No ledger yet: it is written when latm first calls a model."),
      );
      return;
    }
    // The CLI reads the ledger only: it gets no API key.
    const { python, env } = await this.server.environment(false);
    const launch = latmLaunch(python, ["stats"], env, root);
    const run = await runProcess(launch.command, launch.args, { ...launch.options, timeoutMs: STATS_TIMEOUT_MS });
    if (run.code !== 0) {
      throw new Error(`latm stats failed: ${run.stderr.trim().split("\n").pop() || run.error?.message}`);
    }
    await this.documents.show("latm-stats.txt", run.stdout);
  }
}
