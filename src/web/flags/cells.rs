//! The flag list's row elements written in place: the list's one row writer (`write_rows`)
//! writes each element's cells ([`RowCellsDom`]) and its classes, test hooks and checkbox
//! ([`RowFrameDom`]), each touching only what changed since its last write.
//!
//! A scroll or a jump rewrites the ~19 rows of the view in one frame. Written as a reactive
//! closure per cell and attribute (text, class, title, length, the time cell's four
//! attributes, the row's hooks), each row was ~25 reactive nodes to update, and each update
//! crossed to the DOM even when its value had not changed: the page's script was then ~6 ms of
//! a ~16 ms frame (issue 15's page goal). Then as memos and two effects per element: ~4.5 ms;
//! as one writer for the table: ~2.9 ms.

use flagdeck_core::flags::FlagRow;
use wasm_bindgen::JsCast;
use web_sys::{Element, Text};

use crate::web::flags::change_title;
use crate::web::platform::browser::set_or_remove_attribute;
use crate::web::widgets::group_digits;
use crate::web::widgets::time::TimeCellDom;

/// What the cells of a row show, as written: compared with the next row's before any write.
#[derive(PartialEq, Default)]
struct Written {
    id: String,
    impact: String,
    flag_type: String,
    source: String,
    target: String,
    change: String,
    title: String,
    length: usize,
    /// The badge's text when SQL cut the change to its prefix (`(N characters) `).
    badge: Option<String>,
    status: String,
}

impl Written {
    fn of(r: &FlagRow) -> Written {
        Written {
            id: format!("#{}", r.id),
            impact: r.impact_level.clone().unwrap_or_default(),
            flag_type: r.flag_type.clone(),
            source: r.source_agent.clone(),
            target: match r.target_agent.as_deref() {
                None | Some("") => "(broadcast)".to_owned(),
                Some(t) => t.to_owned(),
            },
            change: r.change_description.clone(),
            title: change_title(r),
            length: r.change_description_length,
            badge: r
                .change_description_is_cut()
                .then(|| format!("({} characters) ", group_digits(r.change_description_length as i64))),
            status: format!("{}{}", r.status.sql(), if r.locked { " · locked" } else { "" }),
        }
    }
}

/// The cells of one row element (the list's `ListRow`), bound once to its elements.
///
/// The element's structure, built by `ListRow`: `div.flag-row` > eight `span.td` cells: the id
/// (its checkbox first), the impact (`span.impact` inside), type, source, target, the change
/// (`title`, `data-length`; the length badge `span.len-badge` before its text when the text is
/// cut), status, created (the time cell's `span` inside).
pub(super) struct RowCellsDom {
    id: Text,
    impact: Element,
    impact_text: Text,
    flag_type: Text,
    source: Text,
    target: Text,
    change_cell: Element,
    change: Text,
    badge: Option<Element>,
    status: Text,
    created: TimeCellDom,
    written: Option<Written>,
}

impl RowCellsDom {
    /// Binds to `row` (see the structure above): appends a text node to each cell. `None` when
    /// an element is missing (a structure changed without this: a bug, warned of in the
    /// console by the list's `RowElement::bind`); the cells bound before it then keep an empty
    /// text node and nothing is written.
    pub(super) fn bind(row: &Element) -> Option<RowCellsDom> {
        let document = web_sys::window()?.document()?;
        let cells = row.children();
        let cell = |k: u32| cells.item(k);
        let text_in = |el: &Element| -> Option<Text> {
            let text = document.create_text_node("");
            el.append_child(&text).ok()?;
            Some(text)
        };
        let impact = cell(1)?.first_element_child()?;
        let change_cell = cell(5)?;
        Some(RowCellsDom {
            id: text_in(&cell(0)?)?,
            impact_text: text_in(&impact)?,
            impact,
            flag_type: text_in(&cell(2)?)?,
            source: text_in(&cell(3)?)?,
            target: text_in(&cell(4)?)?,
            change: text_in(&change_cell)?,
            change_cell,
            badge: None,
            status: text_in(&cell(6)?)?,
            created: TimeCellDom::bind(cell(7)?.first_element_child()?)?,
            written: None,
        })
    }

    /// Shows `r`: writes each value that differs from the one written last.
    pub(super) fn write(&mut self, r: &FlagRow) {
        let new = Written::of(r);
        // Attributes are written on the first write whatever their value.
        let first = self.written.is_none();
        let old = self.written.take().unwrap_or_default();
        let text = |node: &Text, new: &str, old: &str| {
            if new != old {
                node.set_data(new);
            }
        };
        text(&self.id, &new.id, &old.id);
        if first || new.impact != old.impact {
            let _ = self.impact.set_attribute("class", &format!("impact {}", new.impact));
        }
        text(&self.impact_text, &new.impact, &old.impact);
        text(&self.flag_type, &new.flag_type, &old.flag_type);
        text(&self.source, &new.source, &old.source);
        text(&self.target, &new.target, &old.target);
        text(&self.change, &new.change, &old.change);
        text(&self.status, &new.status, &old.status);
        if first || new.title != old.title {
            let _ = self.change_cell.set_attribute("title", &new.title);
        }
        if first || new.length != old.length {
            let _ = self.change_cell.set_attribute("data-length", &new.length.to_string());
        }
        if new.badge != old.badge {
            self.write_badge(new.badge.as_deref());
        }
        self.created.write(&r.created_at);
        self.written = Some(new);
    }

