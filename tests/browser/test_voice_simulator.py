"""The voice simulator on a phone: in a call, the key field, "Press", "Say nothing" and
the way back all fit 320 pixels in every language, and the phone offers its number
pad for the key."""

import pytest

pytestmark = pytest.mark.browser


def test_the_voice_simulator_is_usable_at_320_pixels(chromium, live_server, demo_site, shot):
    too_wide = []
    for language in ("en", "fr", "ru", "ky"):
        context = chromium.new_context(viewport={"width": 320, "height": 700}, is_mobile=True)
        context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "operator")
        page.fill("#id_password", "operator-demo")
        page.locator("main button[type=submit]").click()
        page.wait_for_load_state()
        page.goto(f"{live_server.url}/simulator/voice/")
        page.locator("main button[type=submit]").click()  # call
        page.wait_for_load_state()
        key = page.locator("#id_key")
        assert key.get_attribute("inputmode") == "tel"  # a keypad with * and #
        key.fill("x")  # a letter: the browser refuses it before it is sent
        assert key.evaluate("input => !input.checkValidity()"), language
        page.locator("main button[value=silence]").click()  # nothing pressed
        page.wait_for_load_state()
        assert page.locator("#id_key").is_visible()
        shot(page, f"voice-simulator-in-a-call-{language}-320px")
        for control in ("#id_key", "main button[value=press]", "main button[value=silence]"):
            box = page.locator(control).bounding_box()
            assert box is not None and box["x"] + box["width"] <= 320, (language, control)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            too_wide.append((language, width))
        context.close()
    assert not too_wide, too_wide
