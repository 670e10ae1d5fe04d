/**
 * The sandbox image, when Docker answers but the image is not built (or was built by another
 * latm): tools then run in the weaker `process` sandbox. The user is warned once per session, and
 * the build stays one click away (the warning's button, or the status bar item): it runs
 * `latm sandbox build` with its progress in a notification, then restarts the server on Docker.
 */
import * as vscode from "vscode";
import { errorText } from "./logic/failures";
import { latmLaunch } from "./logic/launch";
import { runWithLines } from "./logic/run";
import { LatmServer } from "./server";

const BUILD = "Build Sandbox Image";
const PROGRESS = /^latm: /;

export class SandboxImage implements vscode.Disposable {
  private warned = false;
  private building = false;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly server: LatmServer) {
    this.subscription = server.onDidChange(() => this.warnOnce());
  }

  /** The image to build, while the server runs tools in `process` for want of it. */
  get missing(): string | undefined {
    return this.server.state === "running" ? this.server.sandbox.missingImage : undefined;
  }

  private warnOnce(): void {
    if (this.missing && !this.warned && !this.building) {
      this.warned = true;
      void this.offer();
    }
  }

  /** The warning with the build as its button. */
  async offer(): Promise<void> {
    const image = this.missing;
    if (!image) {
      return;
    }
    const meanwhile =
      this.server.sandbox.backend === "process" ? "generated code runs in the weaker process sandbox" : "no generated code can run";
    const answer = await vscode.window.showWarningMessage(
      `LATM: the sandbox image ${image} is not built, so ${meanwhile}. Build the image now (a few minutes the first time)?`,
      BUILD,
      "Show Output",
    );
    if (answer === BUILD) {
      await this.build(image);
    } else if (answer === "Show Output") {
      this.server.showOutput();
    }
  }

  private async build(image: string): Promise<void> {
    this.building = true;
    try {
      const { python, env } = await this.server.environment(false);
      const launch = latmLaunch(python, ["sandbox", "build"], env, this.server.root);
      this.server.log(`Building the sandbox image ${image}: ${[launch.command, ...launch.args].join(" ")}`);
      const run = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `LATM: building the sandbox image ${image}`, cancellable: true },
        (progress, token) => {
          const stop = new AbortController();
          token.onCancellationRequested(() => stop.abort());
          return runWithLines(launch.command, launch.args, {
            ...launch.options,
            signal: stop.signal,
            onLine: (line) => {
              this.server.log(line);
              if (PROGRESS.test(line)) {
                progress.report({ message: line.replace(PROGRESS, "") });
              }
            },
          });
        },
      );
      if (run.code === 0) {
        void vscode.window.showInformationMessage(`LATM: built the sandbox image ${image}; tools run in Docker now.`);
        await this.server.restart();
      } else if (run.error?.name !== "AbortError") {
        const said = run.stderr.trim().split(/\r?\n/).pop()?.replace(PROGRESS, "") || errorText(run.error);
        void vscode.window.showErrorMessage(`LATM: building the sandbox image failed: ${said}`, "Show Output").then((answer) =>
          answer ? this.server.showOutput() : undefined,
        );
      }
    } finally {
      this.building = false;
    }
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
