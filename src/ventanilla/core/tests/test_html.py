"""HTML from outside is sanitised: nothing executable, no remote images, inline images kept."""

from __future__ import annotations

import pytest

from ventanilla.core.html import html_to_text, sanitize_html


@pytest.mark.parametrize(
    "raw",
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.test/x.js></SCRIPT>",
        "<style>body{display:none}</style>",
        "<iframe src='https://evil.test'></iframe>",
        "<object data='x.swf'></object>",
        "<embed src='x.swf'>",
        "<form action='https://evil.test'><input name=p></form>",
        "<svg><script>alert(1)</script></svg>",
        "<math><mtext><script>alert(1)</script></mtext></math>",
        "<meta http-equiv='refresh' content='0;url=https://evil.test'>",
        "<base href='https://evil.test/'>",
        "<link rel=stylesheet href='https://evil.test/x.css'>",
    ],
)
def test_dangerous_elements_removed(raw):
    clean = sanitize_html(f"<p>before</p>{raw}<p>after</p>")
    lowered = clean.lower()
    for bad in (
        "<script",
        "<style",
        "<iframe",
        "<object",
        "<embed",
        "<form",
        "<svg",
        "<meta",
        "<base",
        "<link",
        "alert(",
        "evil.test",
    ):
        assert bad not in lowered, clean
    assert "<p>before</p>" in clean and "<p>after</p>" in clean


@pytest.mark.parametrize(
    "raw",
    [
        '<p onclick="alert(1)">x</p>',
        '<img src="cid:a" onerror="alert(1)">',
        '<a href="https://ok.test" onmouseover="alert(1)">x</a>',
        '<b ONLOAD="alert(1)">x</b>',
        '<p style="background:url(javascript:alert(1))">x</p>',
    ],
)
def test_event_handlers_and_styles_removed(raw):
    clean = sanitize_html(raw).lower()
    assert "alert" not in clean and " on" not in clean and "style" not in clean


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java&#09;script:alert(1)",
        "&#106;avascript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "DATA:text/html;base64,PHNjcmlwdD4=",
    ],
)
def test_script_urls_removed(href):
    clean = sanitize_html(f'<a href="{href}">click</a>')
    assert "href" not in clean and "click" in clean


def test_safe_links_kept_with_rel():
    clean = sanitize_html(
        '<a href="https://example.test/a?b=1" title="t">x</a><a href="mailto:a@b.test">m</a>'
    )
    assert 'href="https://example.test/a?b=1"' in clean and 'href="mailto:a@b.test"' in clean
    assert clean.count('rel="noopener noreferrer nofollow"') == 2


@pytest.mark.parametrize(
    "src",
    [
        "https://tracker.test/pixel.gif",
        "http://tracker.test/p.png",
        "//tracker.test/p.png",
        "/\\tracker.test/p.png",
        "ftp://tracker.test/p.png",
        "javascript:alert(1)",
        "data:text/html;base64,AAAA",
        " https://tracker.test/p",
    ],
)
def test_remote_and_script_images_removed(src):
    clean = sanitize_html(f'<p><img src="{src}" alt="pic"></p>')
    assert "src=" not in clean and "tracker" not in clean
    assert 'alt="pic"' in clean


@pytest.mark.parametrize(
    "src", ["cid:image001.png@01D9", "data:image/png;base64,iVBORw0KGgo=", "/media/logo.png"]
)
def test_inline_and_local_images_kept(src):
    assert f'src="{src}"' in sanitize_html(f'<img src="{src}" alt="x">')


def test_formatting_kept_and_comments_stripped():
    raw = (
        "<h2>Title</h2><!-- secret --><p><b>bold</b> <i>it</i> <code>x</code></p>"
        "<table><tr><td colspan='2'>c</td></tr></table><ul><li>one</li></ul>"
    )
    clean = sanitize_html(raw)
    assert "secret" not in clean
    for tag in ("<h2>", "<b>", "<i>", "<code>", 'colspan="2"', "<li>"):
        assert tag in clean


@pytest.mark.parametrize("empty", ["", None])
def test_empty_input(empty):
    assert sanitize_html(empty) == ""


def test_html_to_text():
    html = (
        "<h1>Hello</h1><p>First &amp; foremost</p><p>Line<br>break</p><ul><li>a</li><li>b</li></ul>"
        "<p></p><p></p><p></p><div>end &lt;tag&gt;</div>"
    )
    assert html_to_text(html) == "Hello\nFirst & foremost\nLine\nbreak\na\nb\n\nend <tag>"


def test_html_to_text_of_sanitised_script_has_no_code():
    assert html_to_text(sanitize_html("<p>Hi</p><script>alert('x')</script>")) == "Hi"
