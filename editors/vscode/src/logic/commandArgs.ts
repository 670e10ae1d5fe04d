/**
 * The single argument object each server command takes, and the tool-name helpers the palette
 * uses before sending one.
 */

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export const SERVER_COMMANDS = {
  makeTool: "latm.makeTool",
  solve: "latm.solve",
  listTools: "latm.listTools",
  showTool: "latm.showTool",
  verifyTool: "latm.verifyTool",
  commitTool: "latm.commitTool",
  deleteTool: "latm.deleteTool",
  reloadToolbox: "latm.reloadToolbox",
  sandboxStatus: "latm.sandboxStatus",
  pending: "latm.pending",
  makeFromPending: "latm.makeFromPending",
  evaluate: "latm.evaluate",
  correctAnswer: "latm.correctAnswer",
  addExamples: "latm.addExamples",
  repairTool: "latm.repairTool",
  rollbackTool: "latm.rollbackTool",
  toolHistory: "latm.toolHistory",
} as const;

/** What latm.solve inserts after the question; without it, the server's `insert` setting decides. */
export type InsertMode = "answer" | "call";

export type ServerCommand = (typeof SERVER_COMMANDS)[keyof typeof SERVER_COMMANDS];

export function makeToolArgs(uri: string, range: Range, name?: string): { uri: string; range: Range; name?: string } {
  return name ? { uri, range, name } : { uri, range };
}

/** Without `tool`, the server's dispatcher picks the tool; without `insert`, its setting applies. */
export function solveArgs(
  uri: string,
  range: Range,
  tool?: string,
  insert?: InsertMode,
): { uri: string; range: Range; tool?: string; insert?: InsertMode } {
  return { uri, range, ...(tool ? { tool } : {}), ...(insert ? { insert } : {}) };
}

/** A tool from a ready group of pending questions; without `name`, the group's suggested one. */
export function pendingMakeArgs(group: string, name?: string): { group: string; name?: string } {
  return name ? { group, name } : { group };
}

export function commitArgs(
  name: string,
  options: { message?: string; dryRun?: boolean } = {},
): { name: string; message?: string; dryRun?: boolean } {
  const args: { name: string; message?: string; dryRun?: boolean } = { name };
  if (options.message && options.message.trim()) {
    args.message = options.message;
  }
  if (options.dryRun) {
    args.dryRun = true;
  }
  return args;
}

/** The argument of showTool, verifyTool and deleteTool. */
export function nameArgs(name: string): { name: string } {
  return { name };
}

const TOOL_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const FILLER = new Set([
  "the", "a", "an", "of", "to", "in", "on", "for", "and", "or", "is", "are", "what", "which", "how",
  "following", "given", "question", "q", "answer", "input", "list", "please", "find", "this", "that",
  "with", "from", "by", "be", "it", "do", "does", "you",
]);

/** Null when the name is acceptable, else the sentence the input box shows. */
export function validateToolName(name: string, existing: readonly string[] = []): string | undefined {
  if (!TOOL_NAME.test(name)) {
    return "Use a lowercase letter, then lowercase letters, digits or _ (at most 64 characters).";
  }
  if (existing.includes(name)) {
    return `A tool named ${name} exists already.`;
  }
  return undefined;
}

const HEADING = /^\s*#{1,6}\s/;
const TABLE_RULE = /^\s*\|?\s*:?-{2,}/;
const QUESTION_COLUMN = /^(?:question|input|q)$/i;

/** The cells of a markdown table row, or undefined when the line is not one. */
function tableCells(line: string): string[] | undefined {
  const trimmed = line.trim();
  return trimmed.startsWith("|") ? trimmed.replace(/^\||\|$/g, "").split("|").map((cell) => cell.trim()) : undefined;
}

/**
 * The first question of the selection: a JSON "question"/"input" field, a "Question:"/"Q:" line,
 * the question column of a markdown table, else the first line of text. Headings and a table's
 * header and rule rows are no question.
 */
function firstQuestion(selection: string): string {
  const json = /"(?:question|input)"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(selection);
  if (json?.[1]) {
    return json[1];
  }
  const lines = selection.split(/\r?\n/).filter((line) => line.trim() && !HEADING.test(line));
  let column = 0;
  for (const [index, raw] of lines.entries()) {
    const cells = tableCells(raw);
    if (TABLE_RULE.test(raw)) {
      continue;
    }
    if (cells && TABLE_RULE.test(lines[index + 1] ?? "")) {
      column = Math.max(0, cells.findIndex((cell) => QUESTION_COLUMN.test(cell))); // the header row
      continue;
    }
    if (cells) {
      return cells[column] ?? "";
    }
    const labelled = /^(?:question|q)\s*[:.)]\s*(.+)$/i.exec(raw.replace(/^\s*(?:[-*>]\s*)*/, "").trim());
    if (labelled?.[1]) {
      return labelled[1];
    }
  }
  return lines.find((line) => !TABLE_RULE.test(line) && !tableCells(line)) ?? "";
}

/** A default name for the input box: a few telling words of the first question, snake_case, unused. */
export function suggestToolName(selection: string, existing: readonly string[] = []): string {
  const words = firstQuestion(selection)
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter((word) => word.length > 1 && !FILLER.has(word))
    .slice(0, 3);
  const base = (words.join("_") || "new_tool").slice(0, 56);
  let candidate = base;
  for (let n = 2; existing.includes(candidate); n += 1) {
    candidate = `${base}_${n}`;
  }
  return candidate;
}
