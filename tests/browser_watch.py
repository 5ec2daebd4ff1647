"""Open the Confusion tab in Chromium with every dialog, page error, console error and HTTP error response
recorded, for the browser tests that assert none happened."""


def open_watched(browser, base_url, *, width=1400, height=1800, ready=".run-card .cell", timeout=30_000):
    """(page, panel frame locator, problems) once `ready` shows; problems: {"dialogs", "errors",
    "console", "responses"}, each a list the test checks (HTTP statuses >= 400 go to "responses")."""
    page = browser.new_page(viewport={"width": width, "height": height})
    problems = {"dialogs": [], "errors": [], "console": [], "responses": []}
    page.on("dialog", lambda dialog: (problems["dialogs"].append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: problems["errors"].append(str(error)))
    page.on("console", lambda message: message.type == "error" and problems["console"].append(message.text))
    page.on("response", lambda response: response.status >= 400 and problems["responses"].append(
        f"{response.status} {response.url}"))
    page.goto(base_url + "/#tb_confusion")
    panel = page.frame_locator("iframe")
    panel.locator(ready).first.wait_for(timeout=timeout)
    return page, panel, problems
