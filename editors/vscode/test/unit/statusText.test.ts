import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { StatusInput, statusView } from "../../src/logic/statusText";

const RUNNING: StatusInput = { server: "running", tools: 12, backend: "docker", making: [] };

describe("statusView", () => {
  it("shows tool count and sandbox backend", () => {
    assert.deepEqual(statusView(RUNNING), {
      text: "$(tools) 12 tools · docker",
      tooltip: "LATM: 12 tools in the toolbox\nsandbox: docker",
      warning: false,
    });
    assert.equal(statusView({ ...RUNNING, tools: 1, backend: undefined }).text, "$(tools) 1 tool");
  });

  it("warns when the weaker process backend runs generated code", () => {
    const view = statusView({ ...RUNNING, backend: "process", sandboxWarning: "Docker is not running." });
    assert.equal(view.warning, true);
    assert.equal(view.text, "$(warning) 12 tools · process");
    assert.match(view.tooltip, /Docker is not running\./);
  });

  it("says that a click builds a missing sandbox image", () => {
    const view = statusView({ ...RUNNING, backend: "process", missingImage: "latm-sandbox:1" });
    assert.equal(view.warning, true);
    assert.match(view.tooltip, /Click to build the sandbox image latm-sandbox:1\./);
  });

  it("warns, in other words, when no sandbox is available", () => {
    const view = statusView({ ...RUNNING, backend: "unavailable" });
    assert.equal(view.warning, true);
    assert.match(view.tooltip, /No sandbox is available/);
  });

  it("spins while making, naming the tool when there is one", () => {
    assert.equal(statusView({ ...RUNNING, making: ["crt"] }).text, "$(sync~spin) 12 tools · docker · making crt…");
    assert.equal(statusView({ ...RUNNING, making: [""] }).text, "$(sync~spin) 12 tools · docker · making a tool…");
    assert.equal(statusView({ ...RUNNING, making: ["a", "b"] }).text, "$(sync~spin) 12 tools · docker · making 2 tools…");
    assert.equal(statusView({ ...RUNNING, backend: "process", making: ["a"] }).warning, true);
  });

  it("says that the server was restarted after it stopped unexpectedly", () => {
    const view = statusView({ ...RUNNING, restartedAt: "10:42:07" });
    assert.equal(view.text, "$(tools) 12 tools · docker · restarted");
    assert.match(view.tooltip, /stopped unexpectedly at 10:42:07 and was restarted/);
    assert.equal(statusView({ ...RUNNING, server: "starting", restartedAt: "10:42:07" }).text, "$(loading~spin) LATM");
  });

  it("says when the server is not running", () => {
    assert.equal(statusView({ ...RUNNING, server: "starting" }).text, "$(loading~spin) LATM");
    const failed = statusView({ ...RUNNING, server: "failed" });
    assert.equal(failed.text, "$(circle-slash) LATM");
    assert.equal(failed.warning, true);
    assert.match(statusView({ ...RUNNING, server: "stopped" }).tooltip, /stopped — click to restart/);
  });

  it("says that an idle server starts on a click, without a warning", () => {
    const idle = statusView({ ...RUNNING, server: "idle" });
    assert.equal(idle.text, "$(circle-outline) LATM");
    assert.equal(idle.warning, false);
    assert.match(idle.tooltip, /idle.*click to start/);
  });
});
