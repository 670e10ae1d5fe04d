/** The Toolbox view in the explorer: one row per tool; a click opens its tool.py. */
import * as vscode from "vscode";
import { COMMAND_IDS } from "./logic/commandIds";
import { SortOrder, nextOrder, sortTools } from "./logic/living";
import { Tool, toolFile, toolRow } from "./logic/tools";
import { LatmServer } from "./server";

export class ToolboxView implements vscode.TreeDataProvider<Tool>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly server: LatmServer) {
    this.subscription = server.onDidChange(() => this.changed.fire());
  }

  private order: SortOrder = "name";

  getChildren(element?: Tool): Tool[] {
    return element ? [] : sortTools(this.server.tools, this.order);
  }

  /** By name, or by last use. */
  toggleOrder(): void {
    this.order = nextOrder(this.order);
    this.changed.fire();
  }

  getTreeItem(tool: Tool): vscode.TreeItem {
    const row = toolRow(tool);
    const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.None);
    item.description = row.description;
    item.tooltip = new vscode.MarkdownString(row.tooltip);
    item.iconPath = new vscode.ThemeIcon(row.icon);
    item.contextValue = row.contextValue;
    item.command = { command: COMMAND_IDS.openTool, title: "Open tool.py", arguments: [tool] };
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** Opens a tool's tool.py; the file path comes from the tool's folder. */
export async function openTool(tool: Tool, root: string | undefined): Promise<void> {
  const file = toolFile(tool, root);
  if (!file) {
    void vscode.window.showWarningMessage(`The server did not say where ${tool.name} lives.`);
    return;
  }
  await vscode.window.showTextDocument(vscode.Uri.file(file));
}
