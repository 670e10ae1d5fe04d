// Where the extension wakes up and starts a server, and which documents it sends.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import {
  DEFAULT_LANGUAGES,
  activationEvents,
  documentSelector,
  hasLatmTable,
  servedLanguages,
  startReason,
} from "../../src/logic/activation";

interface Manifest {
  activationEvents: string[];
  contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
}

const manifest = JSON.parse(readFileSync(path.resolve(__dirname, "../../../package.json"), "utf8")) as Manifest;
const NONE = { config: false, tools: false };

describe("activation events", () => {
  it("are the served languages and the project files, never every window at startup", () => {
    assert.deepEqual([...manifest.activationEvents].sort(), activationEvents().sort());
    assert.ok(!manifest.activationEvents.some((event) => event === "*" || event === "onStartupFinished"));
    assert.deepEqual(activationEvents().filter((event) => event.startsWith("workspaceContains:")).sort(), [
      "workspaceContains:latm.toml",
      "workspaceContains:pyproject.toml",
      "workspaceContains:toolbox/*/tool.toml",
    ]);
  });

  it("wake up for the languages latm.languages lists by default", () => {
    assert.deepEqual(manifest.contributes.configuration.properties["latm.languages"]?.default, [...DEFAULT_LANGUAGES]);
    assert.deepEqual([...DEFAULT_LANGUAGES], ["markdown", "plaintext", "python"]);
  });
});

describe("servedLanguages", () => {
  it("takes a list of language ids", () => {
    assert.deepEqual(servedLanguages(["markdown", "restructuredtext", "markdown"]), ["markdown", "restructuredtext"]);
    assert.deepEqual(servedLanguages([]), []);
  });

  it("falls back to the default for anything malformed (a glob, a number, not a list)", () => {
    for (const bad of [undefined, "python", ["python", 3], ["*"], [""], { python: true }]) {
      assert.deepEqual(servedLanguages(bad), [...DEFAULT_LANGUAGES], JSON.stringify(bad));
    }
  });
});

describe("documentSelector", () => {
  it("sends saved and untitled documents of the served languages, and tools' manifests, nothing else", () => {
    assert.deepEqual(documentSelector(["markdown", "python"]), [
      { scheme: "file", language: "markdown" },
      { scheme: "untitled", language: "markdown" },
      { scheme: "file", language: "python" },
      { scheme: "untitled", language: "python" },
      { scheme: "file", pattern: "**/tool.toml" },
    ]);
    assert.ok(documentSelector(DEFAULT_LANGUAGES).every((filter) => filter.language !== undefined || filter.pattern !== undefined));
  });
});

describe("hasLatmTable", () => {
  it("finds [tool.latm] and the tables below it, keys bare or quoted", () => {
    for (const text of [
      "[project]\nname = 'x'\n\n[tool.latm]\nmaker_model = 'gpt-4o'\n",
      "[tool.latm.prices]\n'my-model' = [1.0, 2.0]\n",
      '  [ "tool" . \'latm\' ]\n',
      "[tool]\nlatm = { sandbox = 'docker' }\n",
      "[tool]\n# comment\nlatm.maker_model = 'x'\n",
      "[[tool.latm.list]]\n",
    ]) {
      assert.equal(hasLatmTable(text), true, text);
    }
  });

  it("ignores other tools' tables, latm named elsewhere, and keys outside [tool]", () => {
    for (const text of [
      "",
      "[project]\nname = 'latm'\ndependencies = ['latm']\n",
      "[tool.ruff]\nline-length = 100\n",
      "[tool.latmx]\n",
      "# [tool.latm]\n",
      "[tool.ruff]\nlatm = 1\n",
      "[tool]\nruff = 1\n[project]\nlatm = 1\n",
    ]) {
      assert.equal(hasLatmTable(text), false, text);
    }
  });
});

describe("startReason", () => {
  const served = [...DEFAULT_LANGUAGES];

  it("starts in a latm project whatever is open", () => {
    assert.match(startReason({ ...NONE, config: true }, [], served) ?? "", /latm\.toml/);
    assert.match(startReason({ ...NONE, tools: true }, [], served) ?? "", /toolbox/);
    assert.match(startReason({ ...NONE, pyproject: "[tool.latm]\n" }, [], served) ?? "", /\[tool\.latm\]/);
  });

  it("stays idle for a pyproject.toml without [tool.latm] and nothing served open", () => {
    assert.equal(startReason({ ...NONE, pyproject: "[tool.ruff]\n" }, [], served), undefined);
    assert.equal(startReason({ ...NONE, pyproject: "[tool.ruff]\n" }, ["json", "toml"], served), undefined);
    assert.equal(startReason(undefined, [], served), undefined);
  });

  it("starts when a document of a served language is open, as latm.languages says", () => {
    assert.match(startReason(NONE, ["json", "markdown"], served) ?? "", /markdown document/);
    assert.equal(startReason(NONE, ["python"], ["markdown"]), undefined);
    assert.match(startReason(undefined, ["restructuredtext"], ["restructuredtext"]) ?? "", /restructuredtext/);
  });
});
