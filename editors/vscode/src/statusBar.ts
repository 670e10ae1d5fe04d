/** The status bar item: tools, sandbox backend, a spinner while making. */
import * as vscode from "vscode";
import { COMMAND_IDS } from "./logic/commandIds";
import { statusView } from "./logic/statusText";
import { LatmServer } from "./server";

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("latm.status", vscode.StatusBarAlignment.Left, 10);
  private readonly subscription: vscode.Disposable;

  constructor(private readonly server: LatmServer) {
    this.item.name = "LATM";
    this.item.command = COMMAND_IDS.statusBarClicked;
    this.subscription = server.onDidChange(() => this.update());
    this.update();
    this.item.show();
  }

  private update(): void {
    const view = statusView({
      server: this.server.state,
      tools: this.server.tools.length,
      backend: this.server.sandbox.backend,
      sandboxWarning: this.server.sandbox.warning,
      making: this.server.making,
      restartedAt: this.server.restartedAt,
      missingImage: this.server.sandbox.missingImage,
    });
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.backgroundColor = view.warning ? new vscode.ThemeColor("statusBarItem.warningBackground") : undefined;
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
