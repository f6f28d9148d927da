"""`page_clipped`, the check the walks make at each size (200 % zoom among them): it finds
what a person could not read, and lets pass what reflows or scrolls on purpose."""

from __future__ import annotations

from tests.browser.conftest import page_clipped

PAGE = """<!doctype html><html lang="en"><head><title>Clipped</title></head>
<body style="margin:0"><main><h1>A page</h1>{}</main></body></html>"""


def test_it_finds_sideways_scrolling_and_hidden_content(page):
    page.set_viewport_size({"width": 640, "height": 450})
    page.set_content(PAGE.format('<p style="width:900px">A line wider than the window</p>'))
    found = page_clipped(page)
    assert any("scrolls sideways" in line for line in found), found
    assert any(line.startswith("p reaches 900 px") for line in found), found
    page.set_content(
        PAGE.format(
            '<div class="card" style="width:200px;overflow:hidden;white-space:nowrap">'
            "A sentence much too long for its box, cut off at the edge</div>"
        )
    )
    found = page_clipped(page)
    assert any(line.startswith("div.card hides") for line in found), found


def test_it_lets_reflowing_and_scrolling_boxes_pass(page):
    page.set_viewport_size({"width": 640, "height": 450})
    page.set_content(
        PAGE.format(
            "<p>Words that wrap at any width, as they should.</p>"
            '<pre style="overflow-x:auto" tabindex="0">'
            + "code_that_scrolls_in_its_own_box "
            * 20
            + "</pre>"
            '<span style="position:absolute;width:1px;height:1px;overflow:hidden">'
            "Only for screen readers, and long enough to be cut</span>"
        )
    )
    assert page_clipped(page) == []
