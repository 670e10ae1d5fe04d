// package.json's contributions against the ids the extension registers.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { SERVER_COMMANDS } from "../../src/logic/commandArgs";
import { COMMAND_IDS, TOOLBOX_VIEW } from "../../src/logic/commandIds";
import { EVALUATE_COMMAND } from "../../src/logic/evaluation";
import { LIVING_IDS } from "../../src/logic/living";

interface Manifest {
  main: string;
  engines: { vscode: string };
  devDependencies: Record<string, string>;
  dependencies: Record<string, string>;
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    menus: Record<string, { command: string }[]>;
    views: { explorer: { id: string }[] };
    viewsWelcome: { view: string; contents: string }[];
  };
}

const manifest = JSON.parse(readFileSync(path.resolve(__dirname, "../../../package.json"), "utf8")) as Manifest;
const registered = new Set<string>([...Object.values(COMMAND_IDS), EVALUATE_COMMAND, ...Object.values(LIVING_IDS)]);

describe("package.json", () => {
  it("declares exactly the commands the extension registers, each with a LATM title", () => {
    const declared = manifest.contributes.commands.map((command) => command.command);
    assert.deepEqual([...declared].sort(), [...registered].sort());
    for (const command of manifest.contributes.commands) {
      assert.equal(command.category, "LATM", command.command);
      assert.ok(command.title.length > 3, command.command);
    }
  });

  it("uses no server command id for its own commands (the language client registers those)", () => {
    for (const id of Object.values(SERVER_COMMANDS)) {
      assert.ok(!registered.has(id), id);
    }
  });

  it("refers only to declared commands in menus and welcome links", () => {
    const referred = Object.values(manifest.contributes.menus).flatMap((items) => items.map((item) => item.command));
    const linked = manifest.contributes.viewsWelcome.flatMap((welcome) =>
      [...welcome.contents.matchAll(/\(command:([\w.]+)\)/g)].map((match) => match[1]),
    );
    assert.ok(linked.length > 0);
    for (const command of [...referred, ...linked]) {
      assert.ok(registered.has(command ?? ""), `${command} is not a declared command`);
    }
  });

  it("puts the Toolbox view in the explorer under the id the code registers", () => {
    assert.deepEqual(manifest.contributes.views.explorer.map((view) => view.id), [TOOLBOX_VIEW]);
    assert.ok(manifest.contributes.viewsWelcome.every((welcome) => welcome.view === TOOLBOX_VIEW));
  });

  it("pins the toolchain the notes checked: languageclient 9.0.1 for VS Code ^1.82", () => {
    assert.equal(manifest.dependencies["vscode-languageclient"], "9.0.1");
    assert.equal(manifest.engines.vscode, "^1.82.0");
    assert.equal(manifest.devDependencies["@types/vscode"], "1.82.0");
    assert.equal(manifest.main, "./dist/extension.js");
  });
});
