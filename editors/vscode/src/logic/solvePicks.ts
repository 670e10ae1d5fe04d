/**
 * The quick pick of "Solve with Tool": let latm choose, or one of the likely tools. In Python
 * code the best tool is offered once more with the other insert mode (the call instead of the
 * answer, or the other way round), as the server's own code actions do.
 */
import { InsertMode } from "./commandArgs";
import { Tool, rankTools, usesText, verificationText } from "./tools";

export interface SolvePick {
  label: string;
  description?: string;
  detail?: string;
  /** Absent: the dispatcher picks. */
  tool?: string;
  /** Absent: the server's `insert` setting applies. */
  insert?: InsertMode;
}

export function solvePicks(
  question: string,
  tools: readonly Tool[],
  options: { python: boolean; insert: InsertMode },
): SolvePick[] {
  const ranked = rankTools(question, tools);
  const picks: SolvePick[] = [
    { label: "$(sparkle) Let latm choose", detail: "The dispatcher picks the tool, or says that none fits." },
    ...ranked.map((tool) => ({
      label: tool.name,
      description: tool.summary,
      detail: `${verificationText(tool)} · ${tool.origin} · ${usesText(tool)}`,
      tool: tool.name,
    })),
  ];
  const best = ranked[0];
  if (options.python && best) {
    const other: InsertMode = options.insert === "call" ? "answer" : "call";
    picks.splice(2, 0, {
      label: `$(code) Insert the ${other} of ${best.name}`,
      description: other === "call" ? "the Python call of the tool, with its import" : "the answer, not the call",
      tool: best.name,
      insert: other,
    });
  }
  return picks;
}
