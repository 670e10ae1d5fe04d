/**
 * Correcting answers and repairing tools in VS Code. "Correct this answer…" (a code action the
 * server offers on an inserted answer) asks for the right answer in an input box before its
 * command goes to the server; results that offer choices (repair the regressed tool, re-make it,
 * add the examples to a tool that already answers them) show them as buttons. Also the Toolbox
 * view's Repair Tool, Show History (roll back from there) and sort-by-last-use commands.
 */
import * as vscode from "vscode";
import { Commands } from "./commands";
import { SERVER_COMMANDS, nameArgs } from "./logic/commandArgs";
import {
  Choice,
  LIVING_IDS,
  answerOnLine,
  correctionLine,
  historyRows,
  livingNotice,
  needsAnswer,
  offersExisting,
  withAnswer,
} from "./logic/living";
import { Tool } from "./logic/tools";
import { EditorRun, LatmServer } from "./server";
import { ToolboxView } from "./toolboxView";

export class Living implements vscode.Disposable {
  private readonly subscriptions: vscode.Disposable[] = [];

  /** Created, registered, and hooked into the server's code-action runs and the palette's make. */
  static wire(server: LatmServer, view: ToolboxView, commands: Commands): Living {
    const living = new Living(server, view, (error) => commands.reportFailure(error));
    living.register();
    server.beforeEditorRun = (command, args) => living.prepare(command, args);
    commands.offerChoices = async (command, result) => {
      if (!offersExisting(result)) {
        return false;
      }
      await living.report(command, result);
      return true;
    };
    return living;
  }

  constructor(
    private readonly server: LatmServer,
    private readonly view: ToolboxView,
    private readonly onFailure: (error: unknown) => void,
  ) {}

  private register(): void {
    const commands: Record<string, (argument?: unknown) => Promise<unknown>> = {
      [LIVING_IDS.repairTool]: (argument) => this.repair(argument),
      [LIVING_IDS.toolHistory]: (argument) => this.history(argument),
      [LIVING_IDS.sortToolbox]: () => Promise.resolve(this.view.toggleOrder()),
    };
    this.subscriptions.push(
      ...Object.entries(commands).map(([id, handler]) =>
        vscode.commands.registerCommand(id, async (argument?: unknown) => {
          try {
            await handler(argument);
          } catch (error) {
            this.onFailure(error);
          }
        }),
      ),
      this.server.onDidRunForEditor((run) => void this.reportEditorRun(run)),
    );
  }

  /** Before a code action's command goes to the server: the right answer, when it needs one. */
  async prepare(command: string, args: unknown[]): Promise<unknown[] | undefined> {
    if (!needsAnswer(command, args)) {
      return args;
    }
    const editor = vscode.window.activeTextEditor;
    const line = correctionLine(args);
    const onLine = editor && line !== undefined && line < editor.document.lineCount ? editor.document.lineAt(line).text : "";
    const answer = await vscode.window.showInputBox({
      title: "LATM: Correct This Answer",
      prompt: "The right answer. It is kept in the tool as a reported example, and the tool is re-run on it.",
      value: answerOnLine(onLine) ?? "",
      validateInput: (value) => (value.trim() ? undefined : "Write the right answer."),
    });
    return answer === undefined ? undefined : withAnswer(args, answer.trim());
  }

  private async reportEditorRun(run: EditorRun): Promise<void> {
    if ("result" in run) {
      await this.report(run.command, run.result);
    }
  }

  /** The server's sentence, and its choices as buttons; a chosen one runs and is reported too. */
  async report(command: string, result: unknown): Promise<void> {
    const notice = livingNotice(command, result);
    if (!notice) {
      return;
    }
    const show = notice.warning ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    const picked = await show(notice.text, ...notice.choices.map((choice) => choice.title));
    const choice = notice.choices.find((item) => item.title === picked);
    if (choice) {
      await this.choose(choice);
    }
  }

  /** A chosen button runs like a code action's command: its result or failure is reported as one. */
  private async choose(choice: Choice): Promise<void> {
    await this.server.runForEditor(choice.command, [choice.argument]);
  }

  private async repair(argument: unknown): Promise<void> {
    const name = await this.pickTool(argument, "Repair Tool", (tool) => tool.state === "regressed");
    if (name) {
      await this.report(SERVER_COMMANDS.repairTool, await this.server.execute(SERVER_COMMANDS.repairTool, nameArgs(name)));
    }
  }

  private async history(argument: unknown): Promise<void> {
    const name = await this.pickTool(argument, "Tool History", () => true);
    if (!name) {
      return;
    }
    const rows = historyRows(await this.server.execute(SERVER_COMMANDS.toolHistory, nameArgs(name)));
    const picked = await vscode.window.showQuickPick(rows, { title: `History of ${name}: pick a version to roll back to` });
    if (picked) {
      await this.report(SERVER_COMMANDS.rollbackTool,
        await this.server.execute(SERVER_COMMANDS.rollbackTool, { name, version: picked.version }));
    }
  }

  /** The tool the Toolbox view passed, or one the user picks among those ``fits`` accepts. */
  private async pickTool(argument: unknown, title: string, fits: (tool: Tool) => boolean): Promise<string | undefined> {
    const given = argument as Tool | undefined;
    if (given && typeof given.name === "string") {
      return given.name;
    }
    const tools = this.server.tools.filter(fits);
    if (tools.length === 0) {
      throw new Error(`${title}: no tool in the toolbox fits (a repair needs a regressed tool).`);
    }
    const choice = await vscode.window.showQuickPick(tools.map((tool) => ({ label: tool.name, description: tool.summary })), { title });
    return choice?.label;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) {
      subscription.dispose();
    }
  }
}
