/** Entry point: wires the server, the Toolbox view, the status bar and the commands together. */
import * as vscode from "vscode";
import { startWhenNeeded } from "./activation";
import { Commands } from "./commands";
import { Living } from "./feedback";
import { registerEvaluate } from "./evaluate";
import { ReportDocuments, VIEW_SCHEME } from "./documents";
import { TOOLBOX_VIEW } from "./logic/commandIds";
import { RESTART_KEYS } from "./logic/settings";
import { registerMcp } from "./mcp";
import { onInterpreterChange } from "./python";
import { SandboxImage } from "./sandboxImage";
import { LatmServer } from "./server";
import { StatusBar } from "./statusBar";
import { ToolboxView } from "./toolboxView";

let server: LatmServer | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("LATM");
  server = new LatmServer(context.secrets, output, context.extensionPath);
  const running = server;
  const view = new ToolboxView(running);
  const documents = new ReportDocuments();
  const image = new SandboxImage(running);
  const commands = new Commands(running, context.secrets, documents, image);
  const living = Living.wire(running, view, commands);
  context.subscriptions.push(
    living,
    output,
    running,
    view,
    documents,
    image,
    vscode.workspace.registerTextDocumentContentProvider(VIEW_SCHEME, documents),
    vscode.window.registerTreeDataProvider(TOOLBOX_VIEW, view),
    new StatusBar(running),
    ...commands.register(),
    ...registerMcp(running, context.secrets),
    registerEvaluate(running),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (running.state === "idle") {
        return; // nothing to tell a server that has not started
      }
      if (RESTART_KEYS.some((key) => event.affectsConfiguration(key))) {
        void running.restart();
      } else if (event.affectsConfiguration("latm")) {
        running.notifyConfiguration();
      }
    }),
  );
  followInterpreter(running, context);
  context.subscriptions.push(await startWhenNeeded(running));
}

export async function deactivate(): Promise<void> {
  await server?.stop();
  server = undefined;
}

/**
 * Restarts the server when the Python extension's interpreter changes. Watched only once the
 * server has left idle: asking activates the Python extension, which an idle window need not pay.
 */
function followInterpreter(running: LatmServer, context: vscode.ExtensionContext): void {
  let watching = false;
  const changed = running.onDidChange(async () => {
    if (watching || running.state === "idle") {
      return;
    }
    watching = true;
    changed.dispose();
    const watch = await onInterpreterChange(() => {
      // latm.python, when set, wins over the Python extension's choice.
      if (!vscode.workspace.getConfiguration("latm").get<string>("python")) {
        void running.restart();
      }
    });
    if (watch) {
      context.subscriptions.push(watch);
    }
  });
  context.subscriptions.push(changed);
}
