//! Shields-style SVG badges (`status | operational`), written by hand: the
//! format is a few lines of SVG and no crate makes it for wasm32.

/// Text width in pixels at 11 px Verdana, close enough for a badge.
fn text_width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            if c.is_ascii_uppercase() || c == 'm' || c == 'w' {
                9
            } else if "il.:|! ".contains(c) {
                4
            } else {
                7
            }
        })
        .sum()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The badge's colour for a status or an uptime.
pub fn color(message: &str) -> &'static str {
    match message {
        "operational" | "up" => "#2ea043",
        "degraded" => "#d29922",
        "major_outage" | "down" => "#cf222e",
        _ => "#6e7781",
    }
}

pub fn uptime_color(pct: Option<f64>) -> &'static str {
    match pct {
        Some(p) if p >= 99.9 => "#2ea043",
        Some(p) if p >= 99.0 => "#d29922",
        Some(_) => "#cf222e",
        None => "#6e7781",
    }
}

pub fn svg(label: &str, message: &str, color: &str) -> String {
    let (label, message) = (escape(label), escape(message));
    let (lw, mw) = (text_width(&label) + 12, text_width(&message) + 12);
    let width = lw + mw;
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" aria-label="{label}: {message}"><title>{label}: {message}</title><linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient><clipPath id="r"><rect width="{width}" height="20" rx="3" fill="#fff"/></clipPath><g clip-path="url(#r)"><rect width="{lw}" height="20" fill="#555"/><rect x="{lw}" width="{mw}" height="20" fill="{color}"/><rect width="{width}" height="20" fill="url(#s)"/></g><g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11"><text x="{lx}" y="14">{label}</text><text x="{mx}" y="14">{message}</text></g></svg>"##,
        lx = lw / 2,
        mx = lw + mw / 2,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_badge_names_its_label_and_message_and_escapes_them() {
        let badge = svg("api <prod>", "operational", color("operational"));
        assert!(badge.starts_with("<svg") && badge.ends_with("</svg>"));
        assert!(badge.contains("<title>api &lt;prod&gt;: operational</title>"));
        assert!(badge.contains("#2ea043"));
        assert_eq!(uptime_color(Some(99.5)), "#d29922");
        assert_eq!(color("unknown"), "#6e7781");
    }
}
