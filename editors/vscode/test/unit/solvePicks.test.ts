import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { solvePicks } from "../../src/logic/solvePicks";
import { parseToolList } from "../../src/logic/tools";

const TOOLS = parseToolList([
  { name: "sort_words", summary: "Sort words alphabetically", verified: true, origin: "made", uses: 3 },
  { name: "count_vowels", summary: "Count vowels", verified: true, origin: "made", uses: 9 },
  { name: "draft", summary: "Sort words somehow", verified: false },
]);
const QUESTION = "Sort the following words alphabetically: pear apple";

describe("solvePicks", () => {
  it("offers 'let latm choose' first, then verified tools, best first, with no insert mode", () => {
    const picks = solvePicks(QUESTION, TOOLS, { python: false, insert: "answer" });
    assert.deepEqual(picks.map((p) => p.tool), [undefined, "sort_words", "count_vowels"]);
    assert.ok(picks.every((p) => p.insert === undefined));
    assert.equal(picks[1]?.detail, "verified · made · 3 uses");
    const once = solvePicks(QUESTION, parseToolList([{ name: "sort_words", verified: true, origin: "made", uses: 1 }]), {
      python: false,
      insert: "answer",
    });
    assert.equal(once[1]?.detail, "verified · made · 1 use");
  });

  it("in Python, offers the best tool once more with the other insert mode", () => {
    const call = solvePicks(QUESTION, TOOLS, { python: true, insert: "answer" });
    assert.deepEqual(call.map((p) => [p.tool, p.insert]), [[undefined, undefined], ["sort_words", undefined], ["sort_words", "call"], ["count_vowels", undefined]]);
    assert.match(call[2]?.label ?? "", /Insert the call of sort_words/);
    const answer = solvePicks(QUESTION, TOOLS, { python: true, insert: "call" });
    assert.equal(answer[2]?.insert, "answer");
  });

  it("offers only 'let latm choose' with no verified tool", () => {
    assert.deepEqual(solvePicks(QUESTION, [], { python: true, insert: "answer" }).map((p) => p.tool), [undefined]);
  });
});
