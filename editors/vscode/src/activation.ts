/**
 * Starts the server when this window calls for latm (logic/activation decides), else leaves it
 * idle until a document of a served language opens or a LATM command runs.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import { PROJECT_FILES, ProjectMarkers, startReason } from "./logic/activation";
import { LatmServer, languagesSetting, trustedText } from "./server";

function served(document: vscode.TextDocument, languages: readonly string[]): boolean {
  return (document.uri.scheme === "file" || document.uri.scheme === "untitled") && languages.includes(document.languageId);
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

async function readText(uri: vscode.Uri): Promise<string | undefined> {
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined;
  }
}

/** latm.toml, tools in the (configured) toolbox, pyproject.toml's text: what makes `folder` a latm project. */
async function projectMarkers(folder: vscode.WorkspaceFolder): Promise<ProjectMarkers> {
  const toolbox = trustedText(vscode.workspace.getConfiguration("latm", folder.uri), "toolbox") || "toolbox";
  const base = path.isAbsolute(toolbox) ? vscode.Uri.file(toolbox) : vscode.Uri.joinPath(folder.uri, toolbox);
  const tools = await vscode.workspace.findFiles(new vscode.RelativePattern(base, "*/tool.toml"), undefined, 1);
  return {
    config: await exists(vscode.Uri.joinPath(folder.uri, PROJECT_FILES.config)),
    tools: tools.length > 0,
    pyproject: await readText(vscode.Uri.joinPath(folder.uri, PROJECT_FILES.pyproject)),
  };
}

/** Starts `server` now if this window calls for it, else on the first served document; the watch to dispose. */
export async function startWhenNeeded(server: LatmServer): Promise<vscode.Disposable> {
  const languages = languagesSetting();
  const folder = vscode.workspace.workspaceFolders?.[0];
  const open = vscode.workspace.textDocuments.filter((doc) => served(doc, languages)).map((doc) => doc.languageId);
  const reason = startReason(folder ? await projectMarkers(folder) : undefined, open, languages);
  if (reason !== undefined) {
    server.log(`Starting the server: ${reason}.`);
    void server.start();
    return new vscode.Disposable(() => undefined);
  }
  server.log(`Idle: no ${PROJECT_FILES.config}, toolbox or [tool.latm] here and no ${languages.join("/")} document open.`
    + " The server starts when one opens or a LATM command runs.");
  const watch = vscode.workspace.onDidOpenTextDocument((doc) => {
    if (server.state === "idle" && served(doc, languagesSetting())) {
      watch.dispose();
      server.log(`Starting the server: a ${doc.languageId} document was opened.`);
      void server.start();
    }
  });
  return watch;
}
