import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { SERVER_COMMANDS } from "../../src/logic/commandArgs";
import * as results from "../../src/logic/results";

const { commitDetail, commitPlan, describeCommitted, describeMade, describeSolved, describeVerified, editorRunNotice, madeName, sandboxInfo } = results;

/** A make's record as the server sends it (MakeResult.record plus its message). */
function made(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "crt", path: "toolbox/crt", verified: true, passed: 3, total: 3, sandbox: "docker", parser: true,
    attempts: { propose: 1 }, tokens_in: 120, tokens_out: 80, cost_usd: null, notes: [], ...fields,
  };
}

/** An asked question's record (Asked.record plus the server's message and applied). */
function solved(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    question: "Sort: b a", tool: "sort_words", answer: "a b", path: "parser", tokens: 0, error: "", reply: "",
    control_characters: false, warning: "", route: null, unknown: false, ...fields,
  };
}

describe("describeMade", () => {
  it("names the tool, its score and folder from the make record", () => {
    assert.equal(describeMade(made()), "Made tool crt (verified 3/3) in toolbox/crt.");
    assert.equal(describeMade(made({ message: "Made tool crt (verified 9/9). No parser." })), "Made tool crt (verified 9/9). No parser.");
    assert.equal(results.readMade(made())?.tokens_in, 120);
  });

  it("reads only the record's shape: another result is no make", () => {
    assert.equal(describeMade(null, "asked"), "Made tool asked.");
    assert.equal(describeMade({ tool: { name: "crt", passed: 2, total: 3 } }, "asked"), "Made tool asked.");
    assert.equal(results.readMade(made({ passed: "3" })), undefined);
    assert.equal(madeName({ tool: { name: "nested" } }), "");
  });
});

describe("editorRunNotice (after a code action's command)", () => {
  it("announces a made tool, from either make command", () => {
    const said = made({ name: "sort_words", message: "Made tool sort_words (verified 3/3)." });
    assert.equal(editorRunNotice(SERVER_COMMANDS.makeTool, said), "Made tool sort_words (verified 3/3).");
    assert.equal(editorRunNotice(SERVER_COMMANDS.makeFromPending, made({ group: "g1" })), "Made tool crt (verified 3/3) in toolbox/crt.");
    assert.equal(madeName(said), "sort_words");
    assert.equal(madeName(undefined), "");
  });

  it("is silent for an inserted answer and a refusal, speaks when the answer did not go in", () => {
    assert.equal(editorRunNotice(SERVER_COMMANDS.solve, solved({ applied: true, message: "Answer from t: a b" })), "");
    assert.equal(editorRunNotice(SERVER_COMMANDS.solve, solved({ tool: "", answer: null, unknown: true, message: "No tool fits." })), "");
    const moved = solved({ applied: false, message: "Answer. nothing was inserted." });
    assert.match(editorRunNotice(SERVER_COMMANDS.solve, moved), /nothing was inserted/);
    assert.equal(editorRunNotice(SERVER_COMMANDS.verifyTool, { message: "x" }), "");
  });
});

describe("commit dry run", () => {
  it("reads files, diff summary and message", () => {
    const plan = commitPlan({ files: ["toolbox/crt/tool.py", "toolbox/crt/tool.toml"], diff_summary: "2 files, +80", message: "Add tool crt\n\nbody" });
    assert.deepEqual(plan, { files: ["toolbox/crt/tool.py", "toolbox/crt/tool.toml"], diffSummary: "2 files, +80", message: "Add tool crt\n\nbody" });
    assert.equal(commitDetail(plan), "Files:\n  toolbox/crt/tool.py\n  toolbox/crt/tool.toml\n\nChanges: 2 files, +80\n\nMessage: Add tool crt");
  });

  it("names the commit after a real commit", () => {
    assert.equal(describeCommitted({ commit: "0123456789abcdef", message: "Add tool crt" }, "crt"), "Committed tool crt as 0123456789.");
    assert.equal(describeCommitted({}, "crt"), "Committed tool crt.");
  });

  it("tolerates a result without the fields", () => {
    const plan = commitPlan("odd");
    assert.deepEqual(plan, { files: [], diffSummary: "", message: "" });
    assert.equal(commitDetail(plan), "Files:\n  (no files listed)");
  });
});

describe("sandboxInfo", () => {
  it("summarises the status and carries the warning", () => {
    const info = sandboxInfo({ backend: "process", image: "", warm_containers: 0, isolation: "rlimits", warning: "Generated code runs on the host." });
    assert.equal(info.backend, "process");
    assert.equal(info.warning, "Generated code runs on the host.");
    assert.equal(info.summary, "Sandbox: process · 0 warm container(s) · isolation: rlimits. Generated code runs on the host.");
    assert.equal(sandboxInfo({}).summary, "Sandbox: unknown");
  });

  it("names the Docker image to build when Docker answers but the image is missing", () => {
    assert.equal(sandboxInfo({ backend: "process", missing_image: "latm-sandbox:1" }).missingImage, "latm-sandbox:1");
    assert.equal(sandboxInfo({ backend: "docker", missing_image: "" }).missingImage, undefined);
  });
});

describe("describeSolved and describeVerified", () => {
  it("prefers the server's message, else shows the answer", () => {
    assert.equal(describeSolved(solved({ message: "Answer from sort_words (no model, 0 tokens): a b" })), "Answer from sort_words (no model, 0 tokens): a b");
    assert.equal(describeSolved(solved()), "Answer from sort_words: a b");
    assert.equal(describeSolved({ answer: "a b", tool: "sort_words" }), "", "not an asked question's record");
    assert.equal(describeSolved({}), "");
  });

  it("says nothing when no tool fitted (the server has shown that), unless nothing was inserted", () => {
    const refused = solved({ unknown: true, tool: "", answer: null, path: "refused", message: "No tool fits this question; kept as pending." });
    assert.equal(describeSolved(refused), "");
    assert.equal(describeSolved({ ...refused, answer: "42", path: "maker", applied: true }), "");
    const moved = { ...refused, answer: "42", applied: false, message: "Answered by the maker. The question was changed meanwhile, so nothing was inserted." };
    assert.equal(describeSolved(moved), moved.message);
  });

  it("reports pass or failure with the score", () => {
    const checked = { name: "crt", verified: true, passed: 3, total: 3, failures: [], edit: "", version: 1 };
    assert.deepEqual(describeVerified(checked, "crt"), { ok: true, text: "crt: verified 3/3." });
    assert.deepEqual(describeVerified({ ...checked, verified: false, passed: 1, failures: ["x"] }, "crt"), {
      ok: false,
      text: "crt: verification failed 1/3.",
    });
    assert.deepEqual(describeVerified({ tool: { verified: true, passed: 3, total: 3 } }, "crt"), { ok: false, text: "crt: verification failed." });
  });

  it("says the server's sentence once, as it already names the tool and the score", () => {
    const said = "word_sorting: verified 9/9.";
    const checked = { name: "word_sorting", verified: true, passed: 9, total: 9, failures: [], edit: "", version: 1 };
    assert.deepEqual(describeVerified({ ...checked, message: said }, "word_sorting"), { ok: true, text: said });
    const failed = "crt: verification FAILED 1/3.\n- assert failed";
    assert.deepEqual(describeVerified({ ...checked, name: "crt", verified: false, passed: 1, total: 3, failures: ["assert failed"], message: failed }, "crt"),
      { ok: false, text: failed });
  });
});
