/**
 * The running `latm serve` process and its language client: start (after checking that latm
 * imports), stop, restart, server commands, and the state the status bar and Toolbox view show.
 */
import * as vscode from "vscode";
import {
  CloseAction,
  CloseHandlerResult,
  DidChangeConfigurationNotification,
  ErrorHandler,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ResponseError,
  ServerOptions,
  State,
  WorkDoneProgressCancelNotification,
} from "vscode-languageclient/node";
import { documentSelector, servedLanguages } from "./logic/activation";
import { SERVER_COMMANDS, ServerCommand } from "./logic/commandArgs";
import { errorText } from "./logic/failures";
import { Setup } from "./install";
import { Interpreter, chooseInterpreter, keyEnvName, latmLaunch, processEnv } from "./logic/launch";
import { probeModule } from "./logic/probe";
import { SandboxInfo, sandboxInfo } from "./logic/results";
import { explicitValue, serverSection, trustedScope } from "./logic/settings";
import { ServerState } from "./logic/statusText";
import { Tool, applyToolboxChange, parseToolList } from "./logic/tools";
import { JobNotifications } from "./progress";
import { activeInterpreter } from "./python";

export const API_KEY_SECRET = "latm.apiKey";
const TOOLBOX_CHANGED = "latm/toolboxChanged";
/** Server commands whose run is a make: the status bar spins while one runs. */
const MAKES: readonly string[] = [SERVER_COMMANDS.makeTool, SERVER_COMMANDS.makeFromPending];

/** A server command VS Code ran for a code action, and how it ended. */
export type EditorRun = { command: string; result: unknown } | { command: string; error: unknown };

function workspaceFolder(): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.workspaceFolders?.[0];
}

/** The "latm" section the server receives: only values the user set (see logic/settings). */
function configurationSection(scope?: vscode.Uri): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration("latm", scope ?? workspaceFolder()?.uri);
  return serverSection((key) => trustedScope(key, config.inspect(key), vscode.workspace.isTrusted));
}

/** A text setting as the extension may rely on it: a repository's value only in a trusted workspace. */
export function trustedText(config: vscode.WorkspaceConfiguration, key: string): string | undefined {
  const value = explicitValue(trustedScope(key, config.inspect(key), vscode.workspace.isTrusted));
  return typeof value === "string" ? value : undefined;
}

/** The `latm.languages` setting, checked: the documents the server is sent. */
export function languagesSetting(): string[] {
  return servedLanguages(vscode.workspace.getConfiguration("latm").get<unknown>("languages"));
}

export class LatmServer implements vscode.Disposable {
  state: ServerState = "idle";
  tools: Tool[] = [];
  sandbox: SandboxInfo = { summary: "Sandbox: unknown" };
  /** Tools being made right now, by requested name ("" when the server picks the name). */
  readonly making: string[] = [];
  interpreter: Interpreter | undefined;
  /** When the server last stopped unexpectedly and the client started it again. */
  restartedAt: string | undefined;

  private client: LanguageClient | undefined;
  private generation = 0;
  private readonly jobs = new JobNotifications(
    (token) => void this.client?.sendNotification(WorkDoneProgressCancelNotification.type, { token }),
  );
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when state, tools, sandbox or making change. */
  readonly onDidChange = this.changed.event;
  private readonly ran = new vscode.EventEmitter<EditorRun>();
  /** Fires when a server command run for a code action ends; the palette's commands report their own. */
  readonly onDidRunForEditor = this.ran.event;

