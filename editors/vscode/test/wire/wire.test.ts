/**
 * The extension's contract with `latm serve`, over stdio, with the requests the extension sends:
 * initialize (settings as initializationOptions and workspace/configuration), listTools and
 * sandboxStatus, a code action on selected examples -> make (progress, toolboxChanged), solve
 * with a chosen tool (workspace/applyEdit), a question no tool fits (shown by the server, pending,
 * not yet makeable), a commit dry run, the palette's named make, verify and delete, correcting a
 * wrong answer (the tool regresses), repairing it from the offered choice and committing it with
 * its history, bad arguments.
 *
 * The model is tests/scripted_llm.py with word_sorting_model.py; the sandbox is whatever the
 * server's `auto` picks, and must be Docker when LATM_REQUIRE_DOCKER=1 (CI). Needs latm installed
 * for $LATM_PYTHON (default python3).
 */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import { CodeAction, Command, ResponseError } from "vscode-languageserver-protocol/node";
import { SERVER_COMMANDS, commitArgs, makeToolArgs, nameArgs, pendingMakeArgs, solveArgs } from "../../src/logic/commandArgs";
import { REQUEST_FAILED, failureNotice } from "../../src/logic/failures";
import { latmLaunch, processEnv } from "../../src/logic/launch";
import { readPending } from "../../src/logic/pending";
import { answerOnLine, livingNotice, needsAnswer, offersExisting, readChoices, withAnswer } from "../../src/logic/living";
import { commitPlan, describeMade, describeSolved, describeVerified, sandboxInfo } from "../../src/logic/results";
import { runProcess } from "../../src/logic/run";
import { serverSection } from "../../src/logic/settings";
import { Tool, applyToolboxChange, parseToolList, toolFile } from "../../src/logic/tools";
import { EXTENSION_ROOT, PYTHON, ScriptedModel, WireClient, startScriptedModel, waitFor } from "./harness";

const API_KEY = "sk-wire-test-key";
const MAKE_TIMEOUT_MS = 240_000;

const EXAMPLES = [
  ["Sort the following words alphabetically: List: pear apple fig", "apple fig pear"],
  ["Sort the following words alphabetically: List: syndrome therefrom", "syndrome therefrom"],
  ["Sort the following words alphabetically: List: vegetate artillery harm doris monkey", "artillery doris harm monkey vegetate"],
  ["Sort the following words alphabetically: List: thrill splutter panicking scorch", "panicking scorch splutter thrill"],
  ["Sort the following words alphabetically: List: zebra quartz mango kiwi", "kiwi mango quartz zebra"],
  ["Sort the following words alphabetically: List: oak elm ash birch", "ash birch elm oak"],
];
const QUESTION = "Sort the following words alphabetically: List: walnut cherry banana";
const STRANGER = "Which river flows through the capital of Hungary?";

const DOCUMENT = [
  "# Word sorting",
  "",
  ...EXAMPLES.flatMap(([q, a]) => [`Question: ${q}`, `Answer: ${a}`, ""]),
  "## New questions",
  "",
  QUESTION,
  "",
  STRANGER,
  "",
].join("\n");
const EXAMPLES_RANGE = { start: { line: 2, character: 0 }, end: { line: 2 + EXAMPLES.length * 3 - 1, character: 0 } };
const QUESTION_LINE = 2 + EXAMPLES.length * 3 + 2;
const QUESTION_RANGE = { start: { line: QUESTION_LINE, character: 0 }, end: { line: QUESTION_LINE, character: QUESTION.length } };

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8" }).trim();
}

/** The code actions VS Code asks for when the user opens the light bulb on a selection. */
function codeActions(client: WireClient, uri: string, range: typeof EXAMPLES_RANGE): Promise<(CodeAction | Command)[]> {
  return client.request<(CodeAction | Command)[]>("textDocument/codeAction", {
    textDocument: { uri },
    range,
    context: { diagnostics: [], triggerKind: 1 },
  });
}

/** What VS Code does with a chosen code action: resolve it if needed, apply its edit, run its command. */
async function runCodeAction(client: WireClient, chosen: CodeAction | Command): Promise<unknown> {
  if (typeof chosen.command === "string") {
    return client.executeCommand(chosen.command, (chosen as Command).arguments?.[0]);
  }
  let action = chosen as CodeAction;
  if (!action.edit && !action.command && action.data !== undefined) {
    action = await client.request<CodeAction>("codeAction/resolve", action);
  }
  assert.equal(action.edit, undefined, "a make action runs a command, it does not edit");
  assert.ok(action.command, `code action "${action.title}" has no command`);
  return client.executeCommand(action.command.command, action.command.arguments?.[0]);
}

