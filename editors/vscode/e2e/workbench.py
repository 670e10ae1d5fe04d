"""The VS Code workbench as a person uses it, through Playwright: the palette, quick picks and
input boxes, notifications and their buttons, the status bar, the LATM Toolbox view, editors,
the Problems panel and the Output channel.

Every wait is for a state on screen, with a timeout generous enough for a loaded machine; no
step sleeps for timing. Locators are the workbench's own DOM classes and ARIA labels (VS Code
1.100, as code-server 4.100.3 ships it).
"""

from __future__ import annotations

import contextlib
import re
import shutil
import time
from pathlib import Path
from typing import Callable, Iterator, Optional, Pattern, TypeVar, Union

from playwright.sync_api import Locator, Page, expect

WAIT_MS = 60_000  # a state that needs the server (a listing, a solve) on a loaded machine
SLOW_MS = 240_000  # a make or a verify in the Docker sandbox, an install
UI_MS = 20_000  # a widget the workbench draws by itself
POLL_S = 0.1  # how often wait_until looks again
TYPED = "qzxjv"  # typed into a document that must refuse it
Text = Union[str, Pattern[str]]
T = TypeVar("T")

STATUS_ITEM = "[id='latm.latm.latm.status']"
TOOLBOX_PANE = ".pane:has(.pane-header[aria-label='LATM Toolbox Section'])"

# Records every text the LATM status bar item and the notification toasts showed, so a test can
# ask what flashed by (a "0 tools" before the real count, a progress stage) after the fact.
RECORDER = """
window.__latm = { status: [], toasts: [] };
new MutationObserver(() => {
  const item = document.querySelector("[id='latm.latm.latm.status']");
  const text = item ? item.innerText.trim() : "";
  const seen = window.__latm.status;
  if (text && seen[seen.length - 1] !== text) seen.push(text);
  for (const toast of document.querySelectorAll(".notifications-toasts .notification-list-item")) {
    const words = toast.innerText.trim();
    if (words && !window.__latm.toasts.includes(words)) window.__latm.toasts.push(words);
  }
}).observe(document, { subtree: true, childList: true, characterData: true });
"""


def _exact(text: str) -> Pattern[str]:
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