  /** What to do when the interpreter cannot run latm. */
  private readonly setup: Setup;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly output: vscode.OutputChannel,
    extensionPath: string,
  ) {
    this.setup = new Setup(extensionPath, output, () => this.restart());
  }

  get root(): string | undefined {
    return workspaceFolder()?.uri.fsPath;
  }

  /** Interpreter and environment the server (and the CLI) run with; the key is optional. */
  async environment(withKey: boolean): Promise<{ python: string; env: Record<string, string> }> {
    const config = vscode.workspace.getConfiguration("latm", workspaceFolder()?.uri);
    const python = trustedText(config, "python");
    const fromExtension = python ? undefined : await activeInterpreter(workspaceFolder()?.uri);
    this.interpreter = chooseInterpreter(python, fromExtension, this.root);
    const keyEnv = keyEnvName(trustedText(config, "apiKeyEnv"));
    if (keyEnv.problem) {
      void vscode.window.showWarningMessage(keyEnv.problem);
    }
    const key = withKey ? await this.secrets.get(API_KEY_SECRET) : undefined;
    return { python: this.interpreter.command, env: processEnv(process.env, key, keyEnv.name) };
  }

  async start(): Promise<void> {
    const generation = ++this.generation;
    this.setState("starting");
    const { python, env } = await this.environment(true);
    const probe = await probeModule(python, env, "latm", this.root);
    if (generation !== this.generation) {
      return; // a restart or stop overtook this start
    }
    if (probe.kind !== "ok") {
      this.setState("failed");
      void this.setup.explain(this.interpreter ?? { command: python, source: "default" }, probe, env);
      return;
    }
    const launch = latmLaunch(python, ["serve"], env, this.root);
    const serverOptions: ServerOptions = { command: launch.command, args: launch.args, options: launch.options };
    const client: LanguageClient = new LanguageClient("latm", "LATM", serverOptions, this.clientOptions(() => client));
    client.onNotification(TOOLBOX_CHANGED, (payload: unknown) => this.toolboxChanged(payload));
    // The client restarts a crashed server by itself (and gives up after repeated crashes).
    client.onDidChangeState(({ newState }) => {
      if (this.client === client) {
        this.followClient(newState);
      }
    });
    this.client = client;
    this.output.appendLine(`Starting ${[launch.command, ...launch.args].join(" ")} (interpreter from ${this.interpreter?.source})`);
    try {
      await client.start();
    } catch (error) {
      if (generation === this.generation) {
        this.setState("failed");
        void vscode.window.showErrorMessage(`LATM server did not start: ${errorText(error)}`);
      }
    }
  }

  /** Running only once the tool list is in: the status bar never shows "0 tools" on the way. */
  private followClient(state: State): void {
    if (state === State.Running) {
      void this.refresh().finally(() => this.setState("running"));
    } else {
      this.setState(state === State.Starting ? "starting" : "stopped");
    }
  }

  async stop(): Promise<void> {
    this.generation += 1;
    const client = this.client;
    this.client = undefined;
    this.making.length = 0;
    this.jobs.closeAll();
    this.setState("stopped");
    if (client) {
      try {
        await client.stop();
      } catch (error) {
        this.output.appendLine(`Stopping the server: ${errorText(error)}`);
      }
    }
  }

  async restart(): Promise<void> {
    this.restartedAt = undefined;
    await this.stop();
    await this.start();
  }

  /** Sends one server command with its single argument object (starting an idle server first); the caller reports errors. */
  async execute(command: ServerCommand, argument?: object): Promise<unknown> {
    if (this.state === "idle") {
      this.output.appendLine(`Starting the server: ${command} was asked for.`);
      await this.start();
    }
    return this.send(command, argument === undefined ? [] : [argument]);
  }

  private async send(command: string, args: unknown[]): Promise<unknown> {
    const client = this.client;
    if (!client || !client.isRunning()) {
      throw new Error("The LATM server is not running. Run \"LATM: Restart Server\" (see the LATM output for why).");
    }
    const params = { command, arguments: args };
    return this.tracked(command, args[0], () => client.sendRequest(ExecuteCommandRequest.type, params));
  }

  /**
   * A server command VS Code runs for a code action (or for a button a result offered). Sent here
   * rather than through the language client's own path, which would add a generic "Request
   * failed" popup to the server's own message; listeners of onDidRunForEditor tell the user what
   * happened.
   */
  async runForEditor(command: string, args: unknown[]): Promise<unknown> {
    try {
      const ready = await this.beforeEditorRun(command, args);
      if (ready === undefined) {
        return undefined; // the user cancelled what the command needed asking for
      }
      const result = await this.send(command, ready);
      this.ran.fire({ command, result });
      return result;
    } catch (error) {
      this.ran.fire({ command, error });
      return undefined;
    }
  }

  /** Asks what a code action's command needs before it is sent (feedback.ts); undefined: do not send. */
  beforeEditorRun: (command: string, args: unknown[]) => Promise<unknown[] | undefined> = (_command, args) => Promise.resolve(args);

  /** A line in the LATM output channel. */
  log(line: string): void {
    this.output.appendLine(line);
  }

  showOutput(): void {
    this.output.show();
  }

  /** Tool list and sandbox status, asked again (after start and on demand). */
  async refresh(): Promise<void> {
    try {
      this.setTools(parseToolList(await this.execute(SERVER_COMMANDS.listTools, {})));
      this.sandbox = sandboxInfo(await this.execute(SERVER_COMMANDS.sandboxStatus, {}));
      this.changed.fire();
    } catch (error) {
      this.output.appendLine(`Refreshing the toolbox: ${errorText(error)}`);
    }
  }

  /** Tells the running server that `latm.*` settings changed; it gets them from this.section. */
  notifyConfiguration(): void {
    void this.client?.sendNotification(DidChangeConfigurationNotification.type, {
      settings: { latm: configurationSection() },
    });
  }

  dispose(): void {
    void this.stop();
    this.jobs.dispose();
    this.changed.dispose();
    this.ran.dispose();
  }

  /**
   * The client's own restart policy (up to 4 restarts in 3 minutes), plus a note of each restart
   * in the status bar and the output, instead of the client's generic popup.
   */
  private errorHandler(client: () => LanguageClient): ErrorHandler {
    let policy: ErrorHandler | undefined;
    const defaults = (): ErrorHandler => (policy ??= client().createDefaultErrorHandler());
    return {
      error: (error, message, count) => defaults().error(error, message, count),
      closed: async (): Promise<CloseHandlerResult> => {
        const decision = await defaults().closed();
        if (decision.action !== CloseAction.Restart) {
          return decision;
        }
        this.restartedAt = new Date().toLocaleTimeString();
        return { action: CloseAction.Restart, message: "The LATM server stopped unexpectedly; starting it again.", handled: true };
      },
    };
  }

  private clientOptions(client: () => LanguageClient): LanguageClientOptions {
    return {
      errorHandler: this.errorHandler(client),
      documentSelector: documentSelector(languagesSetting()),
      outputChannel: this.output,
      initializationOptions: configurationSection(),
      middleware: {
        workspace: {
          configuration: async (params, token, next) => {
            const answers = (await next(params, token)) as unknown[] | ResponseError<void>;
            if (answers instanceof ResponseError) {
              return answers;
            }
            return params.items.map((item, index): unknown =>
              item.section === "latm"
                ? configurationSection(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined)
                : answers[index],
            );
          },
        },
        handleWorkDoneProgress: (token, params, next) => this.jobs.handle(token, params, () => next(token, params)),
        // Commands VS Code runs for the server (code actions) pass here.
        executeCommand: (command, args) => this.runForEditor(command, args as unknown[]),
      },
    };
  }

  private async tracked<T>(command: string, argument: unknown, run: () => Promise<T> | T): Promise<T> {
    if (!MAKES.includes(command)) {
      return run();
    }
    const name = typeof (argument as { name?: unknown })?.name === "string" ? (argument as { name: string }).name : "";
    this.making.push(name);
    this.changed.fire();
    try {
      return await run();
    } finally {
      this.making.splice(this.making.indexOf(name), 1);
      this.changed.fire();
    }
  }

  /** Complete lists replace ours; incremental ones (large toolboxes) merge into it. */
  private toolboxChanged(payload: unknown): void {
    const update = applyToolboxChange(this.tools, payload);
    this.setTools(update.tools);
    if (update.stale) {
      this.output.appendLine("The toolbox list went out of step with the server; asking for the whole list.");
      void this.refresh();
    }
  }

  private setTools(tools: Tool[]): void {
    this.tools = tools;
    this.changed.fire();
  }

  private setState(state: ServerState): void {
    this.state = state;
    this.changed.fire();
  }
}