    /// The length badge before the change's text: added, changed or removed.
    fn write_badge(&mut self, badge: Option<&str>) {
        match (badge, &self.badge) {
            (Some(t), Some(el)) => el.set_text_content(Some(t)),
            (Some(t), None) => {
                let Some(el) = self.change_cell.owner_document().and_then(|d| d.create_element("span").ok())
                else {
                    return;
                };
                let _ = el.set_attribute("class", "len-badge muted");
                let _ = el.set_attribute("data-testid", "flag-length");
                el.set_text_content(Some(t));
                let _ = self.change_cell.insert_before(&el, Some(&self.change));
                self.badge = Some(el);
            }
            (None, Some(el)) => {
                el.remove();
                self.badge = None;
            }
            (None, None) => {}
        }
    }
}

/// What a row element shows of itself, apart from its cells and its place: its classes, its
/// test hooks (`data-testid`, `data-flag-id`, `data-index`) and its checkbox. Worked out by
/// the list's `RowElement::update` from the row it stands for; written by [`RowFrameDom`].
#[derive(Clone, PartialEq, Default)]
pub(super) struct RowFrame {
    /// `gone`: hidden (waiting for a later frame, beyond the list, or a placeholder of a
    /// capped list).
    pub(super) gone: bool,
    /// `placeholder`: its row has not arrived (faded, `aria-hidden`, its checkbox out of the
    /// Tab order).
    pub(super) placeholder: bool,
    /// `selected`: the flag it draws is the one open in the detail.
    pub(super) selected: bool,
    /// `flag-row`, `flag-placeholder`, or none while it waits for a later frame.
    pub(super) testid: Option<&'static str>,
    /// The flag of the row it stands for (none while it waits).
    pub(super) flag_id: Option<i64>,
    /// The row's position in the list (none while it waits).
    pub(super) index: Option<usize>,
    /// The flag it draws (its checkbox's label: `choose flag N`), and whether it is chosen.
    pub(super) drawn: Option<i64>,
    pub(super) checked: bool,
}

/// A row element and its checkbox, and the [`RowFrame`] written last: a write touches only what
/// changed.
pub(super) struct RowFrameDom {
    row: Element,
    checkbox: web_sys::HtmlInputElement,
    written: Option<RowFrame>,
}

impl RowFrameDom {
    /// Binds to `row` (see [`RowCellsDom`]: the checkbox is the first cell's first element).
    pub(super) fn bind(row: &Element) -> Option<RowFrameDom> {
        let checkbox = row.first_element_child()?.first_element_child()?.dyn_into().ok()?;
        Some(RowFrameDom { row: row.clone(), checkbox, written: None })
    }

    /// Shows `new`: writes each value that differs from the one written last (all of them the
    /// first time).
    pub(super) fn write(&mut self, new: RowFrame) {
        let first = self.written.is_none();
        let old = self.written.take().unwrap_or_default();
        let classes = self.row.class_list();
        for (name, on, was) in [
            ("gone", new.gone, old.gone),
            ("placeholder", new.placeholder, old.placeholder),
            ("selected", new.selected, old.selected),
        ] {
            if first || on != was {
                let _ = classes.toggle_with_force(name, on);
            }
        }
        let attr = |el: &Element, name: &str, value: Option<String>| {
            set_or_remove_attribute(el, name, value.as_deref());
        };
        if first || new.testid != old.testid {
            attr(&self.row, "data-testid", new.testid.map(str::to_owned));
        }
        if first || new.flag_id != old.flag_id {
            attr(&self.row, "data-flag-id", new.flag_id.map(|id| id.to_string()));
        }
        if first || new.index != old.index {
            attr(&self.row, "data-index", new.index.map(|i| i.to_string()));
        }
        if first || new.placeholder != old.placeholder {
            attr(&self.row, "aria-hidden", new.placeholder.then(|| "true".to_owned()));
            attr(&self.checkbox, "tabindex", new.placeholder.then(|| "-1".to_owned()));
        }
        if first || new.drawn != old.drawn {
            attr(&self.checkbox, "aria-label", new.drawn.map(|id| format!("choose flag {id}")));
        }
        // Against the box itself: a click ticks it natively even where no flag is chosen (an
        // element that has not drawn a row yet).
        if first || self.checkbox.checked() != new.checked {
            self.checkbox.set_checked(new.checked);
        }
        self.written = Some(new);
    }
}
