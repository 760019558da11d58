//! Forum posts' markdown, rendered to HTML that is safe to show as it is:
//! CommonMark (pulldown-cmark, with tables and strikethrough) in which raw
//! HTML is never passed through but shown as text (escaped), and links and
//! images keep only http, https, mailto and relative URLs. A link or image
//! with any other scheme (`javascript:`, `data:`, `vbscript:`, …) loses its
//! URL and keeps its text. Every text and attribute is escaped by the
//! renderer, so what remains can only be the tags markdown itself makes.

use pulldown_cmark::{html, CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// The schemes a link or an image may have; relative URLs have none.
const ALLOWED_SCHEMES: [&str; 3] = ["http", "https", "mailto"];

/// The markdown as safe HTML.
pub fn render(markdown: &str) -> String {
    let mut kept = Vec::new();
    let events = Parser::new_ext(markdown, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH)
        .filter_map(|event| made_safe(event, &mut kept));
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut html, events);
    html
}

/// An event as it may be rendered, or none. `kept` holds, for each link or
/// image open, whether it was kept, so its end goes the same way.
fn made_safe<'a>(event: Event<'a>, kept: &mut Vec<bool>) -> Option<Event<'a>> {
    match event {
        // Raw HTML is shown as what it is: text, escaped when rendered.
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::HtmlBlock) => Some(Event::Start(Tag::CodeBlock(CodeBlockKind::Indented))),
        Event::End(TagEnd::HtmlBlock) => Some(Event::End(TagEnd::CodeBlock)),
        Event::Start(Tag::Link { ref dest_url, .. } | Tag::Image { ref dest_url, .. }) => {
            let allowed = is_allowed_url(dest_url);
            kept.push(allowed);
            allowed.then_some(event)
        }
        Event::End(TagEnd::Link | TagEnd::Image) => kept.pop().unwrap_or(false).then_some(event),
        other => Some(other),
    }
}

/// Whether a link's or image's URL (as the parser decoded it, character
/// references included) has an allowed scheme or none. It is read the way a
/// browser reads it: spaces and control characters around it are ignored,
/// and so are tabs and line breaks anywhere (`java\tscript:` is `javascript:`).
pub fn is_allowed_url(url: &str) -> bool {
    let url: String = url
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    scheme(&url).is_none_or(|scheme| {
        ALLOWED_SCHEMES
            .iter()
            .any(|allowed| scheme.eq_ignore_ascii_case(allowed))
    })
}

/// The URL's scheme: a letter, then letters, digits, `+`, `-` or `.`, up
/// to the first `:`, with no `/`, `?` or `#` before it. Anything else is a
/// relative URL to a browser.
fn scheme(url: &str) -> Option<&str> {
    let end = url.find([':', '/', '?', '#'])?;
    let candidate = &url[..end];
    let valid = url[end..].starts_with(':')
        && candidate.starts_with(|c: char| c.is_ascii_alphabetic())
        && candidate
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then_some(candidate)
}

#[cfg(test)]
mod tests;
