import { strict as assert } from "node:assert";
import * as path from "node:path";
import { describe, it } from "node:test";
import { dataPicks, evaluateArgs, readEvaluated, toolPicks } from "../../src/logic/evaluation";
import { parseToolList } from "../../src/logic/tools";

describe("toolPicks", () => {
  it("offers verified tools only, by name, with their summary and verification", () => {
    const tools = parseToolList([
      { name: "word_sorting", summary: "Sort words", verified: true, passed: 9, total: 9 },
      { name: "draft", summary: "Not yet", verified: false },
      { name: "crt", summary: "Chinese remainders", verified: true, passed: 3, total: 3 },
    ]);
    const picks = toolPicks(tools);
    assert.deepEqual(picks.map((pick) => pick.label), ["crt", "word_sorting"]);
    assert.equal(picks[1]?.description, "Sort words");
    assert.match(picks[1]?.detail ?? "", /9\/9/);
  });
});

describe("dataPicks", () => {
  it("names files by their folder in the workspace, nearest the root first", () => {
    const root = path.join(path.sep, "work", "project");
    const picks = dataPicks([path.join(root, "data", "bbh", "word_sorting.json"), path.join(root, "examples.md"),
      path.join(root, "data", "more.jsonl")], root);
    assert.deepEqual(picks.map((pick) => [pick.label, pick.description]), [
      ["examples.md", ""], ["more.jsonl", "data"], ["word_sorting.json", path.join("data", "bbh")]]);
    assert.equal(picks[0]?.file, path.join(root, "examples.md"));
  });
});

describe("evaluateArgs", () => {
  it("sends the tool and the file, and methods only when some are chosen", () => {
    assert.deepEqual(evaluateArgs("crt", "/d/crt.json"), { tool: "crt", data: "/d/crt.json" });
    assert.deepEqual(evaluateArgs("crt", "/d/crt.json", []), { tool: "crt", data: "/d/crt.json" });
    assert.deepEqual(evaluateArgs("crt", "/d/crt.json", ["tool-parser", "maker-cot"]), {
      tool: "crt", data: "/d/crt.json", methods: "tool-parser,maker-cot" });
  });
});

describe("readEvaluated", () => {
  it("reads the report and the server's sentence", () => {
    const done = readEvaluated({ status: "complete", report: "/p/.latm/eval/x/report.md", message: "Evaluated crt: tool-parser 3/3." }, "crt");
    assert.deepEqual(done, { status: "complete", report: "/p/.latm/eval/x/report.md", message: "Evaluated crt: tool-parser 3/3." });
  });

  it("says something sensible when fields are missing", () => {
    assert.deepEqual(readEvaluated(null, "crt"), { status: "unknown", report: "", message: "Evaluated crt (unknown)." });
    assert.deepEqual(readEvaluated({ status: "cancelled", report: 7 }, "crt"), {
      status: "cancelled", report: "", message: "Evaluated crt (cancelled)." });
  });
});
