//! A method that returns a list: where the list is in the answer (`unwrap:`), and what
//! says the operation answers page by page.

use super::Entry;
use crate::scaffold::out::yaml_key;
use crate::scaffold::shape::{describe, norm};
use crate::scaffold::types::Uses;
use crate::spec::view::{Kind, SRef, View, merged_objects, view};

impl<'a> Entry<'_, 'a> {
    /// The `unwrap:` line of a method returning `Vec<name>` (or a stream of them), and
    /// the uses of its items; a FIXME on `call:` when the list may come in pages.
    pub(super) fn list_response(
        &mut self,
        op_id: &str,
        schemas: &[View<'a>],
        name: &str,
        query: &[&str],
        uses: &mut Uses<'a>,
    ) -> Vec<String> {
        let spec = self.r.spec;
        let mut place: Option<Option<String>> = None;
        let mut items = Vec::new();
        for s in schemas {
            let found = match &s.kind {
                Kind::Array(Some(item)) => view(spec, *item).ok().map(|v| (None, v)),
                Kind::Object { props, .. } => {
                    list_field(spec, props, name).map(|(f, v)| (Some(f), v))
                }
                _ => None,
            };
            let Some((field, item)) = found else {
                self.blocked = Some(format!(
                    "answers {}, with no list of objects to build Vec<{name}> from: name the list with `unwrap: <field>`, map another operation, or, if the vendor does answer a list (GitLab's v3 spec declares one issue where a list comes), correct the spec with an overlay (docs/mapping.md, `overlays`)",
                    describe(spec, s)
                ));
                return Vec::new();
            };
            // Items that are one of several objects (Box's entries) are read as one
            // object with the fields of all of them, as the planner reads them.
            let item = match &item.kind {
                Kind::Union(parts) => merged_objects(spec, parts).unwrap_or(item),
                _ => item,
            };
            if !matches!(item.kind, Kind::Object { .. }) {
                self.blocked = Some(format!(
                    "answers a list of {}, not of objects to build {name} from",
                    describe(spec, &item)
                ));
                return Vec::new();
            }
            match &place {
                Some(p) if *p != field => {
                    self.blocked = Some(format!(
                        "answers several success bodies with their lists in different places: the planner cannot build Vec<{name}> from each"
                    ));
                    return Vec::new();
                }
                _ => place = Some(field),
            }
            items.push(item);
        }
        let mut lines = Vec::new();
        if let Some(Some(field)) = &place {
            lines.push(format!("    unwrap: {}", yaml_key(field)));
        }
        for v in items {
            uses.add(name, v, op_id);
        }
        let stream = matches!(self.pm.style, crate::load::port::MethodStyle::Stream { .. });
        let hints = paging_hints(spec, query, schemas.first());
        if stream || !hints.is_empty() {
            let seen = if hints.is_empty() {
                String::new()
            } else {
                format!(" (it has {})", hints.join(", "))
            };
            self.call_notes.push(if stream {
                format!("{} is a stream, read page by page: add `paginate:` with the style {op_id} pages in{seen} (docs/mapping.md, Lists)", self.pm.name)
            } else {
                format!("{op_id} may answer page by page{seen}: add `paginate:` (docs/mapping.md, Lists){}, or {} returns the first page only", numbered_paging(spec, query, schemas.first()).map_or(String::new(), |s| format!(", likely {s}")), self.pm.name)
            });
        }
        lines
    }
}

