/**
 * Read-only documents for what latm reports (tool details, pending questions, stats): virtual
 * documents of the `latm-view` scheme, so VS Code neither lets them be edited nor asks to save
 * them on close. Showing the same report again refreshes its document.
 */
import * as vscode from "vscode";

export const VIEW_SCHEME = "latm-view";

export class ReportDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? "";
  }

  /** Shows `content` as the read-only document `name` (its extension picks the language). */
  async show(name: string, content: string): Promise<void> {
    const uri = vscode.Uri.from({ scheme: VIEW_SCHEME, path: `/${name}` });
    this.contents.set(uri.toString(), content);
    this.changed.fire(uri);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document, { preview: true });
  }

  async showJson(name: string, value: unknown): Promise<void> {
    await this.show(`${name}.json`, JSON.stringify(value, null, 2));
  }

  dispose(): void {
    this.changed.dispose();
    this.contents.clear();
  }
}
