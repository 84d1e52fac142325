"""Helpers of the browser tests: an actor (one user in their own browser context), screenshots
named by step, page weight read from the browser's own resource timing, and axe-core."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tests.factories import PASSWORD

# Bytes over the wire for a page and everything it loads (0 for what came from the cache).
TRANSFERRED = """() => performance.getEntriesByType('navigation')
    .concat(performance.getEntriesByType('resource'))
    .reduce((sum, entry) => sum + entry.transferSize, 0)"""
SERIOUS = {"serious", "critical"}


@dataclass
class Journey:
    """What a journey collects on its way: screenshots, weights, accessibility findings."""

    artifacts: Path
    axe_source: str
    steps: int = 0
    weights: dict[str, tuple[int, int]] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)

    def shoot(self, page, name: str, within: str | None = None) -> None:
        """A screenshot of the step, and axe-core's verdict on the page it shows (or on the part
        of it matching the CSS selector `within`)."""
        self.check_accessibility(page, name, within)
        self.steps += 1
        self.artifacts.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(self.artifacts / f"{self.steps:02d}-{name}.png"), full_page=True)

    def check_accessibility(self, page, name: str, within: str | None = None) -> None:
        """axe-core's verdict on the page as it is (or on the part matching `within`); serious
        or critical findings are kept."""
        page.evaluate(self.axe_source)  # through the DevTools protocol: the page's CSP stands
        found = page.evaluate(
            "async (within) => (await axe.run(within || document,"
            " {resultTypes: ['violations']})).violations"
            ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))",
            within,
        )
        for violation in found:
            if violation["impact"] in SERIOUS:
                self.violations.append(
                    f"{name}: {violation['id']} ({violation['impact']}) {violation['help']} "
                    f"at {violation['targets']}"
                )

    def weigh(self, actor: Actor, path: str, name: str) -> None:
        """The page's weight with an empty cache, then on a repeat visit."""
        session = actor.context.new_cdp_session(actor.page)
        session.send("Network.clearBrowserCache")
        actor.open(path)
        first = actor.page.evaluate(TRANSFERRED)
        actor.open(path)
        repeat = actor.page.evaluate(TRANSFERRED)
        self.weights[name] = (first, repeat)


@dataclass
class Actor:
    """One user at their own browser (a context of its own: cookies, cache)."""

    base: str
    context: object
    page: object

    def open(self, path: str) -> None:
        self.page.goto(self.base + path)

    def log_in(self, username: str, language: str, journey: Journey) -> None:
        self.open("/login")
        if language != "en":  # chosen on the login page, kept as the user's language after
            with self.page.expect_navigation():
                self.page.click(f"button[name=language][value={language}]")
        journey.shoot(self.page, f"login-{username}")
        self.page.fill("#username", username)
        self.page.fill("#password", PASSWORD)
        with self.page.expect_navigation():
            self.page.click("form:has(#password) button[type=submit]")

    def flash(self) -> str:
        return " ".join(self.page.locator(".flash").all_inner_texts())