/// The list of objects in an object body to build `Vec<name>` from: the array field
/// named like the plural of `name`, else one of the usual list names, else the only one.
fn list_field<'a>(
    spec: &'a crate::load::openapi::Spec,
    props: &[(&'a str, SRef<'a>)],
    name: &str,
) -> Option<(String, View<'a>)> {
    // Only lists of objects can be a Vec of a struct: Jira's search answers its issues
    // beside `warningMessages`, a list of strings. A list of unions (Box's `entries`: a
    // file, a folder or a link) is one too, read as the union of the objects; left out,
    // a lone list of plain objects beside it (Box's `order`) was taken silently.
    let lists: Vec<(&str, View<'a>)> = props
        .iter()
        .filter_map(|(n, p)| match view(spec, *p).ok()?.kind {
            Kind::Array(Some(item)) => Some((*n, view(spec, item).ok()?)),
            _ => None,
        })
        .filter(|(_, item)| matches!(item.kind, Kind::Object { .. } | Kind::Union(_)))
        .collect();
    let singular = norm(name);
    let plural = |n: &str| {
        let n = norm(n);
        n == format!("{singular}s")
            || n == format!("{singular}es")
            || singular
                .strip_suffix('y')
                .is_some_and(|stem| n == format!("{stem}ies"))
    };
    const USUAL: [&str; 8] = [
        "data", "items", "results", "entries", "records", "values", "elements", "list",
    ];
    let pick = lists
        .iter()
        .position(|(n, _)| plural(n))
        .or_else(|| {
            lists
                .iter()
                .position(|(n, _)| USUAL.contains(&norm(n).as_str()))
        })
        .or_else(|| (lists.len() == 1).then_some(0))?;
    let (field, item) = lists.into_iter().nth(pick)?;
    Some((field.to_string(), item))
}

/// The `paginate:` of an operation paged by number (`page`) or offset (`offset`), with
/// the page-size parameter and the answer's integer count of every item, when their
/// names say so; cursors and links are the vendor's own words and are left to the user.
fn numbered_paging(
    spec: &crate::scaffold::Spec,
    query: &[&str],
    body: Option<&View<'_>>,
) -> Option<String> {
    let find = |names: &[&str]| {
        query
            .iter()
            .find(|q| names.contains(&norm(q).as_str()))
            .copied()
    };
    let (style, param) = match (find(&["page", "page_number"]), find(&["offset", "skip"])) {
        (Some(p), _) => ("page", p),
        (None, Some(o)) => ("offset", o),
        (None, None) => return None,
    };
    let size = find(&[
        "page_size",
        "per_page",
        "pagesize",
        "limit",
        "count",
        "size",
    ]);
    let total = match body.map(|b| &b.kind) {
        Some(Kind::Object { props, .. }) => props
            .iter()
            .find(|(n, p)| {
                ["total", "total_count", "total_results", "results", "count"]
                    .contains(&norm(n).as_str())
                    && view(spec, *p).is_ok_and(|v| matches!(v.kind, Kind::Int { .. }))
            })
            .map(|(n, _)| *n),
        _ => None,
    };
    let mut keys = vec![
        format!("style: {style}"),
        format!("param: {}", yaml_key(param)),
    ];
    keys.extend(size.map(|s| format!("size: {}", yaml_key(s))));
    keys.extend(total.map(|t| format!("total: {}", yaml_key(t))));
    let size_const = size.map_or(String::new(), |s| {
        format!(
            " with `params: {{ {}: {{ const: 100 }} }}` (within the spec's bounds)",
            yaml_key(s)
        )
    });
    Some(format!("`paginate: {{ {} }}`{size_const}", keys.join(", ")))
}

/// What suggests an operation answers in pages: its paging query parameters, and the
/// fields of its answer that name a next page.
fn paging_hints(
    spec: &crate::scaffold::Spec,
    query: &[&str],
    body: Option<&View<'_>>,
) -> Vec<String> {
    const PARAMS: [&str; 19] = [
        "page",
        "per_page",
        "page_size",
        "pagesize",
        "limit",
        "offset",
        "cursor",
        "after",
        "before",
        "starting_after",
        "ending_before",
        "page_token",
        "next_token",
        "continuation",
        "start_at",
        "max_results",
        "skip",
        "top",
        "since",
    ];
    const FIELDS: [&str; 15] = [
        "next",
        "next_cursor",
        "next_page",
        "next_page_token",
        "next_url",
        "next_page_uri",
        "has_more",
        "links",
        "_links",
        "paging",
        "pagination",
        "cursor",
        "is_last",
        "total",
        "start_at",
    ];
    let mut hints: Vec<String> = query
        .iter()
        .filter(|q| PARAMS.contains(&norm(q).as_str()))
        .map(|q| format!("query `{q}`"))
        .collect();
    let paging = |n: &str| FIELDS.contains(&norm(n).as_str()) || norm(n).contains("next");
    if let Some(Kind::Object { props, .. }) = body.map(|b| &b.kind) {
        for (n, p) in props {
            if paging(n) {
                hints.push(format!("body `{n}`"));
                continue;
            }
            // One level down: Hetzner's `meta.pagination`, Slack's
            // `response_metadata.next_cursor`.
            if let Ok(View {
                kind: Kind::Object { props: inner, .. },
                ..
            }) = view(spec, *p)
            {
                hints.extend(
                    inner
                        .iter()
                        .filter(|(i, _)| paging(i))
                        .map(|(i, _)| format!("body `{n}.{i}`")),
                );
            }
        }
    }
    hints
}
