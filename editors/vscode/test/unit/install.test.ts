import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { installSource, pipFailure, venvPython, venvSetting } from "../../src/logic/install";
import { pipInstall } from "../../src/logic/launch";

const PEP_668 = `error: externally-managed-environment

× This environment is externally managed
╰─> To install Python packages system-wide, try apt install
    python3-xyz, where xyz is the package you are trying to
    install.

note: If you believe this is a mistake, please contact your Python installation or OS distribution provider. You can override this, at the risk of breaking your Python installation or OS, by passing --break-system-packages.
hint: See PEP 668 for the detailed specification.
`;

describe("installSource", () => {
  it("is the latm bundled with the extension unless latm.serverPackage names another", () => {
    assert.equal(installSource("", "/ext/python"), "/ext/python");
    assert.equal(installSource("  ", "/ext/python"), "/ext/python");
    assert.equal(installSource("latm==0.1.0", "/ext/python"), "latm==0.1.0");
    assert.equal(pipInstall("/usr/bin/python3", installSource(undefined, "/ext/python")).text, "/usr/bin/python3 -m pip install /ext/python");
  });
});

describe("pipFailure", () => {
  it("recognises an externally managed interpreter (PEP 668)", () => {
    const failure = pipFailure({ code: 1, stdout: "", stderr: PEP_668 });
    assert.equal(failure.kind, "externally-managed");
    assert.match(failure.text, /externally managed \(PEP 668\)/);
  });

  it("recognises an interpreter without pip, and a package the index does not have", () => {
    assert.equal(pipFailure({ code: 1, stdout: "", stderr: "/usr/bin/python3: No module named pip\n" }).kind, "no-pip");
    const missing = pipFailure({
      code: 1,
      stdout: "",
      stderr: "ERROR: Could not find a version that satisfies the requirement latmx (from versions: none)\nERROR: No matching distribution found for latmx\n",
    });
    assert.equal(missing.kind, "not-found");
    assert.match(missing.text, /No matching distribution found for latmx/);
  });

  it("otherwise says pip's last error line", () => {
    const other = pipFailure({ code: 2, stdout: "Processing /x\n", stderr: "ERROR: Disk quota exceeded\n\n" });
    assert.deepEqual(other, { kind: "other", text: "ERROR: Disk quota exceeded" });
    assert.equal(pipFailure({ code: null, stdout: "", stderr: "" }).text, "pip did not finish (exit code unknown)");
  });
});

describe("the workspace virtual environment", () => {
  it("has its interpreter where venv puts it, and a setting that moves with the workspace", () => {
    assert.equal(venvPython("/w/.venv", "linux"), "/w/.venv/bin/python");
    assert.equal(venvPython("C:\\w\\.venv", "win32"), "C:\\w\\.venv\\Scripts\\python.exe");
    assert.equal(venvSetting("linux"), "${workspaceFolder}/.venv/bin/python");
    assert.equal(venvSetting("win32"), "${workspaceFolder}\\.venv\\Scripts\\python.exe");
  });
});
