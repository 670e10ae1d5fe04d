import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { ErrorCodes, LSPErrorCodes, ResponseError } from "vscode-languageserver-protocol";
import { REQUEST_CANCELLED, REQUEST_FAILED, cancelled, failureNotice, needsApiKey, shownByServer } from "../../src/logic/failures";

describe("failureNotice", () => {
  it("uses the protocol's codes", () => {
    assert.equal(REQUEST_FAILED, LSPErrorCodes.RequestFailed);
    assert.equal(REQUEST_CANCELLED, LSPErrorCodes.RequestCancelled);
  });

  it("stays quiet when the server has shown the failure itself", () => {
    const error = new ResponseError(LSPErrorCodes.RequestFailed, "Cannot reach the model endpoint", { type: "LLMUnavailable", shown: true });
    assert.equal(shownByServer(error), true);
    assert.equal(failureNotice(error), undefined);
  });

  it("shows the server's sentence for a failure it did not show", () => {
    const error = new ResponseError(LSPErrorCodes.RequestFailed, "No tool named 'x' in toolbox.", { type: "ToolNotFound", shown: false });
    assert.equal(shownByServer(error), false);
    assert.equal(failureNotice(error), "LATM: No tool named 'x' in toolbox.");
  });

  it("says how to set a missing key in VS Code, not in the server's environment", () => {
    const error = new ResponseError(LSPErrorCodes.RequestFailed, "No API key: the environment variable OPENAI_API_KEY is not set.", { type: "NoApiKey", shown: false });
    assert.equal(needsApiKey(error), true);
    const notice = failureNotice(error, "MY_KEY") ?? "";
    assert.match(notice, /"LATM: Set API Key"/);
    assert.match(notice, /as MY_KEY/);
    assert.match(notice, /latm\.apiKeyEnv/);
    assert.equal(needsApiKey(new ResponseError(LSPErrorCodes.RequestFailed, "x", { type: "ToolNotFound", shown: false })), false);
  });

  it("stays quiet for an unexpected failure the server has shown", () => {
    const error = new ResponseError(ErrorCodes.InternalError, "latm.solve failed unexpectedly: boom", { type: "KeyError", shown: true });
    assert.equal(failureNotice(error), undefined);
    assert.match(failureNotice(new ResponseError(ErrorCodes.InternalError, "boom")) ?? "", /boom/);
  });

  it("does not trust a shown flag on another code, or a truthy non-boolean", () => {
    assert.match(failureNotice(new ResponseError(ErrorCodes.InvalidParams, "bad", { shown: true })) ?? "", /bad/);
    assert.match(failureNotice(new ResponseError(LSPErrorCodes.RequestFailed, "odd", { shown: "yes" })) ?? "", /odd/);
    assert.match(failureNotice(new ResponseError(LSPErrorCodes.RequestFailed, "bare")) ?? "", /bare/);
  });

  it("stays quiet for a cancelled request", () => {
    assert.equal(cancelled(new ResponseError(LSPErrorCodes.RequestCancelled, "cancelled")), true);
    const vscodeCancel = Object.assign(new Error("Canceled"), { name: "Canceled" });
    assert.equal(failureNotice(vscodeCancel), undefined);
    assert.equal(failureNotice(new ResponseError(LSPErrorCodes.RequestCancelled, "Cancelled by the user.")), undefined);
  });

  it("stays quiet for a request the closing connection cut off", () => {
    assert.equal(failureNotice(new ResponseError(ErrorCodes.PendingResponseRejected, "Pending response rejected since connection got disposed")), undefined);
    assert.equal(failureNotice(new ResponseError(ErrorCodes.ConnectionInactive, "Connection is inactive")), undefined);
  });

  it("shows invalid arguments, local errors and non-errors", () => {
    assert.equal(failureNotice(new ResponseError(ErrorCodes.InvalidParams, "latm.showTool: 'name' must be a string")), "LATM: latm.showTool: 'name' must be a string");
    assert.equal(failureNotice(new Error("Open a file first.")), "LATM: Open a file first.");
    assert.equal(failureNotice("plain"), "LATM: plain");
  });
});
