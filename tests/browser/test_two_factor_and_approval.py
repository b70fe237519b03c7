"""Two-factor enrolment and a broadcast's approval, done in Chromium on a 320-pixel
phone as operators would: nothing sticks out sideways, and each step does what it says."""

import base64
import time

import pytest
from django_otp.oath import TOTP

from sms_gateway.backends import locmem
from sms_gateway.models import Broadcast
from tests.browser.test_dashboard import log_in
from tests.factories import BulletinFactory, SubscriberFactory, SubscriptionFactory, operator

pytestmark = pytest.mark.browser


def phone(chromium):
    context = chromium.new_context(viewport={"width": 320, "height": 640}, is_mobile=True)
    return context, context.new_page()


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth") <= 320


#: Where each character of the set-up key is drawn, and what selecting it copies.
SECRET_LAYOUT = """() => {
  const code = document.querySelector("code.secret");
  const range = document.createRange();
  const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
  const chars = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const box = range.getBoundingClientRect();
      chars.push({ch: node.data[i], top: Math.round(box.top), left: box.left, right: box.right});
    }
  }
  const selection = window.getSelection();
  selection.removeAllRanges();
  range.selectNodeContents(code);
  selection.addRange(range);
  return {chars, copied: selection.toString()};
}"""


def test_an_operator_enrols_a_second_factor_on_a_phone(
    chromium, live_server, prices, settings, shot
):
    settings.REQUIRE_TWO_FACTOR = True
    context, page = phone(chromium)
    log_in(page, live_server.url, "olga")
    page.goto(live_server.url + "/review/")
    assert "/accounts/two-factor/setup/" in page.url
    assert page.locator("figure.qr svg").count() == 1
    shot(page, "two-factor-setup-320px")
    assert fits(page)
    # The key to type, when the code cannot be scanned: in blocks of four, no block cut
    # across two lines, and copied as the bare key every authenticator app takes.
    drawn = page.evaluate(SECRET_LAYOUT)
    letters = [c for c in drawn["chars"] if not c["ch"].isspace()]
    blocks = [letters[i : i + 4] for i in range(0, len(letters), 4)]
    assert len(blocks) >= 8 and all(len(b) == 4 for b in blocks)
    for block in blocks:
        assert len({c["top"] for c in block}) == 1, [c["ch"] for c in block]
        assert block[-1]["right"] <= 320
    for before, after in zip(blocks, blocks[1:], strict=False):
        if before[0]["top"] == after[0]["top"]:  # a gap a reader sees between blocks
            assert after[0]["left"] - before[-1]["right"] >= 4
    assert len({c["top"] for c in letters}) > 1  # at 320 px the key takes two lines
    secret = drawn["copied"]
    assert secret == "".join(c["ch"] for c in letters)
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.fill("#id_code", "000000")
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()
    assert "Wrong code" in page.inner_text("main")
    time.sleep(1.1)  # django-otp's pause after a wrong code
    page.fill("#id_code", f"{TOTP(key).token():06d}")
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()
    codes = page.locator("ol.recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    shot(page, "recovery-codes-320px")
    assert fits(page)
    page.get_by_role("link", name="I have kept them: continue").click()
    page.wait_for_load_state()
    assert page.url.endswith("/review/")
    assert "the recent median at Osh" in page.inner_text("main")
    context.close()


def test_a_second_operator_approves_a_large_broadcast_on_a_phone(
    chromium,
    live_server,
    prices,
    settings,
    shot,
):
    settings.BROADCAST_APPROVAL_MIN = 2
    settings.SMS_BACKEND = "sms_gateway.backends.locmem.LocmemBackend"
    locmem.outbox.clear()
    for n in range(3):
        SubscriptionFactory(
            subscriber=SubscriberFactory(phone=f"+99655540000{n}"),
            commodity=prices["potato"],
            market=prices["osh"],
        )
    bulletin = BulletinFactory(sms_summary="Locusts near Osh: report sightings.")
    bulletin.regions.set([prices["region"]])
    operator("bakyt")
    context, page = phone(chromium)
    log_in(page, live_server.url, "olga")
    page.goto(f"{live_server.url}/bulletins/{bulletin.pk}/publish/")
    page.check("#id_send_sms")
    page.locator("main").get_by_role("button", name="Publish").click()
    page.wait_for_load_state()
    assert "waits for another operator" in page.inner_text(".messages")
    assert page.get_by_role("button", name="Approve and send").count() == 0
    assert locmem.outbox == []
    context.close()

    context, page = phone(chromium)
    log_in(page, live_server.url, "bakyt")
    page.goto(live_server.url + "/broadcasts/")
    page.get_by_role("link", name="Locusts near Osh").click()
    page.wait_for_load_state()
    assert "3: 3 by SMS, 0 by WhatsApp" in page.inner_text("main")
    shot(page, "broadcast-approval-320px")
    assert fits(page)
    # The same page left open in a second tab, to press the button again from there.
    stale = context.new_page()
    stale.goto(page.url)
    page.get_by_role("button", name="Approve and send").click()
    page.wait_for_load_state()
    assert "Approved" in page.inner_text(".messages")
    assert Broadcast.objects.get().status == Broadcast.Status.APPROVED
    assert sorted(m["to"] for m in locmem.outbox) == [f"+99655540000{n}" for n in range(3)]
    stale.get_by_role("button", name="Approve and send").click()
    stale.wait_for_load_state()
    assert "nothing more was sent" in stale.inner_text(".messages")
    assert len(locmem.outbox) == 3
    context.close()
