"""Every POST form carries a CSRF token bound to the session; without the right one: 403."""

import re

from .conftest import csrf_of

REJECTED = "缺少或错误的表单校验码"
FORM = re.compile(r'<form method="post"[^>]*>(\s*<input type="hidden" name="csrf_token")?')


def _forms_without_token(html: str) -> int:
    forms = FORM.findall(html)
    assert forms, html
    return sum(1 for token_input in forms if not token_input)


async def test_login_forms_need_the_pre_session_token(web):
    client = web.anonymous()
    page = await client.get("/login")
    assert _forms_without_token(page.text) == 0
    assert "shouwang_csrf=" in page.headers["set-cookie"]
    form = {"role": "county", "scope": "231226"}
    missing = await client.post("/login/dev", data=form)
    assert missing.status_code == 403 and REJECTED in missing.text
    assert "shouwang_token" not in missing.headers.get("set-cookie", "")
    wrong = await client.post("/login/dev", data={**form, "csrf_token": "0" * 64})
    assert wrong.status_code == 403 and REJECTED in wrong.text
    stranger = await web.anonymous().get("/login")  # another browser's token
    foreign = await client.post("/login/dev", data={**form, "csrf_token": csrf_of(stranger.text)})
    assert foreign.status_code == 403
    right = await client.post("/login/dev", data={**form, "csrf_token": csrf_of(page.text)})
    assert right.status_code == 303 and right.headers["location"].startswith("/county")


async def test_a_session_token_is_bound_to_that_session(web):
    county = await web.login("county", "231226")
    other = await web.login("township", "231226100")
    del county.headers["X-CSRF-Token"]  # from here on: the form field only
    page = await county.get("/county")
    assert page.status_code == 200 and _forms_without_token(page.text) == 0
    token = csrf_of(page.text)
    body = {"department": "water", "period": "2026-10", "until": "2026-11-30T18:00"}
    missing = await county.post("/county/extensions", data=body)
    assert missing.status_code == 403 and REJECTED in missing.text
    theirs = other.headers["X-CSRF-Token"]
    assert theirs != token
    foreign = await county.post("/county/extensions", data={**body, "csrf_token": theirs})
    assert foreign.status_code == 403 and REJECTED in foreign.text
    ok = await county.post("/county/extensions", data={**body, "csrf_token": token})
    assert ok.status_code == 303 and "ok=extended" in ok.headers["location"]
    out = await county.post("/logout")
    assert out.status_code == 403
    assert (await county.post("/logout", data={"csrf_token": token})).status_code == 303
