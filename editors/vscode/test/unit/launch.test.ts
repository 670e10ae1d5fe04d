import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { chooseInterpreter, keyEnvName, latmLaunch, pipInstall, processEnv, shellQuote } from "../../src/logic/launch";

describe("chooseInterpreter", () => {
  it("uses latm.python first, expanding ${workspaceFolder}", () => {
    assert.deepEqual(chooseInterpreter("${workspaceFolder}/.venv/bin/python", "/usr/bin/python3.11", "/w", "linux"), {
      command: "/w/.venv/bin/python",
      source: "latm.python",
    });
  });

  it("falls back to the Python extension's interpreter, then python3 (python on Windows)", () => {
    assert.deepEqual(chooseInterpreter("  ", "/opt/py/bin/python", "/w", "linux"), {
      command: "/opt/py/bin/python",
      source: "Python extension",
    });
    assert.deepEqual(chooseInterpreter(undefined, undefined, undefined, "linux"), { command: "python3", source: "default" });
    assert.deepEqual(chooseInterpreter("", "", undefined, "win32"), { command: "python", source: "default" });
  });
});

describe("keyEnvName", () => {
  it("defaults to OPENAI_API_KEY and accepts another valid name", () => {
    assert.deepEqual(keyEnvName(undefined), { name: "OPENAI_API_KEY" });
    assert.deepEqual(keyEnvName(" GROQ_KEY "), { name: "GROQ_KEY" });
  });

  it("refuses a name that is not an environment variable, with a sentence", () => {
    const result = keyEnvName("MY KEY=1");
    assert.equal(result.name, "OPENAI_API_KEY");
    assert.match(result.problem ?? "", /latm\.apiKeyEnv: "MY KEY=1" is not a valid/);
  });
});

describe("processEnv", () => {
  const base = { PATH: "/bin", HOME: "/root", UNSET: undefined };

  it("puts the stored key under the chosen variable and keeps the editor's environment", () => {
    const env = processEnv(base, "sk-test", "MY_KEY");
    assert.equal(env.MY_KEY, "sk-test");
    assert.equal(env.PATH, "/bin");
    assert.ok(!("UNSET" in env));
    assert.ok(!("OPENAI_API_KEY" in env));
  });

  it("adds no key when none is stored, and never changes the base", () => {
    const env = processEnv(base, undefined, "OPENAI_API_KEY");
    assert.ok(!("OPENAI_API_KEY" in env));
    assert.deepEqual(base, { PATH: "/bin", HOME: "/root", UNSET: undefined });
  });
});

describe("latmLaunch", () => {
  it("runs python -m latm with the subcommand in the workspace folder", () => {
    const launch = latmLaunch("/p/python", ["serve"], { A: "1" }, "/w");
    assert.deepEqual(launch, { command: "/p/python", args: ["-m", "latm", "serve"], options: { cwd: "/w", env: { A: "1" } } });
  });

  it("leaves cwd out when there is no workspace folder", () => {
    assert.deepEqual(latmLaunch("python3", ["stats"], {}, undefined).options, { env: {} });
  });
});

describe("pip command", () => {
  it("is exact and pasteable, quoting paths with spaces", () => {
    assert.deepEqual(pipInstall("python3", "latm").args, ["-m", "pip", "install", "latm"]);
    if (process.platform !== "win32") {
      assert.equal(pipInstall("/home/me/my env/bin/python", "/src/latm").text, "'/home/me/my env/bin/python' -m pip install /src/latm");
    }
  });

  it("quotes for the platform's shell", () => {
    assert.equal(shellQuote("it's", "linux"), `'it'\\''s'`);
    assert.equal(shellQuote("C:\\Program Files\\py.exe", "win32"), '"C:\\Program Files\\py.exe"');
    assert.equal(shellQuote("latm>=0.1", "linux"), "'latm>=0.1'");
  });
});
