// Correcting answers and repairing tools: what the extension asks, sends and offers.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { SERVER_COMMANDS } from "../../src/logic/commandArgs";
import {
  answerOnLine,
  correctionLine,
  historyRows,
  livingNotice,
  needsAnswer,
  nextOrder,
  offersExisting,
  readChoices,
  sortTools,
  withAnswer,
} from "../../src/logic/living";
import { parseTool, toolRow, verificationText } from "../../src/logic/tools";

const range = { start: { line: 7, character: 0 }, end: { line: 7, character: 0 } };

describe("correcting an answer", () => {
  it("asks for the right answer only when the command has none", () => {
    assert.equal(needsAnswer(SERVER_COMMANDS.correctAnswer, [{ uri: "file:///n.md", range }]), true);
    assert.equal(needsAnswer(SERVER_COMMANDS.correctAnswer, [{ uri: "file:///n.md", range, answer: "a b" }]), false);
    assert.equal(needsAnswer(SERVER_COMMANDS.solve, [{ uri: "file:///n.md", range }]), false);
    assert.equal(needsAnswer(SERVER_COMMANDS.correctAnswer, []), true);
  });

  it("starts the input box with the answer on the line, as the server wrote it", () => {
    assert.equal(answerOnLine("Answer: alpha bravo echo"), "alpha bravo echo");
    assert.equal(answerOnLine("    # Answer: 42"), "42");
    assert.equal(answerOnLine("> a) (B)"), "(B)");
    assert.equal(answerOnLine("Question: what?"), undefined);
    assert.equal(answerOnLine("Answer:"), "");
  });

  it("sends the right answer with the code action's own arguments", () => {
    const args = [{ uri: "file:///n.md", range }];
    assert.equal(correctionLine(args), 7);
    assert.equal(correctionLine([{ range: { start: { line: -1 } } }]), undefined);
    assert.deepEqual(withAnswer(args, "alpha bravo echo echo"), [{ uri: "file:///n.md", range, answer: "alpha bravo echo echo" }]);
    assert.deepEqual(args, [{ uri: "file:///n.md", range }]); // not changed in place
  });
});

describe("choices the server offers", () => {
  const repair = { title: "Repair word_sorting", command: "latm.repairTool", arguments: [{ name: "word_sorting" }] };

  it("reads them tolerantly and offers only known server commands", () => {
    const choices = readChoices({ choices: [repair, { title: "Format disk", command: "rm.rf", arguments: [{}] }, { command: "latm.repairTool" }, 3] });
    assert.deepEqual(choices, [{ title: "Repair word_sorting", command: SERVER_COMMANDS.repairTool, argument: { name: "word_sorting" } }]);
    assert.deepEqual(readChoices({ choices: "no" }), []);
    assert.deepEqual(readChoices(null), []);
  });

  it("warns of a regressed tool with a Repair button, says a repair as information", () => {
    const regressed = livingNotice(SERVER_COMMANDS.correctAnswer, { name: "w", state: "regressed", regressed: true, message: "w is REGRESSED", choices: [repair] });
    assert.deepEqual(regressed && { ...regressed, choices: regressed.choices.map((c) => c.title) },
      { text: "w is REGRESSED", warning: true, choices: ["Repair word_sorting"] });
    const repaired = livingNotice(SERVER_COMMANDS.repairTool, { name: "w", repaired: true, choices: [] });
    assert.deepEqual(repaired, { text: "Repaired w.", warning: false, choices: [] });
    const failed = livingNotice(SERVER_COMMANDS.repairTool, {
      name: "w", repaired: false, message: "Could not repair 'w'.",
      choices: [{ title: "Re-make w from all 7 stored examples", command: "latm.repairTool", arguments: [{ name: "w", remake: true }] }],
    });
    assert.equal(failed?.warning, true);
    assert.deepEqual(failed?.choices[0]?.argument, { name: "w", remake: true });
  });

  it("turns a make that a tool already answers into a choice, and stays out of other results", () => {
    const offer = {
      made: false, existing: { tool: "word_sorting", answered: 6 }, message: "Tool 'word_sorting' already answers all 6 examples",
      choices: [{ title: "Add the examples to word_sorting", command: "latm.addExamples", arguments: [{ name: "word_sorting" }] },
        { title: "Make a new tool anyway", command: "latm.makeTool", arguments: [{ force: true }] }],
    };
    assert.equal(offersExisting(offer), true);
    assert.deepEqual(livingNotice(SERVER_COMMANDS.makeTool, offer)?.choices.map((c) => c.command), ["latm.addExamples", "latm.makeTool"]);
    assert.equal(livingNotice(SERVER_COMMANDS.makeTool, { name: "made", verified: true }), undefined);
    assert.equal(livingNotice(SERVER_COMMANDS.solve, { answer: "x" }), undefined);
    assert.equal(offersExisting({ made: false }), false);
  });
});

describe("the Toolbox view", () => {
  const tools = [
    parseTool({ name: "b_tool", verified: true, state: "verified", last_used: "2026-11-30T10:00:00Z" }),
    parseTool({ name: "a_tool", verified: true, state: "verified", last_used: "" }),
    parseTool({ name: "c_tool", verified: false, state: "regressed", passed: 9, total: 10, last_used: "2026-11-30T11:00:00Z" }),
  ].filter((tool) => tool !== undefined);

  it("sorts by name, or by last use with never-used tools last", () => {
    assert.deepEqual(sortTools(tools, "name").map((t) => t.name), ["a_tool", "b_tool", "c_tool"]);
    assert.deepEqual(sortTools(tools, "lastUsed").map((t) => t.name), ["c_tool", "b_tool", "a_tool"]);
    assert.equal(nextOrder(nextOrder("name")), "name");
  });

  it("shows a regressed tool as such, with the context value that offers Repair", () => {
    const regressed = tools[2];
    assert.ok(regressed);
    assert.equal(regressed.state, "regressed");
    assert.equal(verificationText(regressed), "regressed 9/10");
    const row = toolRow(regressed);
    assert.equal(row.contextValue, "latmTool.regressed");
    assert.equal(row.icon, "warning");
    assert.match(row.description, /regressed/);
    assert.equal(parseTool({ name: "old", verified: true })?.state, "verified"); // a server without states
    const edited = parseTool({ name: "e", state: "edited" });
    assert.ok(edited);
    assert.equal(toolRow(edited).contextValue, "latmTool.edited");
  });

  it("lists a tool's versions newest first, saying which can be rolled back to", () => {
    const rows = historyRows({ version: 2, history: [
      { version: 1, time: "t1", reason: "made", tool_hash: "sha256:aaaa", maker_model: "gpt-4o", kept: true },
      { version: 2, time: "t2", reason: "repaired", tool_hash: "sha256:bbbb", maker_model: "gpt-4o", kept: false },
      { reason: "no version" }] });
    assert.deepEqual(rows.map((r) => [r.label, r.version]), [["v2 (current): repaired", 2], ["v1: made", 1]]);
    assert.match(rows[1]?.detail ?? "", /can be rolled back to/);
    assert.match(rows[0]?.detail ?? "", /not kept on this machine/);
  });
});
