/**
 * The server's long jobs (making, verifying) as progress notifications with a Cancel button.
 *
 * vscode-languageclient shows every server-created work-done progress in the status bar only,
 * where it has no Cancel button. Its middleware sees each progress message first: for a long job
 * this shows a notification instead and turns its Cancel into `window/workDoneProgress/cancel`;
 * other progress (a solve) keeps the client's status-bar display.
 */
import * as vscode from "vscode";
import { ProgressToken, WorkDoneProgressBegin, WorkDoneProgressEnd, WorkDoneProgressReport } from "vscode-languageclient/node";

/** Titles of the jobs a person waits for and may want to stop (see latm/lsp/make.py). */
const LONG_JOB = /^latm: (making|verifying) /;

type Value = WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;

interface Shown {
  progress?: vscode.Progress<{ message?: string; increment?: number }>;
  reported: number;
  finish: () => void;
}

export class JobNotifications implements vscode.Disposable {
  private readonly shown = new Map<ProgressToken, Shown>();

  constructor(private readonly cancel: (token: ProgressToken) => void) {}

  /** `middleware.handleWorkDoneProgress`: `next` hands the value to the client's own display. */
  handle(token: ProgressToken, value: Value, next: () => void): void {
    if (value.kind === "begin" && LONG_JOB.test(value.title)) {
      this.begin(token, value);
      return;
    }
    const job = this.shown.get(token);
    if (!job) {
      next();
    } else if (value.kind === "report") {
      this.report(job, value);
    } else if (value.kind === "end") {
      this.shown.delete(token);
      job.finish();
      next(); // the client's own part for this token cleans up (it never showed anything)
    }
  }

  private begin(token: ProgressToken, value: WorkDoneProgressBegin): void {
    const job: Shown = { reported: 0, finish: () => undefined };
    this.shown.set(token, job);
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: value.title, cancellable: value.cancellable === true },
      (progress, cancellation) =>
        new Promise<void>((resolve) => {
          job.progress = progress;
          job.finish = resolve;
          cancellation.onCancellationRequested(() => this.cancel(token));
          this.report(job, { kind: "report", message: value.message, percentage: value.percentage });
        }),
    );
  }

  private report(job: Shown, value: WorkDoneProgressReport): void {
    const percentage = Math.max(job.reported, Math.min(100, value.percentage ?? job.reported));
    job.progress?.report({ message: value.message, increment: percentage - job.reported });
    job.reported = percentage;
  }

  /** Closes every notification (the server stopped; its jobs with it). */
  closeAll(): void {
    for (const job of this.shown.values()) {
      job.finish();
    }
    this.shown.clear();
  }

  dispose(): void {
    this.closeAll();
  }
}
