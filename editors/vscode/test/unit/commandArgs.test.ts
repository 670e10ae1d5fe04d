import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { commitArgs, makeToolArgs, nameArgs, pendingMakeArgs, solveArgs, suggestToolName, validateToolName } from "../../src/logic/commandArgs";

const RANGE = { start: { line: 2, character: 0 }, end: { line: 14, character: 7 } };

describe("server command arguments", () => {
  it("makeTool sends uri and range, and the name only when given", () => {
    assert.deepEqual(makeToolArgs("file:///w/ex.md", RANGE, "sort_words"), { uri: "file:///w/ex.md", range: RANGE, name: "sort_words" });
    assert.deepEqual(makeToolArgs("file:///w/ex.md", RANGE), { uri: "file:///w/ex.md", range: RANGE });
    assert.deepEqual(JSON.parse(JSON.stringify(makeToolArgs("u", RANGE, ""))), { uri: "u", range: RANGE });
  });

  it("solve leaves tool out so the dispatcher picks", () => {
    assert.deepEqual(solveArgs("u", RANGE), { uri: "u", range: RANGE });
    assert.deepEqual(solveArgs("u", RANGE, "crt"), { uri: "u", range: RANGE, tool: "crt" });
  });

  it("solve sends insert only when the user chose one", () => {
    assert.deepEqual(solveArgs("u", RANGE, "crt", "call"), { uri: "u", range: RANGE, tool: "crt", insert: "call" });
    assert.deepEqual(solveArgs("u", RANGE, undefined, "answer"), { uri: "u", range: RANGE, insert: "answer" });
  });

  it("makeFromPending sends the group, and the name only when given", () => {
    assert.deepEqual(pendingMakeArgs("g1", "sort_words"), { group: "g1", name: "sort_words" });
    assert.deepEqual(pendingMakeArgs("g1"), { group: "g1" });
    assert.deepEqual(pendingMakeArgs("g1", ""), { group: "g1" });
  });

  it("commit sends dryRun and message only when they mean something", () => {
    assert.deepEqual(commitArgs("t", { dryRun: true }), { name: "t", dryRun: true });
    assert.deepEqual(commitArgs("t", { message: "  " }), { name: "t" });
    assert.deepEqual(commitArgs("t", { message: "Add t" }), { name: "t", message: "Add t" });
    assert.deepEqual(commitArgs("t"), { name: "t" });
    assert.deepEqual(nameArgs("t"), { name: "t" });
  });
});

describe("validateToolName", () => {
  it("accepts the toolbox's name rule", () => {
    assert.equal(validateToolName("a"), undefined);
    assert.equal(validateToolName("sort_words_2"), undefined);
    assert.equal(validateToolName("a".repeat(64)), undefined);
  });

  it("refuses paths, capitals, unicode, leading digits, overlong names and existing tools", () => {
    for (const bad of ["../etc", "a/b", "Sort", "ſort", "1tool", "_x", "", "a".repeat(65), "a b"]) {
      assert.notEqual(validateToolName(bad), undefined, bad);
    }
    assert.match(validateToolName("crt", ["crt"]) ?? "", /exists already/);
  });
});

describe("suggestToolName", () => {
  it("takes telling words of the first labelled question", () => {
    const selection = "Question: Sort the following words alphabetically: List: pear apple fig\nAnswer: apple fig pear\n";
    assert.equal(suggestToolName(selection), "sort_words_alphabetically");
    assert.equal(suggestToolName("Q: Complete the Dyck sequence: ( [ {\nA: } ] )"), "complete_dyck_sequence");
  });

  it("reads JSON lines and markdown tables", () => {
    assert.equal(suggestToolName('{"question": "Reverse the string abc", "answer": "cba"}'), "reverse_string_abc");
    assert.equal(suggestToolName("| question | answer |\n|---|---|\n| Sum 2 and 3 | 5 |"), "sum");
  });

  it("skips markdown headings and a table's header row", () => {
    const table = "# Questions\n\n| Question | Answer |\n|---|---|\n| Sort the following words alphabetically: List: pear apple fig | apple fig pear |\n";
    assert.equal(suggestToolName(table), "sort_words_alphabetically");
    const unlabelled = "# Questions\n\nSort the following words alphabetically: List: pear apple fig\nAnswer: apple fig pear\n";
    assert.equal(suggestToolName(unlabelled), "sort_words_alphabetically");
    assert.equal(suggestToolName("## Inputs\n\n| Input | Target |\n| :-- | --: |\n| Reverse abc | cba |"), "reverse_abc");
  });

  it("avoids existing names and always yields a valid name", () => {
    assert.equal(suggestToolName("Q: Sum 2 and 3\nA: 5", ["sum", "sum_2"]), "sum_3");
    assert.equal(suggestToolName("1 2 3 ???"), "new_tool");
    const long = suggestToolName(`Q: ${"extraordinarily ".repeat(10)}`);
    assert.equal(validateToolName(long), undefined, long);
  });
});
