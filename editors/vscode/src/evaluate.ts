/**
 * "LATM: Evaluate Tool…": pick a verified tool and a data file, run latm.evaluate on the server
 * (its progress notification has Cancel), then open report.md in the Markdown preview.
 */
import * as vscode from "vscode";
import { SERVER_COMMANDS } from "./logic/commandArgs";
import { DATA_EXCLUDE, DATA_GLOB, EVALUATE_COMMAND, dataPicks, evaluateArgs, readEvaluated, toolPicks } from "./logic/evaluation";
import { failureNotice } from "./logic/failures";
import { LatmServer } from "./server";

const MAX_FILES = 500;
const BROWSE = "Browse…";

export function registerEvaluate(server: LatmServer): vscode.Disposable {
  return vscode.commands.registerCommand(EVALUATE_COMMAND, async () => {
    try {
      await evaluateTool(server);
    } catch (error) {
      const notice = failureNotice(error);
      if (notice) {
        void vscode.window.showErrorMessage(notice);
      }
    }
  });
}

async function evaluateTool(server: LatmServer): Promise<void> {
  const tools = toolPicks(server.tools);
  if (tools.length === 0) {
    throw new Error("No verified tool in the toolbox to evaluate.");
  }
  const tool = await vscode.window.showQuickPick(tools, { title: "LATM: Evaluate Tool (1/2): the tool", matchOnDescription: true });
  if (!tool) {
    return;
  }
  const data = await pickData(server.root);
  if (!data) {
    return;
  }
  const result = readEvaluated(await server.execute(SERVER_COMMANDS.evaluate, evaluateArgs(tool.label, data)), tool.label);
  if (result.report) {
    await vscode.commands.executeCommand("markdown.showPreview", vscode.Uri.file(result.report));
  }
  const show = result.status === "complete" ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
  void show(result.message);
}

/** A data file of the workspace, or one from anywhere through the file dialog. */
async function pickData(root: string | undefined): Promise<string | undefined> {
  const files = root ? await vscode.workspace.findFiles(DATA_GLOB, DATA_EXCLUDE, MAX_FILES) : [];
  const picks = [...dataPicks(files.map((uri) => uri.fsPath), root ?? ""), { label: BROWSE, description: "", file: "" }];
  const choice = await vscode.window.showQuickPick(picks, {
    title: "LATM: Evaluate Tool (2/2): solved examples to test it on",
    matchOnDescription: true,
  });
  if (!choice || choice.file) {
    return choice?.file;
  }
  const chosen = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: "Evaluate on this file" });
  return chosen?.[0]?.fsPath;
}
