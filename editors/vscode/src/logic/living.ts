/**
 * A toolbox that learns, as the extension sees it: correcting an answer (the right one asked for
 * in an input box), the choices the server offers with a result (repair a regressed tool, re-make
 * it, add examples to a tool that already answers them), and the Toolbox view's order.
 * Results are read tolerantly: a missing or mistyped field gives no choice rather than an error.
 */
import { SERVER_COMMANDS, ServerCommand } from "./commandArgs";
import { Tool } from "./tools";

/** The extension's own commands for this (package.json declares them). */
export const LIVING_IDS = {
  repairTool: "latm.palette.repairTool",
  toolHistory: "latm.palette.toolHistory",
  sortToolbox: "latm.palette.sortToolbox",
} as const;

/** A button the server offers with a result: its title, and the server command it runs. */
export interface Choice {
  title: string;
  command: ServerCommand;
  argument: object;
}

export interface Notice {
  text: string;
  warning: boolean;
  choices: Choice[];
}

export type SortOrder = "name" | "lastUsed";

const KNOWN: readonly string[] = Object.values(SERVER_COMMANDS);
/** Results that carry a sentence and, maybe, choices. */
const SPEAKING: readonly string[] = [
  SERVER_COMMANDS.correctAnswer,
  SERVER_COMMANDS.addExamples,
  SERVER_COMMANDS.repairTool,
  SERVER_COMMANDS.rollbackTool,
];

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

// What the server writes before an answer: optional comment markers, then the label.
const ANSWER_LINE = /^\s*(?:(?:#+|\/\/|--|>)\s*)*(?:answer|a)\s*[:.)]\s?(.*)$/i;

/** The answer on an inserted `Answer: …` line, to start the input box with; undefined elsewhere. */
export function answerOnLine(line: string): string | undefined {
  const found = ANSWER_LINE.exec(line);
  return found ? (found[1] ?? "").trim() : undefined;
}

/** latm.correctAnswer sent without the right answer: the extension must ask for it first. */
export function needsAnswer(command: string, args: readonly unknown[]): boolean {
  return command === SERVER_COMMANDS.correctAnswer && typeof record(args[0]).answer !== "string";
}

/** The line the correction is about (its range's start), from the command's argument object. */
export function correctionLine(args: readonly unknown[]): number | undefined {
  const line = record(record(record(args[0]).range).start).line;
  return typeof line === "number" && Number.isInteger(line) && line >= 0 ? line : undefined;
}

/** The command's argument object with the right answer added. */
export function withAnswer(args: readonly unknown[], answer: string): unknown[] {
  return [{ ...record(args[0]), answer }, ...args.slice(1)];
}

/** The choices of a result; only server commands the extension knows are offered. */
export function readChoices(result: unknown): Choice[] {
  const choices = record(result).choices;
  if (!Array.isArray(choices)) {
    return [];
  }
  return choices.flatMap((item): Choice[] => {
    const choice = record(item);
    const command = text(choice.command);
    const argument = Array.isArray(choice.arguments) ? record(choice.arguments[0]) : {};
    return text(choice.title) && KNOWN.includes(command) ? [{ title: text(choice.title), command: command as ServerCommand, argument }] : [];
  });
}

/** A make the server did not run because a tool already answers the examples (it offers choices). */
export function offersExisting(result: unknown): boolean {
  return record(result).made === false && readChoices(result).length > 0;
}

/**
 * What to say after one of these commands (or a make that found an existing tool), with its
 * choices; undefined when the result is not one of them.
 */
export function livingNotice(command: string, result: unknown): Notice | undefined {
  if (!SPEAKING.includes(command) && !(command === SERVER_COMMANDS.makeTool && offersExisting(result))) {
    return undefined;
  }
  const said = record(result);
  const warning = said.regressed === true || said.repaired === false || said.state === "regressed" || said.made === false;
  const fallback = said.repaired === true ? `Repaired ${text(said.name)}.` : `Done: ${text(said.name)}.`;
  return { text: text(said.message) || fallback, warning, choices: readChoices(result) };
}

/** By name, or by latest use (never used last, then by name): the Toolbox view's two orders. */
export function sortTools(tools: readonly Tool[], order: SortOrder): Tool[] {
  const byName = (a: Tool, b: Tool): number => a.name.localeCompare(b.name);
  if (order === "name") {
    return [...tools].sort(byName);
  }
  return [...tools].sort((a, b) => (b.lastUsed || "").localeCompare(a.lastUsed || "") || byName(a, b));
}

export function nextOrder(order: SortOrder): SortOrder {
  return order === "name" ? "lastUsed" : "name";
}

/** The history of a tool (latm.toolHistory) as quick-pick rows, newest first. */
export function historyRows(result: unknown): { label: string; description: string; detail: string; version: number }[] {
  const entries = record(result).history;
  const current = record(result).version;
  if (!Array.isArray(entries)) {
    return [];
  }
  return entries
    .map(record)
    .filter((entry) => typeof entry.version === "number")
    .reverse()
    .map((entry) => ({
      label: `v${entry.version as number}${entry.version === current ? " (current)" : ""}: ${text(entry.reason)}`,
      description: text(entry.time),
      detail: `${text(entry.maker_model) || "no maker model"} · ${text(entry.tool_hash).slice(0, 19)} · ${
        entry.kept === true ? "kept here: can be rolled back to" : "not kept on this machine"
      }`,
      version: entry.version as number,
    }));
}
