use super::*;

/// Classic XSS payloads, in markdown and in raw HTML.
const PAYLOADS: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "<div onmouseover=\"alert(1)\">hover</div>\n\ntext",
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<body onload=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "text <b onclick=alert(1)>inline</b> html",
    "<!-- comment --><img src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](&#x6A;avascript&#x3A;alert(1))",
    "[click](javascript&colon;alert(1))",
    "[click](<java\tscript:alert(1)>)",
    "[click]( javascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x](javascript:alert(1))",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "[click][evil]\n\n[evil]: javascript:alert(1)",
    "[evil]\n\n[evil]: <javascript:alert(1)> \"title\"",
    "![img][pic]\n\n[pic]: data:image/png;base64,AAAA",
    "[click](http://ok.example \"\\\" onmouseover=alert(1) x=\\\"\")",
    "[x](http://ok.example/\"onmouseover=\"alert(1))",
    "![\" onerror=\"alert(1)](http://ok.example/a.png)",
    "[![x](javascript:alert(1))](http://ok.example)",
    "```\"><script>alert(1)</script>\ncode\n```",
    "| a |\n|---|\n| <script>alert(1)</script> |",
    "~~<img src=x onerror=alert(1)>~~",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<a href=\"http://ok.example\" onclick=\"alert(1)\">x</a>",
    "[a](file:///etc/passwd)",
];

/// The tags and attributes markdown makes; anything else in the output is
/// markup that came from the input.
const TAGS: &[&str] = &[
    "p",
    "a",
    "img",
    "em",
    "strong",
    "code",
    "pre",
    "ul",
    "ol",
    "li",
    "blockquote",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "br",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "del",
];
const ATTRIBUTES: &[&str] = &["href", "src", "alt", "title", "class", "start", "style"];

/// Every tag of the HTML with its attributes, read the way a browser's
/// tokenizer would (enough of it for rendered output).
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        let end = rest.find('>').expect("a closed tag");
        let inside = rest[..end].trim_start_matches('/').trim_end_matches('/');
        rest = &rest[end + 1..];
        let (name, mut attributes) = inside.split_once(' ').unwrap_or((inside, ""));
        let mut pairs = Vec::new();
        while let Some(eq) = attributes.find("=\"") {
            let attribute = attributes[..eq].trim().to_string();
            let value_end = attributes[eq + 2..].find('"').expect("a quoted value");
            pairs.push((attribute, attributes[eq + 2..eq + 2 + value_end].to_string()));
            attributes = &attributes[eq + 2 + value_end + 1..];
        }
        assert!(
            attributes.trim().is_empty(),
            "an attribute without a quoted value: {inside}"
        );
        found.push((name.to_ascii_lowercase(), pairs));
    }
    found
}

#[test]
fn classic_xss_payloads_leave_only_markdown_tags_and_safe_urls() {
    for payload in PAYLOADS {
        let html = render(payload);
        for (tag, attributes) in tags(&html) {
            assert!(TAGS.contains(&tag.as_str()), "{payload:?} made <{tag}>: {html}");
            for (name, value) in attributes {
                assert!(ATTRIBUTES.contains(&name.as_str()), "{payload:?} made {name}=: {html}");
                if name == "href" || name == "src" {
                    assert!(is_allowed_url(&value), "{payload:?} kept {value:?}: {html}");
                    assert!(!value.to_ascii_lowercase().contains("script:"), "{payload:?}: {html}");
                }
                if name == "style" {
                    assert!(tag == "th" || tag == "td", "{payload:?}: {html}");
                }
            }
        }
        let lower = html.to_ascii_lowercase();
        // In text these are escaped (`&lt;script`): found as such, they are tags.
        for marker in [
            "<script", "<svg", "<iframe", "<style", "<math", "<body", "<details", "<div",
        ] {
            assert!(!lower.contains(marker), "{payload:?} left {marker}: {html}");
        }
    }
}

#[test]
fn raw_html_is_shown_as_text() {
    assert_eq!(
        render("a <b onclick=alert(1)>bold</b> word"),
        "<p>a &lt;b onclick=alert(1)&gt;bold&lt;/b&gt; word</p>\n"
    );
    assert_eq!(
        render("<script>alert(1)</script>"),
        "<pre><code>&lt;script&gt;alert(1)&lt;/script&gt;</code></pre>\n"
    );
}

#[test]
fn a_refused_link_keeps_its_text_and_an_allowed_one_its_url() {
    assert_eq!(render("[click](javascript:alert(1))"), "<p>click</p>\n");
    assert_eq!(render("![logo](data:image/png;base64,AAAA)"), "<p>logo</p>\n");
    assert_eq!(
        render("[docs](https://example.com/a?b=1&c=2)"),
        "<p><a href=\"https://example.com/a?b=1&amp;c=2\">docs</a></p>\n"
    );
    assert_eq!(
        render("[home](/status/acme) and <ops@example.com>"),
        "<p><a href=\"/status/acme\">home</a> and <a href=\"mailto:ops@example.com\">ops@example.com</a></p>\n"
    );
}

#[test]
fn ordinary_markdown_renders() {
    assert_eq!(
        render("# Down?\n\n*Yes*, `curl` says **503**.\n\n- one\n- ~~two~~"),
        "<h1>Down?</h1>\n<p><em>Yes</em>, <code>curl</code> says <strong>503</strong>.</p>\n<ul>\n<li>one</li>\n<li><del>two</del></li>\n</ul>\n"
    );
}

#[test]
fn urls_are_judged_by_their_scheme_as_a_browser_reads_it() {
    let cases = [
        ("https://example.com", true),
        ("HTTP://example.com", true),
        ("mailto:ops@example.com", true),
        ("/relative/path", true),
        ("other:thing", false),
        ("./a:b", true),
        ("#anchor", true),
        ("//example.com/x", true),
        ("", true),
        ("javascript:alert(1)", false),
        ("  JavaScript:alert(1)", false),
        ("java\tscript:alert(1)", false),
        ("java\nscript:alert(1)", false),
        ("\u{1}javascript:alert(1)", false),
        ("data:text/html,x", false),
        ("vbscript:x", false),
        ("file:///etc/passwd", false),
        ("ftp://example.com", false),
    ];
    for (url, allowed) in cases {
        assert_eq!(is_allowed_url(url), allowed, "{url:?}");
    }
}
