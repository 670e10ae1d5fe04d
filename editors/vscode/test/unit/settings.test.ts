import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import {
  EXTENSION_KEYS,
  type Inspected,
  SERVER_KEYS,
  explicitValue,
  serverSection,
  trustedScope,
} from "../../src/logic/settings";

const EXTENSION_ROOT = path.resolve(__dirname, "../../..");
const REPO_ROOT = path.resolve(EXTENSION_ROOT, "../..");

/** The rule the server applies to each key of the "latm" section. */
function camelToSnake(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

interface Contributed {
  default?: unknown;
  enum?: string[];
}

function contributed(): Record<string, Contributed> {
  const manifest = JSON.parse(readFileSync(path.join(EXTENSION_ROOT, "package.json"), "utf8")) as {
    contributes: { configuration: { properties: Record<string, Contributed> } };
  };
  return manifest.contributes.configuration.properties;
}

/** `name: type = literal` lines of the server's Settings dataclass. */
function serverDefaults(): Map<string, string> {
  const source = readFileSync(path.join(REPO_ROOT, "server/latm/settings.py"), "utf8");
  const body = source.split("class Settings:")[1]?.split("\n\n\n")[0] ?? "";
  const defaults = new Map<string, string>();
  for (const match of body.matchAll(/^ {4}(\w+): [\w[\], ]+ = (.+)$/gm)) {
    defaults.set(match[1], match[2].trim());
  }
  return defaults;
}

function serverChoices(key: string): string[] | undefined {
  const source = readFileSync(path.join(REPO_ROOT, "server/latm/settings.py"), "utf8");
  const table = source.split("CHOICES = {")[1]?.split("}")[0] ?? "";
  const line = new RegExp(`"${key}": \\(([^)]*)\\)`).exec(table);
  return line?.[1] ? [...line[1].matchAll(/"([^"]+)"/g)].map((match) => match[1]) : undefined;
}

describe("explicitValue", () => {
  it("prefers folder over workspace over user settings", () => {
    assert.equal(explicitValue({ globalValue: "g", workspaceValue: "w", workspaceFolderValue: "f" }), "f");
    assert.equal(explicitValue({ globalValue: "g", workspaceValue: "w" }), "w");
    assert.equal(explicitValue({ globalValue: "g" }), "g");
  });

  it("is undefined when only the contributed default applies", () => {
    assert.equal(explicitValue({}), undefined);
    assert.equal(explicitValue(undefined), undefined);
    assert.equal(explicitValue({ globalValue: null }), undefined);
  });

  it("keeps falsy values the user set on purpose", () => {
    assert.equal(explicitValue({ globalValue: "" }), "");
    assert.equal(explicitValue({ workspaceValue: 0 }), 0);
  });
});

describe("serverSection", () => {
  it("sends only the server keys the user set, camelCase", () => {
    const set: Record<string, unknown> = { makerModel: "gpt-4.1", timeoutS: 2, sandbox: "docker" };
    const section = serverSection((key) => (key in set ? { workspaceValue: set[key] } : {}));
    assert.deepEqual(section, { makerModel: "gpt-4.1", timeoutS: 2, sandbox: "docker" });
  });

  it("passes a mistyped value through for the server to report by name", () => {
    const section = serverSection((key) => (key === "memoryMb" ? { globalValue: "lots" } : undefined));
    assert.deepEqual(section, { memoryMb: "lots" });
  });

  it("never asks for extension-only keys", () => {
    const asked: string[] = [];
    serverSection((key) => {
      asked.push(key);
      return { globalValue: "x" };
    });
    for (const key of EXTENSION_KEYS) {
      assert.ok(!asked.includes(key), key);
    }
    assert.deepEqual(asked, [...SERVER_KEYS]);
  });
});

describe("trustedScope", () => {
  // What a repository's .vscode/settings.json sets, over the user's own settings.
  const inspected: Record<string, Inspected> = {
    baseUrl: { globalValue: "http://mine/v1", workspaceValue: "http://attacker/v1" },
    apiKeyEnv: { workspaceFolderValue: "AWS_SECRET_ACCESS_KEY" },
    python: { globalValue: "/usr/bin/python3", workspaceValue: "${workspaceFolder}/evil.sh" },
    sandbox: { workspaceValue: "process" },
    memoryMb: { globalValue: 512, workspaceValue: 4096 },
    makerModel: { workspaceValue: "gpt-4.1" },
  };

  it("keeps only the user's own value of a key-routing or sandbox setting in an untrusted workspace", () => {
    const seen = (key: string) => explicitValue(trustedScope(key, inspected[key], false));
    assert.equal(seen("baseUrl"), "http://mine/v1");
    assert.equal(seen("apiKeyEnv"), undefined);
    assert.equal(seen("python"), "/usr/bin/python3");
    assert.equal(seen("sandbox"), undefined);
    assert.equal(seen("memoryMb"), 512);
  });

  it("sends the server no workspace value that routes the key or loosens the sandbox until the workspace is trusted", () => {
    const untrusted = serverSection((key) => trustedScope(key, inspected[key], false));
    assert.deepEqual(untrusted, { baseUrl: "http://mine/v1", memoryMb: 512, makerModel: "gpt-4.1" });
    const trusted = serverSection((key) => trustedScope(key, inspected[key], true));
    assert.deepEqual(trusted, {
      baseUrl: "http://attacker/v1",
      apiKeyEnv: "AWS_SECRET_ACCESS_KEY",
      sandbox: "process",
      memoryMb: 4096,
      makerModel: "gpt-4.1",
    });
  });

  it("leaves other settings and missing ones alone", () => {
    assert.deepEqual(trustedScope("makerModel", inspected.makerModel, false), inspected.makerModel);
    assert.equal(trustedScope("baseUrl", undefined, false), undefined);
  });
});

describe("contributed settings match the server", () => {
  const properties = contributed();
  const defaults = serverDefaults();

  it("every latm.* setting is either sent to the server or read by the extension", () => {
    const contributedKeys = Object.keys(properties).map((key) => key.replace(/^latm\./, "")).sort();
    assert.deepEqual(contributedKeys, [...SERVER_KEYS, ...EXTENSION_KEYS].sort());
  });

  it("every server key names a field of the server's Settings", () => {
    assert.ok(defaults.size > 10, "could not read Settings from server/latm/settings.py");
    for (const key of SERVER_KEYS) {
      assert.ok(defaults.has(camelToSnake(key)), `${key} -> ${camelToSnake(key)} is not a server setting`);
    }
  });

  it("contributed defaults are the server's defaults", () => {
    for (const key of SERVER_KEYS) {
      const python = { True: "true", False: "false" }[defaults.get(camelToSnake(key)) ?? ""] ?? defaults.get(camelToSnake(key));
      const shown = properties[`latm.${key}`]?.default;
      const expected = typeof shown === "string" ? JSON.stringify(shown) : String(shown);
      assert.equal(Number(python) || python, Number(expected) || expected, `latm.${key}`);
    }
  });

  it("enumerated settings offer exactly the server's choices", () => {
    const enumerated = SERVER_KEYS.filter((key) => serverChoices(camelToSnake(key)));
    assert.deepEqual(enumerated, ["sandbox", "insert", "onUnknown"]);
    for (const key of enumerated) {
      assert.deepEqual(properties[`latm.${key}`]?.enum, serverChoices(camelToSnake(key)), `latm.${key}`);
    }
  });

  it("every setting has a description", () => {
    for (const [key, property] of Object.entries(properties)) {
      const described = property as { markdownDescription?: string; description?: string };
      assert.ok((described.markdownDescription ?? described.description ?? "").length > 20, key);
    }
  });
});
