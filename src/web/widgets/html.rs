//! Read-only parts of pages written as HTML text and set with `inner_html`: the quests pages'
//! cards, list rows, thread, key/value views, log history and timeline, the dashboard's
//! charts ([`super::charts`]), and the rows of the agent and routing pages' tables
//! ([`super::table_parts`]). One string-building function per part instead of a typed view
//! tree per element keeps the app's wasm small (typed views cost several times more here) and
//! draws much faster: the browser parses the text at once where a view tree makes one call per
//! element and attribute (a dashboard at a million tool calls has ~2,500 chart elements). Links
//! are plain `#…` anchors (the app follows the address), and every text and attribute value goes
//! through [`esc`].

use std::fmt::Write;

/// `text` with `& < > " '` escaped: safe inside an element and inside a quoted attribute.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An HTML text being written.
#[derive(Default)]
pub struct Html(String);

impl Html {
    pub fn new() -> Self {
        Html(String::new())
    }

    /// `<tag a="v" …>`; attributes with a `None` value are left out.
    pub fn open(&mut self, tag: &str, attrs: &[(&str, Option<&str>)]) -> &mut Self {
        let _ = write!(self.0, "<{tag}");
        for (name, value) in attrs {
            if let Some(value) = value {
                let _ = write!(self.0, " {name}=\"{}\"", esc(value));
            }
        }
        self.0.push('>');
        self
    }

    /// `</tag>`.
    pub fn close(&mut self, tag: &str) -> &mut Self {
        let _ = write!(self.0, "</{tag}>");
        self
    }

    /// Escaped text.
    pub fn text(&mut self, text: &str) -> &mut Self {
        self.0.push_str(&esc(text));
        self
    }

    /// `<tag attrs>text</tag>`.
    pub fn elem(&mut self, tag: &str, attrs: &[(&str, Option<&str>)], text: &str) -> &mut Self {
        self.open(tag, attrs).text(text).close(tag)
    }

    pub fn finish(self) -> String {
        self.0
    }
}

/// Keeps `el`'s HTML equal to `html` (an Effect), keeping the keyboard focus across each
/// rewrite: when the focused element is inside `el`, the element of the new HTML with the same
/// tag, the same `class` and the same values of the attributes `keys` (e.g. `data-quest-id`)
/// gets the focus back. For HTML text redrawn while a person may be on it (the quest board's
/// cards and the quest list's rows redraw when the "as of" instant arrives, and the whole board
/// when a column shows more; a part of a table drawn in parts as rows are added to it).
pub fn bind_html_keeping_focus<E>(
    el: leptos::prelude::NodeRef<E>,
    html: leptos::prelude::Memo<String>,
    keys: &'static [&'static str],
) where
    E: leptos::html::ElementType + 'static,
    E::Output: AsRef<web_sys::Element> + wasm_bindgen::JsCast + Clone + 'static,
{
    use leptos::prelude::{Effect, Get};
    Effect::new(move |_| {
        let html = html.get();
        if let Some(el) = el.get() {
            set_html_keeping_focus(el.as_ref(), &html, keys);
        }
    });
}

fn set_html_keeping_focus(el: &web_sys::Element, html: &str, keys: &[&str]) {
    use wasm_bindgen::JsCast;
    // The focused element's tag, class and `keys`' values (attributes compared, not a CSS
    // selector: the values are the file's texts).
    let identity = |e: &web_sys::Element| {
        (e.tag_name(), e.get_attribute("class"), keys.iter().map(|k| e.get_attribute(k)).collect::<Vec<_>>())
    };
    let focused = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
        .filter(|a| el.contains(Some(a)))
        .map(|a| identity(&a));
    el.set_inner_html(html);
    let Some(focused) = focused else { return };
    let same_tag = el.get_elements_by_tag_name(&focused.0);
    let again = (0..same_tag.length())
        .filter_map(|i| same_tag.item(i)?.dyn_into::<web_sys::HtmlElement>().ok())
        .find(|e| identity(e) == focused);
    if let Some(again) = again {
        let _ = again.focus();
    }
}
