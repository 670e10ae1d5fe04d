-- Shared by the headless Neovim scripts (nvim_*.lua): start latm on the note, pick code actions by
-- title, wait for the commands they run. `local nv = dofile(".../nvim_support.lua")`.

local M = {
  seen = {},  -- code-action titles offered
  done = {},  -- workspace/executeCommand replies
  said = {},  -- every notification, for the failure message
  problems = {},  -- notifications at warning level or above
}

vim.notify = function(message, level)
  table.insert(M.said, message)
  if level and level >= vim.log.levels.WARN then
    table.insert(M.problems, message)
  end
end

vim.lsp.handlers["workspace/executeCommand"] = function(err, result)
  table.insert(M.done, { err = err, result = result })
end

M.wait_ms = tonumber(os.getenv("NVIMTEST_WAIT_MS") or "180000")

-- The next code-action menu picks the first title matching `pattern`.
function M.pick(pattern)
  vim.ui.select = function(items, opts, on_choice)
    for _, item in ipairs(items) do
      local title = opts.format_item(item)
      table.insert(M.seen, title)
      if title:match(pattern) then
        return on_choice(item)
      end
    end
    error("no code action matching '" .. pattern .. "' among: " .. table.concat(M.seen, " | "))
  end
end

-- Wait until `count` commands answered (or, with `stop_on_problem`, a warning was shown).
function M.wait_for_command(count, what, stop_on_problem)
  local ok = vim.wait(M.wait_ms, function()
    return #M.done >= count or (stop_on_problem and #M.problems > 0)
  end, 50)
  if not ok or (stop_on_problem and #M.problems > 0) then
    error(what .. " did not finish: " .. table.concat(M.said, "; ") .. " (menu: " .. table.concat(M.seen, " | ") .. ")")
  end
  if M.done[count].err then
    error(what .. " failed: " .. vim.inspect(M.done[count].err))
  end
end

function M.wait(condition, what)
  if not vim.wait(M.wait_ms, condition, 50) then
    error("timed out waiting for " .. what .. ": " .. table.concat(M.said, "; "))
  end
end

-- Open `note`, start `python -m latm serve` on `root`, attach it; the client id.
function M.start(root, note, python)
  vim.cmd("edit " .. vim.fn.fnameescape(note))
  local client_id = vim.lsp.start_client({
    name = "latm",
    cmd = { python, "-m", "latm", "serve", "--root", root },
    root_dir = root,
    settings = { latm = { insert = "answer" } },
    flags = { debounce_text_changes = 0 },
  })
  assert(client_id, "the latm server did not start")
  vim.lsp.buf_attach_client(vim.api.nvim_get_current_buf(), client_id)
  M.wait(function()
    local client = vim.lsp.get_client_by_id(client_id)
    return client ~= nil and client.initialized
  end, "latm to initialize")
  return client_id
end

function M.stop(client_id)
  vim.lsp.stop_client(client_id)
  vim.wait(10000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 50)
  vim.cmd("qa!")
end

return M
