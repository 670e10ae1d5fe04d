-- Neovim (0.7+) as a real LSP client of `latm serve`, the whole loop of a toolbox that learns:
-- make a tool and solve a question through the code-action menu; the answer is wrong, so write the
-- right one on the answer line and pick "Correct this answer…"; the tool regresses and its
-- tool.toml gets a diagnostic; pick "Repair tool: …" there; the diagnostic goes away.
-- Run by tests/lsp/test_neovim.py; inputs come from NVIMTEST_* environment variables.

local root = os.getenv("NVIMTEST_ROOT")
local note = os.getenv("NVIMTEST_NOTE")
local out = os.getenv("NVIMTEST_OUT")
local python = os.getenv("NVIMTEST_PYTHON")
local last_example = tonumber(os.getenv("NVIMTEST_LAST_EXAMPLE_LINE"))
local question_line = tonumber(os.getenv("NVIMTEST_QUESTION_LINE"))
local right_answer = os.getenv("NVIMTEST_RIGHT_ANSWER")
local manifest = os.getenv("NVIMTEST_MANIFEST")
local wait_ms = tonumber(os.getenv("NVIMTEST_WAIT_MS") or "180000")
vim.o.hidden = true  -- the note stays open, unsaved, while the manifest is shown

local seen = {}      -- code-action titles offered
local done = {}      -- workspace/executeCommand replies
local said = {}      -- every notification, for the failure message
local log = {}       -- what happened, written to out .. ".log" for the test to check

vim.notify = function(message)
  table.insert(said, message)
end

vim.lsp.handlers["workspace/executeCommand"] = function(err, result)
  table.insert(done, { err = err, result = result })
end

local function pick(pattern)
  vim.ui.select = function(items, opts, on_choice)
    for _, item in ipairs(items) do
      local title = opts.format_item(item)
      table.insert(seen, title)
      if title:match(pattern) then
        return on_choice(item)
      end
    end
    error("no code action matching '" .. pattern .. "' among: " .. table.concat(seen, " | "))
  end
end

local function wait_for_command(count, what)
  local ok = vim.wait(wait_ms, function() return #done >= count end, 50)
  if not ok then
    error(what .. " did not finish: " .. table.concat(said, "; ") .. " (menu: " .. table.concat(seen, " | ") .. ")")
  end
  if done[count].err then
    error(what .. " failed: " .. vim.inspect(done[count].err))
  end
end

local function wait(condition, what)
  if not vim.wait(wait_ms, condition, 50) then
    error("timed out waiting for " .. what .. ": " .. table.concat(said, "; "))
  end
end

vim.cmd("edit " .. vim.fn.fnameescape(note))
local bufnr = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start_client({
  name = "latm",
  cmd = { python, "-m", "latm", "serve", "--root", root },
  root_dir = root,
  settings = { latm = { insert = "answer" } },
  flags = { debounce_text_changes = 0 },
})
assert(client_id, "the latm server did not start")
vim.lsp.buf_attach_client(bufnr, client_id)
wait(function()
  local client = vim.lsp.get_client_by_id(client_id)
  return client ~= nil and client.initialized
end, "latm to initialize")

-- 1. Make the tool from the examples, then solve the question with it.
pick("^Make tool from 6 examples$")
vim.lsp.buf.range_code_action({ diagnostics = {} }, { 3, 0 }, { last_example + 1, 0 })
wait_for_command(1, "making the tool")
vim.api.nvim_win_set_cursor(0, { question_line, 0 })
pick("^Solve with tool: ")
vim.lsp.buf.code_action({ diagnostics = {} })
wait_for_command(2, "solving the question")
wait(function() return vim.api.nvim_buf_line_count(bufnr) > question_line end, "the answer line")
table.insert(log, "answered: " .. vim.api.nvim_buf_get_lines(bufnr, question_line, question_line + 1, false)[1])

-- 2. The answer is wrong: write the right one on its line, then "Correct this answer…" there.
vim.api.nvim_buf_set_lines(bufnr, question_line, question_line + 1, false, { "Answer: " .. right_answer })
vim.api.nvim_win_set_cursor(0, { question_line + 1, 0 })
pick("^Correct this answer")
vim.lsp.buf.code_action()
wait_for_command(3, "correcting the answer")
table.insert(log, "corrected: " .. tostring(done[3].result.state))

-- 3. The tool regressed: its manifest has a diagnostic; repair it from there.
vim.cmd("edit " .. vim.fn.fnameescape(manifest))
local toml = vim.api.nvim_get_current_buf()
vim.lsp.buf_attach_client(toml, client_id)
wait(function() return #vim.diagnostic.get(toml) > 0 end, "the regressed diagnostic")
local flagged = vim.diagnostic.get(toml)[1]
table.insert(log, "diagnostic: " .. flagged.message)
vim.api.nvim_win_set_cursor(0, { flagged.lnum + 1, 0 })
pick("^Repair tool: ")
vim.lsp.buf.code_action()
wait_for_command(4, "repairing the tool")
table.insert(log, "repaired: " .. tostring(done[4].result.repaired) .. " version " .. tostring(done[4].result.version))
wait(function() return #vim.diagnostic.get(toml) == 0 end, "the diagnostic to go")
table.insert(log, "diagnostics after the repair: " .. #vim.diagnostic.get(toml))

vim.fn.writefile(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), out)
vim.fn.writefile(log, out .. ".log")
vim.lsp.stop_client(client_id)
vim.wait(10000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 50)
vim.cmd("qa!")
