//! `paginate:` on an operation: the style and the keys each style needs.

use super::Decoder;
use super::keys::{
    PAGINATE_COMMON as COMMON, PAGINATE_STYLES as STYLES, paginate_style as keys_of,
};
use crate::error::suggest;
use crate::load::mapping::model::*;
use crate::load::yaml::Node;

impl Decoder<'_> {
    pub(super) fn paginate(&mut self, node: &Node) -> Option<Paginate> {
        let all: Vec<&str> = COMMON
            .iter()
            .chain(STYLES.iter().flat_map(|s| keys_of(s).iter()))
            .copied()
            .collect();
        let e = self.entries(node, "paginate", Some(&all));
        let get = |k: &str| e.iter().find(|(key, _)| key.value == k).map(|(_, v)| *v);
        let style_node = self.required(&e, "style", node.span, "paginate")?;
        let style = self.string(style_node, "paginate.style")?;
        if !STYLES.contains(&style.value.as_str()) {
            self.err(
                style.span,
                format!("'{}' is not a pagination style", style.value),
                format!(
                    "use one of: {}; {}",
                    STYLES.join(", "),
                    suggest(&style.value, STYLES.iter().copied())
                ),
            );
            return None;
        }
        let own = keys_of(&style.value);
        for (k, _) in &e {
            if !COMMON.contains(&k.value.as_str()) && !own.contains(&k.value.as_str()) {
                self.err(
                    k.span,
                    format!(
                        "paginate style `{}` takes no key '{}'",
                        style.value, k.value
                    ),
                    if own.is_empty() {
                        "remove it".to_string()
                    } else {
                        format!("its keys are: {}", own.join(", "))
                    },
                );
            }
        }
        let need = |d: &mut Self, key: &str| {
            d.required(
                &e,
                key,
                style.span,
                &format!("paginate style `{}`", style.value),
            )
            .and_then(|n| d.string(n, &format!("paginate.{key}")))
        };
        let style_value = match style.value.as_str() {
            "link" => PageStyle::Link,
            "cursor" => PageStyle::Cursor {
                cursor: need(self, "cursor")?,
                param: need(self, "param")?,
            },
            "after_last" => {
                let has_more = get("has_more").and_then(|n| self.string(n, "paginate.has_more"));
                let size = get("size").and_then(|n| self.string(n, "paginate.size"));
                if get("has_more").is_none() && get("size").is_none() {
                    self.err(
                        style.span,
                        "paginate style `after_last` needs `has_more:` (the flag in the body that says another page follows) or `size:` (the page-size parameter: a shorter page is the last)".to_string(),
                        "write `has_more: has_more` (Stripe), or `size: limit` with `params: { limit: { const: 100 } }` (Discord)",
                    );
                    return None;
                }
                let param = need(self, "param")?;
                let id = match get("id") {
                    Some(n) => self.string(n, "paginate.id")?,
                    None => Spanned::new("id".to_string(), style.span),
                };
                PageStyle::AfterLast {
                    has_more,
                    size,
                    param,
                    id,
                }
            }
            "next_url" => PageStyle::NextUrl {
                path: need(self, "path")?,
            },
            counted => {
                let param = need(self, "param")?;
                let first = match get("first") {
                    Some(n) => self.number::<u64>(n, "paginate.first")?,
                    None => 1,
                };
                let size = get("size").and_then(|n| self.string(n, "paginate.size"));
                let total = get("total").and_then(|n| self.string(n, "paginate.total"));
                PageStyle::Counted {
                    offsets: counted == "offset",
                    param,
                    first,
                    size,
                    total,
                }
            }
        };
        let limit = |d: &mut Self, key: &str| {
            get(key).and_then(|n| {
                let text = n.as_str().unwrap_or_default();
                let starts_name = text
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
                if starts_name {
                    // An argument of the method sets the limit per call.
                    return Some(Spanned::new(Limit::Arg(text.to_string()), n.span));
                }
                let v = d.number::<u64>(n, &format!("paginate.{key}"))?;
                if v == 0 {
                    d.err(
                        n.span,
                        format!("paginate.{key} is 0, so the method could never return"),
                        "give at least 1, or leave it out for the runtime's default",
                    );
                    return None;
                }
                Some(Spanned::new(Limit::Fixed(v), n.span))
            })
        };
        let max_items = limit(self, "max_items");
        let max_pages = limit(self, "max_pages");
        Some(Paginate {
            style: style_value,
            max_items,
            max_pages,
            span: node.span,
        })
    }
}
