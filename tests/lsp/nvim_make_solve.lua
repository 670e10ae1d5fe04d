-- Neovim (0.7+) as a real LSP client of `latm serve`: open a markdown note, make a tool through
-- the code-action menu, then solve a question the same way, and write the buffer back.
-- Run by tests/lsp/test_neovim.py; inputs come from NVIMTEST_* environment variables.

local nv = dofile(os.getenv("NVIMTEST_SUPPORT"))
local out = os.getenv("NVIMTEST_OUT")
local last_example = tonumber(os.getenv("NVIMTEST_LAST_EXAMPLE_LINE"))
local question_line = tonumber(os.getenv("NVIMTEST_QUESTION_LINE"))

local client_id = nv.start(os.getenv("NVIMTEST_ROOT"), os.getenv("NVIMTEST_NOTE"), os.getenv("NVIMTEST_PYTHON"))
local bufnr = vim.api.nvim_get_current_buf()

-- 1. Select the examples, open the code-action menu, pick "Make tool from 6 examples".
nv.pick("^Make tool from 6 examples$")
vim.lsp.buf.range_code_action({ diagnostics = {} }, { 3, 0 }, { last_example + 1, 0 })
nv.wait_for_command(1, "making the tool", true)

-- 2. Cursor on the question, menu again, pick "Solve with tool: ...": the server edits the buffer.
vim.api.nvim_win_set_cursor(0, { question_line, 0 })
nv.pick("^Solve with tool: ")
vim.lsp.buf.code_action({ diagnostics = {} })
nv.wait_for_command(2, "solving the question", true)
nv.wait(function() return vim.api.nvim_buf_line_count(bufnr) > question_line end, "an answer line")

vim.fn.writefile(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), out)
vim.fn.writefile(nv.seen, out .. ".titles")
nv.stop(client_id)
