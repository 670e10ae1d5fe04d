-- Neovim (0.7+) as a real LSP client of `latm serve`, the whole loop of a toolbox that learns:
-- make a tool and solve a question through the code-action menu; the answer is wrong, so write the
-- right one on the answer line and pick "Correct this answer…"; the tool regresses and its
-- tool.toml gets a diagnostic; pick "Repair tool: …" there; the diagnostic goes away; commit the
-- repaired tool (latm.commitTool, as `:lua vim.lsp.buf.execute_command` sends it).
-- Run by tests/lsp/test_neovim.py; inputs come from NVIMTEST_* environment variables.

local nv = dofile(os.getenv("NVIMTEST_SUPPORT"))
local out = os.getenv("NVIMTEST_OUT")
local last_example = tonumber(os.getenv("NVIMTEST_LAST_EXAMPLE_LINE"))
local question_line = tonumber(os.getenv("NVIMTEST_QUESTION_LINE"))
local right_answer = os.getenv("NVIMTEST_RIGHT_ANSWER")
local manifest = os.getenv("NVIMTEST_MANIFEST")
local log = {}  -- what happened, written to out .. ".log" for the test to check
vim.o.hidden = true  -- the note stays open, unsaved, while the manifest is shown

local client_id = nv.start(os.getenv("NVIMTEST_ROOT"), os.getenv("NVIMTEST_NOTE"), os.getenv("NVIMTEST_PYTHON"))
local bufnr = vim.api.nvim_get_current_buf()

-- 1. Make the tool from the examples, then solve the question with it.
nv.pick("^Make tool from 6 examples$")
vim.lsp.buf.range_code_action({ diagnostics = {} }, { 3, 0 }, { last_example + 1, 0 })
nv.wait_for_command(1, "making the tool")
vim.api.nvim_win_set_cursor(0, { question_line, 0 })
nv.pick("^Solve with tool: ")
vim.lsp.buf.code_action({ diagnostics = {} })
nv.wait_for_command(2, "solving the question")
nv.wait(function() return vim.api.nvim_buf_line_count(bufnr) > question_line end, "the answer line")
table.insert(log, "answered: " .. vim.api.nvim_buf_get_lines(bufnr, question_line, question_line + 1, false)[1])

-- 2. The answer is wrong: write the right one on its line, then "Correct this answer…" there.
vim.api.nvim_buf_set_lines(bufnr, question_line, question_line + 1, false, { "Answer: " .. right_answer })
vim.api.nvim_win_set_cursor(0, { question_line + 1, 0 })
nv.pick("^Correct this answer")
vim.lsp.buf.code_action()
nv.wait_for_command(3, "correcting the answer")
table.insert(log, "corrected: " .. tostring(nv.done[3].result.state))

-- 3. The tool regressed: its manifest has a diagnostic; repair it from there.
vim.cmd("edit " .. vim.fn.fnameescape(manifest))
local toml = vim.api.nvim_get_current_buf()
vim.lsp.buf_attach_client(toml, client_id)
nv.wait(function() return #vim.diagnostic.get(toml) > 0 end, "the regressed diagnostic")
local flagged = vim.diagnostic.get(toml)[1]
table.insert(log, "diagnostic: " .. flagged.message)
vim.api.nvim_win_set_cursor(0, { flagged.lnum + 1, 0 })
nv.pick("^Repair tool: ")
vim.lsp.buf.code_action()
nv.wait_for_command(4, "repairing the tool")
table.insert(log, "repaired: " .. tostring(nv.done[4].result.repaired) .. " version " .. tostring(nv.done[4].result.version))
nv.wait(function() return #vim.diagnostic.get(toml) == 0 end, "the diagnostic to go")
table.insert(log, "diagnostics after the repair: " .. #vim.diagnostic.get(toml))

-- 4. Commit the repaired tool: its manifest carries its history.
vim.lsp.buf.execute_command({ command = "latm.commitTool", arguments = { { name = vim.fn.fnamemodify(manifest, ":h:t") } } })
nv.wait_for_command(5, "committing the tool")
table.insert(log, "committed: " .. tostring(nv.done[5].result.commit))

vim.fn.writefile(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), out)
vim.fn.writefile(log, out .. ".log")
nv.stop(client_id)