describe("latm serve over stdio, as the VS Code extension drives it", () => {
  let workspace = "";
  let model: ScriptedModel;
  let client: WireClient;
  let uri = "";
  let made: Tool | undefined;
  /** Steps after the make need its tool; say so instead of failing in odd ways. */
  const madeTool = (): Tool => {
    assert.ok(made, "no tool to work with: the make step above failed");
    return made;
  };

  // What the user set in VS Code; the rest comes from the server's defaults.
  const userSettings: Record<string, unknown> = {};

  before(async () => {
    workspace = mkdtempSync(path.join(tmpdir(), "latm-wire-"));
    git(workspace, "init", "-q");
    git(workspace, "config", "user.email", "wire@test.invalid");
    git(workspace, "config", "user.name", "wire test");
    writeFileSync(path.join(workspace, "notes.md"), DOCUMENT);
    git(workspace, "add", "notes.md");
    git(workspace, "commit", "-q", "-m", "examples");
    writeFileSync(path.join(workspace, "unrelated.txt"), "work in progress\n");
    git(workspace, "add", "unrelated.txt");

    model = await startScriptedModel(path.join(EXTENSION_ROOT, "test/wire/word_sorting_model.py"), path.join(workspace, "requests.jsonl"));
    Object.assign(userSettings, { makerModel: "wire-maker", userModel: "wire-user", dispatcherModel: "", baseUrl: model.url });
    const section = serverSection((key) => (key in userSettings ? { workspaceValue: userSettings[key] } : {}));
    client = new WireClient(workspace, section, API_KEY);
    uri = pathToFileURL(path.join(workspace, "notes.md")).href;
  });

  after(async () => {
    const closing = Date.now();
    const code = client ? await client.close() : null;
    console.error(`wire: shutdown and exit took ${Date.now() - closing} ms`);
    model?.process.kill();
    if (workspace) {
      rmSync(workspace, { recursive: true, force: true });
    }
    assert.equal(code, 0, `server exit code; its stderr ended with:\n${client?.stderr.join("").slice(-3000)}`);
  });

  it("initializes with the commands the extension forwards to", async () => {
    const result = await client.initialize(workspace);
    const commands = result.capabilities.executeCommandProvider?.commands;
    for (const command of Object.values(SERVER_COMMANDS)) {
      assert.ok(commands?.includes(command), `server does not announce ${command}`);
    }
    client.open(uri, "markdown", DOCUMENT);
  });

  it("lists an empty toolbox and says which sandbox runs", async () => {
    const tools = parseToolList(await client.executeCommand(SERVER_COMMANDS.listTools, {}));
    assert.deepEqual(tools, []);
    const sandbox = sandboxInfo(await client.executeCommand(SERVER_COMMANDS.sandboxStatus, {}));
    assert.ok(sandbox.backend === "docker" || sandbox.backend === "process", `backend: ${sandbox.summary}`);
    if (process.env.LATM_REQUIRE_DOCKER === "1") {
      assert.equal(sandbox.backend, "docker", "CI demands the Docker sandbox (LATM_REQUIRE_DOCKER=1)");
    }
    console.error(`wire: ${sandbox.summary}`);
  });

  it("asks for the latm section through workspace/configuration", async () => {
    await waitFor("a workspace/configuration request for section latm", () =>
      client.configurationRequests.find((request) => request.items.some((item) => item.section === "latm")), 10_000);
  });

  it("shows the make action disabled, with the reason, when too few examples are selected", async () => {
    const two = { start: EXAMPLES_RANGE.start, end: { line: 2 + 2 * 3 - 1, character: 0 } };
    const actions = await codeActions(client, uri, two);
    const make = actions.find((action) => /make tool/i.test(action.title));
    assert.ok(make, `no make action among ${JSON.stringify(actions.map((a) => a.title))}`);
    assert.match((make as CodeAction).disabled?.reason ?? "", /6 examples needed\b.*\b2 found/);
  });

  it("makes a tool from the selected examples through the code action, with cancellable progress", { timeout: MAKE_TIMEOUT_MS }, async () => {
    const actions = await codeActions(client, uri, EXAMPLES_RANGE);
    const make = actions.find((action) => /make tool from 6 examples/i.test(action.title));
    assert.ok(make, `no "Make tool from 6 examples" among ${JSON.stringify(actions.map((a) => a.title))}`);
    assert.equal((make as CodeAction).disabled, undefined);
    const before = client.received("latm/toolboxChanged").length;
    await runCodeAction(client, make);

    const begun = client.progress.filter((p) => p.value.kind === "begin");
    assert.ok(begun.length > 0, "no work-done progress began during the make");
    assert.ok(begun.some((p) => p.value.cancellable === true), "the make's progress is not cancellable");
    assert.ok(client.progress.some((p) => p.value.kind === "end"), "the make's progress never ended");
    assert.ok(begun.every((p) => client.createdTokens.includes(p.token)), "progress on a token the client never created");

    const changed = await waitFor("latm/toolboxChanged after the make", () => client.received("latm/toolboxChanged")[before], 30_000);
    // A small toolbox: the whole list, marked complete, naming what changed.
    assert.equal((changed as { complete?: unknown }).complete, true, JSON.stringify(changed));
    assert.deepEqual(applyToolboxChange([], changed), { tools: parseToolList(changed), stale: false });
    const tools = parseToolList(changed);
    assert.equal(tools.length, 1, JSON.stringify(changed));
    assert.deepEqual((changed as { changed?: unknown }).changed, [tools[0]?.name]);
    made = tools[0];
    assert.ok(made?.verified, `made tool is not verified: ${JSON.stringify(made)}`);
    assert.equal(made.origin, "made");
    // Every validation example (3) is checked, and nothing failed.
    assert.ok((made.total ?? 0) >= 3, `checks run: ${made.total}`);
    assert.equal(made.passed, made.total);
    assert.match(readFileSync(toolFile(made, workspace) ?? "", "utf8"), /def sort_words/);
  });

  it("sent the stored key and the configured models to the model endpoint", () => {
    madeTool();
    const lines = readFileSync(path.join(workspace, "requests.jsonl"), "utf8").trim().split("\n");
    const requests = lines.map((line) => JSON.parse(line) as { body: { model?: string; messages?: { content?: string }[] } });
    const models = new Set(requests.map((request) => request.body.model));
    assert.ok(models.has("wire-maker"), `models asked: ${[...models].join(", ")}`);
    // The first proposal forgot an import: the sandbox's NameError went back to the maker.
    const fed = requests.some((request) => /NameError/.test(request.body.messages?.at(-1)?.content ?? ""));
    assert.ok(fed, "the sandbox's error never reached the maker");
    // The script accepts only API_KEY: a make that got this far was authorised with it.
    assert.ok(!client.stderr.join("").includes(API_KEY), "the API key appeared in the server's log");
  });

  it("lists the new tool like the notification did", async () => {
    const tool = madeTool();
    const tools = parseToolList(await client.executeCommand(SERVER_COMMANDS.listTools, {}));
    assert.deepEqual(tools.map((listed) => listed.name), [tool.name]);
    const shown = await client.executeCommand(SERVER_COMMANDS.showTool, nameArgs(tool.name));
    assert.match(JSON.stringify(shown), /sort_words/);
  });

  it("offers the tool on a question and inserts the answer after it", { timeout: MAKE_TIMEOUT_MS }, async () => {
    const tool = madeTool();
    const actions = await codeActions(client, uri, QUESTION_RANGE);
    assert.ok(
      actions.some((action) => action.title === `Solve with tool: ${tool.name}`),
      `no solve action among ${JSON.stringify(actions.map((a) => a.title))}`,
    );
    await client.executeCommand(SERVER_COMMANDS.solve, solveArgs(uri, QUESTION_RANGE, tool.name));
    const text = client.documents.get(uri)?.text ?? "";
    const lines = text.split("\n");
    assert.equal(lines[QUESTION_LINE], QUESTION);
    assert.match(lines[QUESTION_LINE + 1] ?? "", /^Answer: banana cherry walnut$/);
  });

  it("no tool fits: the server says so itself, so the extension stays quiet; the question waits as pending", async () => {
    madeTool();
    const line = (client.documents.get(uri)?.text ?? "").split("\n").indexOf(STRANGER);
    assert.ok(line > 0, "the unrelated question is not in the document");
    const range = { start: { line, character: 0 }, end: { line, character: STRANGER.length } };
    const said = client.received("window/showMessage").length;
    const result = await client.executeCommand(SERVER_COMMANDS.solve, solveArgs(uri, range));
    assert.equal((result as { unknown?: unknown }).unknown, true, JSON.stringify(result));
    const shown = client.received("window/showMessage").slice(said) as { message: string }[];
    assert.ok(shown.some((message) => message.message === (result as { message?: unknown }).message), JSON.stringify(shown));
    assert.equal(describeSolved(result), "", "the extension would repeat the server's message");

    const group = readPending(await client.executeCommand(SERVER_COMMANDS.pending, {})).find((g) => g.questions.includes(STRANGER));
    assert.ok(group, "the refused question is not pending");
    assert.equal(group.ready, false);
    // Too few answers: the server refuses with a sentence it did not show, so the extension shows it.
    const refused = await client.executeCommand(SERVER_COMMANDS.makeFromPending, pendingMakeArgs(group.id)).then(
      () => assert.fail("a group without answers became a tool"),
      (error: unknown) => error,
    );
    assert.ok(refused instanceof ResponseError && refused.code === REQUEST_FAILED, String(refused));
    assert.deepEqual(refused.data, { type: "NotEnoughExamples", shown: false });
    assert.match(failureNotice(refused) ?? "", /^LATM: .*answered questions/);
  });

  it("plans a commit of the tool's folder only, and commits nothing in a dry run", async () => {
    const tool = madeTool();
    const head = git(workspace, "rev-parse", "HEAD");
    const plan = commitPlan(await client.executeCommand(SERVER_COMMANDS.commitTool, commitArgs(tool.name, { dryRun: true })));
    const folder = `toolbox/${tool.name}/`;
    // The tool's folder, and at most toolbox-wide files its tests need (a pytest.ini).
    assert.ok(plan.files.every((file) => file.startsWith("toolbox/")), JSON.stringify(plan.files));
    for (const file of ["tool.py", "tool.toml", "test_tool.py"]) {
      assert.ok(plan.files.includes(folder + file), `${file} missing from ${JSON.stringify(plan.files)}`);
    }
    assert.ok(plan.diffSummary, "no diff summary");
    assert.ok(plan.message.includes(tool.name), plan.message);
    assert.equal(git(workspace, "rev-parse", "HEAD"), head);
    assert.match(git(workspace, "status", "--porcelain"), /^A {2}unrelated\.txt$/m);
  });

  it("Show Stats: `latm stats` in the workspace counts the make's model calls", async () => {
    const tool = madeTool();
    const launch = latmLaunch(PYTHON, ["stats"], processEnv(process.env, undefined, "OPENAI_API_KEY"), workspace);
    const run = await runProcess(launch.command, launch.args, { ...launch.options, timeoutMs: 60_000 });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^${tool.name}\\b`, "m"));
    assert.match(run.stdout, /making tools:\s+[1-9]\d* calls/);
  });

  it("palette: makes a tool under the name asked for, verifies it, deletes it", { timeout: MAKE_TIMEOUT_MS }, async () => {
    const first = madeTool();
    const name = "alphabetical_sort";
    // The first tool answers these examples already: the server offers a choice instead of a make.
    const offer = await client.executeCommand(SERVER_COMMANDS.makeTool, makeToolArgs(uri, EXAMPLES_RANGE, name));
    assert.equal(offersExisting(offer), true);
    const anyway = readChoices(offer).find((choice) => choice.command === SERVER_COMMANDS.makeTool);
    assert.ok(anyway, JSON.stringify(offer));
    const result = await client.executeCommand(anyway.command, anyway.argument);
    assert.match(describeMade(result, name), /alphabetical_sort/);
    const listed = parseToolList(await client.executeCommand(SERVER_COMMANDS.listTools, {}));
    assert.deepEqual(listed.map((tool) => tool.name), [name, first.name]);

    const verified = describeVerified(await client.executeCommand(SERVER_COMMANDS.verifyTool, nameArgs(name)), name);
    assert.ok(verified.ok, verified.text);

    const notices = client.received("latm/toolboxChanged").length;
    await client.executeCommand(SERVER_COMMANDS.deleteTool, nameArgs(name));
    // The first notification without the tool (a watcher's late one about the verify may come first).
    const after = await waitFor("latm/toolboxChanged after the delete", () =>
      client.received("latm/toolboxChanged").slice(notices).find((change) => !parseToolList(change).some((tool) => tool.name === name)), 30_000);
    assert.deepEqual(parseToolList(after).map((tool) => tool.name), [first.name]);
  });

  it("Correct this answer: the tool regresses; its Repair choice repairs it; it commits with its history", { timeout: MAKE_TIMEOUT_MS }, async () => {
    const tool = madeTool();
    const question = "Sort the following words alphabetically: List: Banana apple cherry";
    const mixed = pathToFileURL(path.join(workspace, "mixed.md")).href;
    writeFileSync(path.join(workspace, "mixed.md"), `${question}\n`);
    client.open(mixed, "markdown", `${question}\n`);
    const onQuestion = { start: { line: 0, character: 0 }, end: { line: 0, character: question.length } };
    await client.executeCommand(SERVER_COMMANDS.solve, solveArgs(mixed, onQuestion, tool.name));
    const answered = (client.documents.get(mixed)?.text ?? "").split("\n")[1] ?? "";
    assert.equal(answered, "Answer: Banana apple cherry"); // capital letters first: wrong, says the person

    // The light bulb on the answer; the extension's input box adds the right answer to the command.
    const onAnswer = { start: { line: 1, character: 3 }, end: { line: 1, character: 3 } };
    const actions = await codeActions(client, mixed, onAnswer);
    const correct = actions.find((action) => action.title === "Correct this answer…") as CodeAction | undefined;
    assert.ok(correct?.command, `no "Correct this answer…" among ${JSON.stringify(actions.map((a) => a.title))}`);
    const args = correct.command.arguments ?? [];
    assert.equal(needsAnswer(correct.command.command, args), true);
    assert.equal(answerOnLine(answered), "Banana apple cherry"); // what the input box starts with
    const corrected = await client.executeCommand(correct.command.command, withAnswer(args, "apple Banana cherry")[0]);
    const regressed = livingNotice(correct.command.command, corrected);
    assert.ok(regressed?.warning && /REGRESSED/.test(regressed.text), JSON.stringify(corrected));
    assert.equal((client.documents.get(mixed)?.text ?? "").split("\n")[1], "Answer: apple Banana cherry");
    const listed = parseToolList(await client.executeCommand(SERVER_COMMANDS.listTools, {}));
    assert.equal(listed.find((listedTool) => listedTool.name === tool.name)?.state, "regressed");

    const [repair] = regressed.choices;
    assert.deepEqual(repair, { title: `Repair ${tool.name}`, command: SERVER_COMMANDS.repairTool, argument: { name: tool.name } });
    const repaired = await client.executeCommand(repair.command, repair.argument);
    const said = livingNotice(repair.command, repaired);
    assert.ok(said && !said.warning && said.choices.length === 0, JSON.stringify(repaired));
    assert.match(said.text, /^repaired .*: version 2, verified/);
    const after = parseToolList(await client.executeCommand(SERVER_COMMANDS.listTools, {}));
    assert.equal(after.find((listedTool) => listedTool.name === tool.name)?.state, "verified");

    await client.executeCommand(SERVER_COMMANDS.commitTool, commitArgs(tool.name));
    const committed = git(workspace, "show", `HEAD:toolbox/${tool.name}/tool.toml`);
    assert.match(committed, /reason = "repaired"/);
    assert.match(committed, /split = "reported"/);
    assert.match(git(workspace, "show", `HEAD:toolbox/${tool.name}/tool.py`), /key=str\.lower/);
  });

  it("refuses a wrongly typed argument with InvalidParams and keeps serving", async () => {
    const listed = await client.executeCommand(SERVER_COMMANDS.listTools, {});
    const invalidParams = (error: unknown): boolean => error instanceof ResponseError && error.code === -32602;
    await assert.rejects(client.executeCommand(SERVER_COMMANDS.showTool, { name: 5 }), invalidParams);
    // A misspelt key must not be ignored: "dryrun" would otherwise turn into a real make.
    await assert.rejects(client.executeCommand(SERVER_COMMANDS.makeTool, { ...makeToolArgs(uri, EXAMPLES_RANGE), dryrun: true }), invalidParams);
    assert.deepEqual(await client.executeCommand(SERVER_COMMANDS.listTools, {}), listed);
  });
});
