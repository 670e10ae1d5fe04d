-- Neovim (0.7+) as a real LSP client of `latm serve`: open a markdown note, make a tool through
-- the code-action menu, then solve a question the same way, and write the buffer back.
-- Run by tests/lsp/test_neovim.py; inputs come from NVIMTEST_* environment variables.

local root = os.getenv("NVIMTEST_ROOT")
local note = os.getenv("NVIMTEST_NOTE")
local out = os.getenv("NVIMTEST_OUT")
local python = os.getenv("NVIMTEST_PYTHON")
local last_example = tonumber(os.getenv("NVIMTEST_LAST_EXAMPLE_LINE"))
local question_line = tonumber(os.getenv("NVIMTEST_QUESTION_LINE"))

local seen = {}      -- code-action titles offered
local done = {}      -- workspace/executeCommand replies
local problems = {}  -- error notifications

local said = {}     -- every notification, for the failure message
vim.notify = function(message, level)
  table.insert(said, message)
  if level and level >= vim.log.levels.WARN then
    table.insert(problems, message)
  end
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
  local ok = vim.wait(tonumber(os.getenv("NVIMTEST_WAIT_MS") or "180000"), function() return #done >= count or #problems > 0 end, 50)
  if not ok or #problems > 0 then
    error(what .. " did not finish: " .. table.concat(said, "; ") .. " (menu: " .. table.concat(seen, " | ") .. ")")
  end
  if done[count].err then
    error(what .. " failed: " .. vim.inspect(done[count].err))
  end
end

vim.cmd("edit " .. vim.fn.fnameescape(note))
local bufnr = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start_client({
  name = "latm",
  cmd = { python, "-m", "latm", "serve", "--root", root },
  root_dir = root,
  settings = { latm = { insert = "answer" } },
})
assert(client_id, "the latm server did not start")
vim.lsp.buf_attach_client(bufnr, client_id)
assert(vim.wait(180000, function()
  local client = vim.lsp.get_client_by_id(client_id)
  return client ~= nil and client.initialized
end, 50), "latm did not initialize")

-- 1. Select the examples, open the code-action menu, pick "Make tool from 6 examples".
pick("^Make tool from 6 examples$")
vim.lsp.buf.range_code_action({ diagnostics = {} }, { 3, 0 }, { last_example + 1, 0 })
wait_for_command(1, "making the tool")

-- 2. Cursor on the question, menu again, pick "Solve with tool: ...": the server edits the buffer.
vim.api.nvim_win_set_cursor(0, { question_line, 0 })
pick("^Solve with tool: ")
vim.lsp.buf.code_action({ diagnostics = {} })
wait_for_command(2, "solving the question")
assert(vim.wait(60000, function()
  return vim.api.nvim_buf_line_count(bufnr) > question_line
end, 50), "no answer line appeared")

vim.fn.writefile(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), out)
vim.fn.writefile(seen, out .. ".titles")
vim.lsp.stop_client(client_id)
vim.wait(10000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 50)
vim.cmd("qa!")
