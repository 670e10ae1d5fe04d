import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { runWithLines } from "../../src/logic/run";

describe("runWithLines", () => {
  it("hands over each stderr line as it comes, and collects both streams", async () => {
    const lines: string[] = [];
    const script = "process.stderr.write('latm: one\\nlatm: tw'); setTimeout(() => { process.stderr.write('o\\n\\nlast'); process.stdout.write('done'); }, 50);";
    const run = await runWithLines(process.execPath, ["-e", script], { onLine: (line) => lines.push(line) });
    assert.equal(run.code, 0);
    assert.deepEqual(lines, ["latm: one", "latm: two", "last"]);
    assert.equal(run.stdout, "done");
    assert.equal(run.stderr, "latm: one\nlatm: two\n\nlast");
  });

  it("stops the process when aborted", async () => {
    const stop = new AbortController();
    const running = runWithLines(process.execPath, ["-e", "console.error('started'); setInterval(() => {}, 1000);"], {
      onLine: () => stop.abort(),
      signal: stop.signal,
    });
    const run = await running;
    assert.equal(run.error?.name, "AbortError");
  });
});