class Workbench:
    def __init__(self, page: Page, artifacts: Path, name: str) -> None:
        self.page = page
        self.artifacts = artifacts
        self.name = name  # prefix of this run's screenshots

    # Steps: each failing one leaves a screenshot (and the caller's logs) in the artifacts folder.

    @contextlib.contextmanager
    def step(self, what: str) -> Iterator[None]:
        try:
            yield
        except BaseException:
            self.screenshot(what)
            with contextlib.suppress(Exception):  # close what the step left open, for the next test
                for _ in range(3):
                    self.page.keyboard.press("Escape")
            raise

    def screenshot(self, what: str) -> Path:
        slug = re.sub(r"[^a-z0-9]+", "-", f"{self.name} {what}".lower()).strip("-")
        path = self.artifacts / f"{slug}.png"
        self.artifacts.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(Exception):  # a crashed page still lets the test report its error
            self.page.screenshot(path=str(path), timeout=UI_MS)
        return path

    # The palette, quick picks and input boxes.

    @property
    def quick_input(self) -> Locator:
        return self.page.locator(".quick-input-widget")

    def _quick_input_box(self) -> Locator:
        return self.quick_input.locator("input.input").first

    def quick_pick_row(self, label: Text) -> Locator:
        pattern = _exact(label) if isinstance(label, str) else label
        return self.quick_input.locator(".quick-input-list .monaco-list-row").filter(
            has=self.page.locator(".label-name", has_text=pattern))

    def open_palette(self, text: str) -> None:
        self.page.keyboard.press("F1")
        box = self._quick_input_box()
        expect(box).to_be_visible(timeout=UI_MS)
        box.fill(f">{text}")

    def expect_palette(self, text: str, offered: tuple[str, ...] = (), not_offered: tuple[str, ...] = ()) -> None:
        """The palette, filtered by ``text``, lists every command of ``offered`` and, once those are
        there (the filter has run), none of ``not_offered``; then it is closed again."""
        self.open_palette(text)
        for title in offered:
            expect(self.quick_pick_row(title)).to_have_count(1, timeout=UI_MS)
        for title in not_offered:
            expect(self.quick_pick_row(title)).to_have_count(0)
        self.page.keyboard.press("Escape")
        expect(self.quick_input).to_be_hidden(timeout=UI_MS)

    def run_command(self, title: str) -> None:
        self.open_palette(title)
        row = self.quick_pick_row(title)
        expect(row).to_have_count(1, timeout=UI_MS)
        row.click()

    def pick(self, label: Text, timeout: int = WAIT_MS) -> None:
        row = self.quick_pick_row(label)
        expect(row.first).to_be_visible(timeout=timeout)
        row.first.click()

    def input_value(self) -> str:
        box = self._quick_input_box()
        expect(box).to_be_visible(timeout=WAIT_MS)
        return box.input_value()

    def answer_input(self, text: Optional[str] = None) -> None:
        """Type ``text`` into the open input box (None: keep its value) and press Enter."""
        box = self._quick_input_box()
        expect(box).to_be_visible(timeout=WAIT_MS)
        if text is not None:
            box.fill(text)
        box.press("Enter")

    # Notifications.

    def notification(self, text: Text) -> Locator:
        """A notification toast whose message matches ``text``."""
        return self.page.locator(".notifications-toasts .notification-list-item").filter(
            has=self.page.locator(".notification-list-item-message", has_text=text))

    def wait_notification(self, text: Text, timeout: int = WAIT_MS) -> Locator:
        toast = self.notification(text)
        try:
            expect(toast.first).to_be_visible(timeout=timeout)
        except AssertionError as error:
            # A toast hides itself 15-20 s after it showed (in a focused window): say what was shown.
            shown = "\n".join(f"  - {' / '.join(t.split(chr(10)))}" for t in self.recorded("toasts"))
            raise AssertionError(f"{error}\nToasts shown since the page opened:\n{shown or '  (none)'}") from None
        return toast.first

    def recorded(self, what: str) -> list[str]:
        """What the page's RECORDER saw: "status" texts or "toasts"."""
        return self.page.evaluate(f"window.__latm.{what}")

    def click_button(self, toast: Locator, label: str) -> None:
        button = toast.locator(".monaco-button", has_text=_exact(label))
        toast.hover()
        expect(button.first).to_be_visible(timeout=UI_MS)
        button.first.click()

    @contextlib.contextmanager
    def centre(self) -> Iterator[Locator]:
        """The notification centre, open: it keeps every notification, toasts that hid themselves included."""
        self.run_command("Notifications: Show Notifications")
        centre = self.page.locator(".notifications-center")
        expect(centre).to_be_visible(timeout=UI_MS)
        try:
            yield centre
        finally:
            self.run_command("Notifications: Hide Notifications")

    def centre_messages(self) -> list[str]:
        """Every message in the notification centre."""
        with self.centre() as centre:
            return centre.locator(".notification-list-item-message").all_inner_texts()

    def clear_notifications(self) -> None:
        self.run_command("Notifications: Clear All Notifications")
        expect(self.page.locator(".notifications-toasts .notification-list-item")).to_have_count(0, timeout=UI_MS)

    def dialog(self) -> Locator:
        return self.page.locator(".monaco-dialog-box")

    def dialog_button(self, label: str) -> None:
        button = self.dialog().locator(".monaco-button", has_text=_exact(label))
        expect(button.first).to_be_visible(timeout=WAIT_MS)
        button.first.click()

    # Status bar.

    @property
    def status(self) -> Locator:
        return self.page.locator(STATUS_ITEM)

    def expect_status(self, text: str, timeout: int = WAIT_MS) -> None:
        """The status bar item says exactly ``text`` (its icon is not text)."""
        expect(self.status).to_have_text(_exact(text), timeout=timeout)

    # The LATM Toolbox view.

    def show_toolbox(self) -> None:
        """Reveal the view as it is: "LATM: Show Toolbox" would also ask the server for the list."""
        self.run_command("Explorer: Focus on LATM Toolbox View")
        expect(self.page.locator(TOOLBOX_PANE)).to_be_visible(timeout=UI_MS)

    def tool_row(self, name: str) -> Locator:
        return self.page.locator(f"{TOOLBOX_PANE} .monaco-list-row").filter(
            has=self.page.locator(".label-name", has_text=_exact(name)))

    def tool_description(self, name: str) -> Locator:
        return self.tool_row(name).locator(".label-description")

    def tool_button(self, name: str, label: str) -> None:
        row = self.tool_row(name)
        expect(row).to_be_visible(timeout=WAIT_MS)
        row.hover()
        button = row.locator(f".actions .action-label[aria-label='{label}']")
        expect(button).to_be_visible(timeout=UI_MS)
        button.click()

    # Editors.

    def open_file(self, relative: str) -> None:
        self.page.keyboard.press("Control+p")
        box = self._quick_input_box()
        expect(box).to_be_visible(timeout=UI_MS)
        box.fill(relative)
        self.pick(Path(relative).name, timeout=UI_MS)
        expect(self.active_tab).to_contain_text(Path(relative).name, timeout=UI_MS)

    @property
    def active_tab(self) -> Locator:
        return self.page.locator(".tabs-container .tab.active")

    @property
    def editor_lines(self) -> Locator:
        return self.page.locator(".editor-group-container.active .monaco-editor .view-lines").first

    def expect_editor_text(self, text: Text, timeout: int = WAIT_MS) -> None:
        expect(self.editor_lines).to_contain_text(text, timeout=timeout)

    def editor_text(self) -> str:
        return self.editor_lines.inner_text().replace("\u00a0", " ")

    def go_to_line(self, line: int) -> None:
        """The cursor to the start of ``line`` (the palette's ":" mode)."""
        self.page.keyboard.press("F1")
        box = self._quick_input_box()
        expect(box).to_be_visible(timeout=UI_MS)
        box.fill(f":{line}")
        box.press("Enter")
        expect(self.quick_input).to_be_hidden(timeout=UI_MS)
        expect(self.page.locator(".statusbar-item[id='status.editor.selection']")).to_have_text(
            re.compile(rf"Ln {line}, Col \d+"), timeout=UI_MS)

    def select_lines(self, first: int, last: int) -> None:
        """Lines ``first``..``last`` (1-based), whole: a click on the first line number and a
        shift-click on the last, as with the mouse."""
        numbers = self.page.locator(".editor-group-container.active .monaco-editor .margin-view-overlays .line-numbers")
        numbers.filter(has_text=_exact(str(first))).click()
        numbers.filter(has_text=_exact(str(last))).click(modifiers=["Shift"])
        expect(self.page.locator(".statusbar-item[id='status.editor.selection']")).to_have_text(
            re.compile(rf"Ln {last + 1}, Col 1 \(\d+ selected\)"), timeout=UI_MS)

    def light_bulb_action(self, title: str) -> None:
        """Click the light bulb at the cursor, then choose the code action ``title`` (with the
        keyboard: the menu blocks the pointer until the mouse moves)."""
        bulb = self.page.locator(".editor-group-container.active .lightBulbWidget")
        expect(bulb).to_be_visible(timeout=WAIT_MS)
        bulb.click()
        rows = self.page.locator(".action-widget .monaco-list-row.action")
        expect(rows.filter(has_text=title).first).to_be_visible(timeout=WAIT_MS)
        focused = self.page.locator(".action-widget .monaco-list-row.focused")
        for _ in range(rows.count()):
            if focused.get_attribute("aria-label") == title:
                break
            self.page.keyboard.press("ArrowDown")
        expect(focused).to_have_attribute("aria-label", title)
        self.page.keyboard.press("Enter")
        expect(self.page.locator(".action-widget")).to_be_hidden(timeout=UI_MS)

    def close_editor(self) -> None:
        self.run_command("View: Close Editor")

    def check_read_only(self, name: str, text: str) -> None:
        """The document ``name`` is open showing ``text``, refuses typing and closes without
        asking to save (an Untitled document would be dirty from the start)."""
        expect(self.active_tab).to_contain_text(name, timeout=WAIT_MS)
        self.expect_editor_text(text)
        label = self.active_tab.get_attribute("aria-label") or ""
        expect(self.active_tab).not_to_have_class(re.compile(r"\bdirty\b"))
        self.editor_lines.click()
        expect(self.page.locator(".editor-group-container.active .monaco-editor textarea.inputarea")).to_be_focused()
        self.page.keyboard.type(TYPED)
        expect(self.page.locator(".monaco-editor-overlaymessage")).to_contain_text("read-only", timeout=UI_MS)
        expect(self.active_tab).not_to_have_class(re.compile(r"\bdirty\b"))
        expect(self.editor_lines).not_to_contain_text(TYPED)
        self.close_editor()
        expect(self.page.locator(f".tabs-container .tab[aria-label='{label}']")).to_have_count(0, timeout=UI_MS)
        expect(self.dialog()).to_have_count(0)

    # Settings.

    def change_setting(self, key: str, value: str) -> None:
        """Type ``value`` into setting ``key`` in the Settings editor (user scope)."""
        self.run_command("Preferences: Open User Settings")
        search = self.page.locator(".settings-editor .settings-header textarea[aria-label='Search settings']")
        expect(search).to_be_visible(timeout=UI_MS)
        search.focus()
        self.page.keyboard.type(key)
        field = self.page.locator(f".settings-editor input[aria-label='{key}']")
        expect(field).to_be_visible(timeout=UI_MS)
        field.fill(value)
        field.press("Enter")
        self.close_editor()

    # Panels.

    def problems(self) -> Locator:
        self.run_command("View: Focus Problems (Errors, Warnings, Infos)")
        panel = self.page.locator(".markers-panel")
        expect(panel).to_be_visible(timeout=UI_MS)
        return panel.locator(".monaco-list-row")

    def show_output(self, channel: str = "LATM") -> Locator:
        """The Output panel showing ``channel`` (its last lines are on screen); returns its lines."""
        self.run_command("Output: Show Output Channels...")
        self.pick(channel, timeout=UI_MS)
        lines = self.page.locator(".part.panel .monaco-editor .view-lines").first
        expect(lines).to_be_visible(timeout=UI_MS)
        return lines


def wait_until(probe: Callable[[], T], timeout_ms: int, what: str) -> T:
    """Poll ``probe`` until it returns something true (a state outside the page: a file, a
    process, a request the model server saw); fail after ``timeout_ms`` naming ``what``."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_ms / 1000:g} s waiting for {what}")
        time.sleep(POLL_S)


def keep_file(source: Optional[Path], artifacts: Path, name: str) -> None:
    """Copy a log into the artifacts folder (nothing if it does not exist)."""
    if source is not None and source.exists():
        artifacts.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, artifacts / name)
