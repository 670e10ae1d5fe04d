// Builds the wheel of the latm checkout this extension lives in, into python/, so the extension's
// "Install" puts the matching latm into an interpreter without asking a package index for it.
// The wheel is built from a clean copy of the sources (no build/ left over, no local links).
// Usage: node scripts/bundle-python.mjs   ($LATM_PYTHON, else python3, runs pip)
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const extension = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const repo = path.resolve(extension, "..", "..");
const out = path.join(extension, "python");
const python = process.env.LATM_PYTHON || "python3";
// A development checkout links server/latm/sandbox/recipe to sandbox/; the wheel maps it itself.
const skipped = new Set([path.join(repo, "server", "latm", "sandbox", "recipe")]);
const wanted = (source) => !skipped.has(source) && path.basename(source) !== "__pycache__";

const stage = mkdtempSync(path.join(tmpdir(), "latm-wheel-"));
try {
  for (const file of ["pyproject.toml", "README.md"]) {
    cpSync(path.join(repo, file), path.join(stage, file));
  }
  for (const folder of [path.join("server", "latm"), "sandbox"]) {
    cpSync(path.join(repo, folder), path.join(stage, folder), { recursive: true, filter: wanted });
  }
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out);
  execFileSync(python, ["-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", out, stage], { stdio: "inherit" });
} finally {
  rmSync(stage, { recursive: true, force: true });
}
const wheels = readdirSync(out).filter((name) => name.endsWith(".whl"));
if (wheels.length !== 1) {
  throw new Error(`expected one wheel in ${out}, found: ${wheels.join(", ") || "none"}`);
}
console.error(`bundled ${path.join("python", wheels[0])}`);
