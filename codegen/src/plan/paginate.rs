//! Pagination: how the next page of a list operation is found and asked for, checked
//! against the spec (the parameter exists, the body path exists and has the right type).
//!
//! The runtime's `Paginator` walks the list; the plan says only what one page's request
//! adds and what one page's answer says about the next.

use super::planner::Planner;
use super::response::success_schema;
use super::*;
use crate::error::suggest;
use crate::ident::camel;
use crate::load::mapping::{Limit, OperationMap, PageStyle, Spanned, ValueSpec};
use crate::load::openapi::Spec;
use crate::load::port::{PortMethod, Ty};
use crate::spec::view::{Kind, SRef, view};
use openapiv3::Parameter;

/// A paginated operation: the method returns every item, page after page.
#[derive(Debug, Clone, PartialEq)]
pub struct PaginatePlan {
    /// How the next page is found and asked for.
    pub next: NextPlan,
    /// The most items returned (`max_items:`).
    pub max_items: Option<LimitPlan>,
    /// The most pages fetched (`max_pages:`); the runtime's default when absent.
    pub max_pages: Option<LimitPlan>,
    /// The cursor, number or offset goes in a top-level field of the JSON body rather
    /// than in the query (RPC-style vendors: Notion's `start_cursor`, Plaid's `cursor`).
    pub in_body: bool,
}

/// A limit of a list: fixed in the mapping, or set per call by an argument.
#[derive(Debug, Clone, PartialEq)]
pub enum LimitPlan {
    /// A number (for `max_pages`, at most `u32::MAX`).
    Fixed(u64),
    /// An unsigned integer argument value; `None` of an `Option` leaves the default.
    Arg {
        /// The access path (`limit`, `query.limit`).
        access: Vec<String>,
        /// The value is an `Option`.
        optional: bool,
        /// The argument is a reference to the value (`limit: &u64`).
        deref: bool,
    },
}

/// How the next page is found (reads start at the response's decoded root) and asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum NextPlan {
    /// The `Link` header's `rel="next"` URL.
    Link,
    /// A cursor in the body, sent as the query parameter `param`.
    Cursor {
        /// The cursor: a string, or a number (Vercel's `pagination.next`, a timestamp)
        /// sent as its decimal text.
        read: Read,
        /// The query parameter.
        param: String,
        /// Whether the cursor is a number, which a vendor leaves out or sets to null
        /// on the last page (it is read as absent-able whatever the spec says).
        numeric: bool,
    },
    /// `has_more` (or a full page), then the last item's id sent as `param`.
    AfterLast {
        /// The flag (a boolean); without one, a page of fewer than `size` items ends.
        has_more: Option<Read>,
        /// The page size (the constant of the `size:` parameter), when there is no flag.
        size: Option<u64>,
        /// The query parameter.
        param: String,
        /// The id, read from an item of the wire type `item_wire`.
        id: Read,
        /// The items' wire type.
        item_wire: String,
        /// The id is an integer on the wire (sent as its decimal text).
        id_is_int: bool,
    },
    /// The next page's URL or path in the body.
    Url {
        /// The URL (a string).
        read: Read,
    },
    /// Page numbers or offsets.
    Counted {
        /// Offsets (`offset`) rather than page numbers (`page`).
        offsets: bool,
        /// The query parameter of the number or offset.
        param: String,
        /// The first page's number.
        first: u64,
        /// The page size the request asks for (a `const:` parameter).
        size: Option<u64>,
        /// The item total in the body (an integer).
        total: Option<Read>,
    },
}

/// The page size `size:` names: the constant the mapping gives that parameter (reported
/// when it gives none, since a short page could then not be told from a full one).
fn page_size(
    p: &mut Planner<'_>,
    params: &[ParamPlan],
    om: &OperationMap,
    in_body: bool,
    s: &Spanned<String>,
) -> Option<u64> {
    // A number, or the text of one where the spec types the size as a string
    // (Vercel's `limit`).
    let positive = |v: &serde_json::Value| {
        match v {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(t) => t.parse::<u64>().ok(),
            _ => None,
        }
        .filter(|n| *n > 0)
    };
    let given = match params.iter().find(|pp| pp.wire_name == s.value) {
        Some(ParamPlan {
            value: ValuePlan::Const(v),
            ..
        }) => positive(v),
        Some(_) => None,
        // Sent in the body by an RPC-style vendor (Plaid's `count`).
        None => om.request.iter().find_map(|(k, v)| match v {
            ValueSpec::Const(c) if k.value == s.value => positive(&c.value),
            _ => None,
        }),
    };
    if given.is_none() {
        let (key, place) = if in_body || om.request.iter().any(|(k, _)| k.value == s.value) {
            ("request", "the body field")
        } else {
            ("params", "the parameter")
        };
        p.err(
            s.span,
            format!("paginate.size names '{}', {place} whose value the mapping must give as a constant so a short page can end the list", s.value),
            format!(
                "write `{key}: {{ {}: 100 }}` (`\"100\"` where the spec types it as a string)",
                s.value
            ),
        );
    }
    given
}

/// The top-level properties of `op`'s JSON request body, where an RPC-style vendor
/// takes its cursor, offset or page size.
fn json_body_fields<'s>(spec: &'s Spec, op: &'s openapiv3::Operation) -> Vec<&'s str> {
    let schema = op
        .request_body
        .as_ref()
        .and_then(|rb| spec.resolve_request_body(rb).ok())
        .and_then(|rb| crate::spec::media::find_json(&rb.content))
        .and_then(|(_, m)| m.schema.as_ref());
    match schema.map(|s| view(spec, SRef::Plain(s)).map(|v| v.kind)) {
        Some(Ok(Kind::Object { props, .. })) => props.iter().map(|(n, _)| *n).collect(),
        _ => Vec::new(),
    }
}

impl<'a> Planner<'a> {
    pub(super) fn paginate_plan(
        &mut self,
        om: &OperationMap,
        pm: &PortMethod,
        oref: &crate::load::openapi::OperationRef,
        op: &'a openapiv3::Operation,
        responses: &[ResponsePlan],
        params: &[ParamPlan],
    ) -> Option<PaginatePlan> {
        let pg = om.paginate.as_ref()?;
        if !matches!(pm.ok, Ty::Vec(_)) {
            self.err(
                pg.span,
                format!(
                    "{} is paginated, but returns {}: a paginated method returns every item",
                    pm.name, pm.ok
                ),
                "make the port method return `Vec<T>`, or a stream of items (`impl Stream<Item = Result<T, E>> + Send`)",
            );
            return None;
        }
        if let Some(f) = &om.policies.fallback {
            self.err(
                f.span,
                format!("{} is paginated, and a list has no fallback yet", pm.name),
                "remove `fallback:` from this operation",
            );
            return None;
        }
        let decoding: Vec<&ResponsePlan> =
            responses.iter().filter(|r| r.decode.is_some()).collect();
        let [r] = decoding.as_slice() else {
            if decoding.len() > 1 {
                self.err(
                    pg.span,
                    format!(
                        "{} has {} success responses with a body; the pages of a list have one shape",
                        om.call.value,
                        decoding.len()
                    ),
                    "choose the one pages come with, e.g. `status: 200`",
                );
            }
            return None;
        };
        let root_wire = r.decode.as_ref().map(|d| d.0.clone())?;
        let spec: &'a Spec = self.spec;
        let root = success_schema(om, op, spec).map(|(_, s)| SRef::Plain(s))?;
        let spec_params = spec.parameters(oref, op).unwrap_or_default();
        let body_fields = json_body_fields(spec, op);
        let in_body = std::cell::Cell::new(false);
        let query = |p: &mut Self, name: &Spanned<String>| -> bool {
            let found = spec_params
                .iter()
                .find(|sp| sp.parameter_data_ref().name == name.value);
            match found {
                None if body_fields.iter().any(|f| *f == name.value) => {
                    if let Some((k, _)) = om.request.iter().find(|(k, _)| k.value == name.value) {
                        p.err(
                            k.span,
                            format!(
                                "'{}' is set by `paginate:` on every page after the first",
                                name.value
                            ),
                            "remove it from `request:`",
                        );
                        return false;
                    }
                    in_body.set(true);
                    return true;
                }
                Some(Parameter::Query { .. }) => {}
                Some(_) => {
                    p.err(
                        name.span,
                        format!(
                            "'{}' is not a query parameter of {}",
                            name.value, om.call.value
                        ),
                        "paginate sends its cursor, number or offset in the query or in a top-level field of a JSON body",
                    );
                    return false;
                }
                None => {
                    let help = suggest(
                        &name.value,
                        spec_params
                            .iter()
                            .map(|sp| sp.parameter_data_ref().name.as_str())
                            .chain(body_fields.iter().copied()),
                    );
                    p.err(
                        name.span,
                        format!(
                            "'{}' is not a query parameter or a top-level JSON body field of {}",
                            name.value, om.call.value
                        ),
                        help,
                    );
                    return false;
                }
            }
            if let Some((k, _)) = om.params.iter().find(|(k, _)| k.value == name.value) {
                p.err(
                    k.span,
                    format!(
                        "'{}' is set by `paginate:` on every page after the first",
                        name.value
                    ),
                    "remove it from `params:`",
                );
                return false;
            }
            true
        };
        // Body reads need an object around the list.
        let body_path = |p: &mut Self, path: &Spanned<String>| -> bool {
            if r.unwrap.is_none() {
                p.err(path.span, format!("paginate reads '{}' from the body, but the body of {} is the list itself", path.value, om.call.value), "use `style: link` or a page number, or map an operation whose body holds the list and its cursor");
                return false;
            }
            true
        };
        let next = match &pg.style {
            PageStyle::Link => NextPlan::Link,
            PageStyle::Cursor { cursor, param } => {
                let ok = query(self, param) & body_path(self, cursor);
                let (read, numeric) = self.cursor_read(root, cursor, &root_wire)?;
                if !ok {
                    return None;
                }
                NextPlan::Cursor {
                    read,
                    param: param.value.clone(),
                    numeric,
                }
            }
            PageStyle::NextUrl { path } => {
                if !body_path(self, path) {
                    return None;
                }
                let read = self.typed_read(root, path, &root_wire, "path", Want::Str)?;
                NextPlan::Url { read }
            }
            PageStyle::AfterLast {
                has_more,
                size,
                param,
                id,
            } => {
                let mut ok = query(self, param);
                let has_more = match has_more {
                    Some(h) => {
                        ok &= body_path(self, h);
                        Some(self.typed_read(root, h, &root_wire, "has_more", Want::Bool)?)
                    }
                    None => None,
                };
                let size = match (size, &has_more) {
                    (Some(s), None) => {
                        let n = page_size(self, params, om, in_body.get(), s);
                        ok &= n.is_some();
                        n
                    }
                    (Some(s), Some(_)) => {
                        self.err(
                            s.span,
                            "paginate.size is not read when `has_more:` says whether another page follows".to_string(),
                            "remove `size:`, or `has_more:` if the vendor sends no flag",
                        );
                        return None;
                    }
                    (None, _) => None,
                };
                // The list: in the body at `unwrap:`, or the body itself (Discord's).
                let list_view = match om.unwrap.as_ref() {
                    Some(unwrap) => {
                        self.read(root, &unwrap.value, unwrap.span, false, &root_wire)?
                            .1
                    }
                    None => view(self.spec, root).ok()?,
                };
                let Kind::Array(Some(item)) = list_view.kind else {
                    return None;
                };
                let item_view = view(self.spec, item).ok()?;
                let op_id = op
                    .operation_id
                    .clone()
                    .unwrap_or_else(|| om.call.value.clone());
                let item_wire =
                    self.wire_struct(&item_view, &format!("{}Item", camel(&op_id)), false)?;
                let (read, leaf, _) = self.read(item, &id.value, id.span, false, &item_wire)?;
                let id_is_int = match leaf.kind {
                    Kind::Str { .. } => false,
                    Kind::Int { .. } => true,
                    _ => {
                        self.err(
                            id.span,
                            format!(
                                "paginate.id '{}' is {}, not a string or an integer",
                                id.value,
                                leaf.describe()
                            ),
                            "name the items' id field",
                        );
                        return None;
                    }
                };
                self.set_leaf_ty(
                    &read,
                    &item_wire,
                    if id_is_int {
                        WireTy::I64
                    } else {
                        WireTy::String
                    },
                );
                if !ok {
                    return None;
                }
                NextPlan::AfterLast {
                    has_more,
                    size,
                    param: param.value.clone(),
                    id: read,
                    item_wire,
                    id_is_int,
                }
            }
            PageStyle::Counted {
                offsets,
                param,
                first,
                size,
                total,
            } => {
                let mut ok = query(self, param);
                // A number sent where the spec wants a string is often a token the vendor
                // hands back (Asana's `offset` comes from `next_page.offset`).
                let is_text = spec_params
                    .iter()
                    .find(|sp| sp.parameter_data_ref().name == param.value)
                    .and_then(|sp| match &sp.parameter_data_ref().format {
                        openapiv3::ParameterSchemaOrContent::Schema(s) => {
                            view(self.spec, SRef::Plain(s)).ok()
                        }
                        openapiv3::ParameterSchemaOrContent::Content(_) => None,
                    })
                    .is_some_and(|v| matches!(v.kind, Kind::Str { .. }));
                if ok && is_text {
                    self.warn(
                        param.span,
                        format!(
                            "'{}' is a string in the spec, and `style: {}` sends numbers in it",
                            param.value,
                            if *offsets { "offset" } else { "page" }
                        ),
                        "if the vendor hands the next value back in its answer, use `style: cursor` with that field (`cursor: next_page.offset`); if it takes numbers, correct the spec with an overlay",
                    );
                }
                let size = match size {
                    Some(s) => {
                        let n = page_size(self, params, om, in_body.get(), s);
                        ok &= n.is_some();
                        n
                    }
                    None => None,
                };
                let total = match total {
                    Some(t) => {
                        ok &= body_path(self, t);
                        Some(self.typed_read(root, t, &root_wire, "total", Want::Int)?)
                    }
                    None => None,
                };
                if !ok {
                    return None;
                }
                NextPlan::Counted {
                    offsets: *offsets,
                    param: param.value.clone(),
                    first: *first,
                    size,
                    total,
                }
            }
        };
        if let Some(Spanned {
            value: Limit::Fixed(n),
            span,
        }) = &pg.max_pages
        {
            if u32::try_from(*n).is_err() {
                self.err(
                    *span,
                    format!("paginate.max_pages {n} is more than {}", u32::MAX),
                    "give a smaller limit",
                );
                return None;
            }
        }
        let max_items = self.limit(pm, pg.max_items.as_ref(), "max_items");
        let max_pages = self.limit(pm, pg.max_pages.as_ref(), "max_pages");
        Some(PaginatePlan {
            next,
            max_items: max_items?,
            max_pages: max_pages?,
            in_body: in_body.get(),
        })
    }

    /// A limit as the plan has it; `Some(None)` when the mapping sets none, `None` on
    /// a mistake (reported).
    fn limit(
        &mut self,
        pm: &PortMethod,
        limit: Option<&Spanned<Limit>>,
        key: &str,
    ) -> Option<Option<LimitPlan>> {
        let Some(limit) = limit else {
            return Some(None);
        };
        let name = match &limit.value {
            Limit::Fixed(n) => return Some(Some(LimitPlan::Fixed(*n))),
            Limit::Arg(name) => Spanned::new(name.clone(), limit.span),
        };
        let (access, ty) = self.expr(pm, &name)?;
        let deref = access.len() == 1
            && pm
                .args
                .iter()
                .any(|(n, t)| n == &access[0] && matches!(t, Ty::Ref(_)));
        let (optional, base) = match &ty {
            Ty::Option(inner) => (true, &**inner),
            other => (false, other),
        };
        let unsigned = matches!(base, Ty::Named(n) if matches!(n.as_str(), "u8" | "u16" | "u32" | "u64" | "u128" | "usize"));
        if !unsigned {
            self.err(
                limit.span,
                format!(
                    "paginate.{key} '{}' is {ty}, not a count",
                    name.value
                ),
                "a limit from an argument is an unsigned integer (`u32`, `u64`, `usize`), or an `Option` of one (`None`: no limit of its own)",
            );
            return None;
        }
        Some(Some(LimitPlan::Arg {
            access,
            optional,
            deref,
        }))
    }

    /// The cursor's read and whether it is a number. A numeric cursor has no empty
    /// value to end the list with, so every field on its way is read as absent-able:
    /// a last page that leaves it out or sends null ends the list, whatever the spec
    /// requires.
    fn cursor_read(
        &mut self,
        root: SRef<'a>,
        path: &Spanned<String>,
        root_wire: &str,
    ) -> Option<(Read, bool)> {
        let (read, leaf, _) = self.read(root, &path.value, path.span, false, root_wire)?;
        let wire = match leaf.kind {
            Kind::Str { .. } => {
                self.set_leaf_ty(&read, root_wire, WireTy::String);
                return Some((read, false));
            }
            Kind::Int { .. } => WireTy::I64,
            Kind::Num => WireTy::F64,
            _ => {
                self.err(
                    path.span,
                    format!(
                        "paginate.cursor '{}' is {}, not a string or a number",
                        path.value,
                        leaf.describe()
                    ),
                    "name the field that holds the next page's cursor",
                );
                return None;
            }
        };
        let (read, _, _) = self.read_with(root, &path.value, path.span, false, true, root_wire)?;
        self.set_leaf_ty(&read, root_wire, wire);
        Some((read, true))
    }

    /// A body read for pagination, of the kind it must have; its wire type is set.
    fn typed_read(
        &mut self,
        root: SRef<'a>,
        path: &Spanned<String>,
        root_wire: &str,
        key: &str,
        want: Want,
    ) -> Option<Read> {
        let (read, leaf, _) = self.read(root, &path.value, path.span, false, root_wire)?;
        let (fits, wire, name) = match (want, &leaf.kind) {
            (Want::Str, Kind::Str { .. }) => (true, WireTy::String, "a string"),
            (Want::Bool, Kind::Bool) => (true, WireTy::Bool, "a boolean"),
            (Want::Int, Kind::Int { .. }) => (true, WireTy::I64, "an integer"),
            (Want::Str, _) => (false, WireTy::String, "a string"),
            (Want::Bool, _) => (false, WireTy::Bool, "a boolean"),
            (Want::Int, _) => (false, WireTy::I64, "an integer"),
        };
        if !fits {
            self.err(
                path.span,
                format!(
                    "paginate.{key} '{}' is {}, not {name}",
                    path.value,
                    leaf.describe()
                ),
                format!("name a field that is {name}"),
            );
            return None;
        }
        self.set_leaf_ty(&read, root_wire, wire);
        Some(read)
    }
}

/// The kind a pagination read must have.
#[derive(Clone, Copy)]
enum Want {
    Str,
    Bool,
    Int,
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{ARRAY, Fixture, WRAPPED, op};
    use super::*;

    /// `list` over the wrapped body, with `paginate:` as written.
    fn paged(body: &str, paginate: &str) -> Fixture {
        Fixture::listing(body).mapping(
            "call: listThings\n",
            &format!("call: listThings\n    paginate: {paginate}\n"),
        )
    }

    fn wrapped(paginate: &str) -> Fixture {
        paged(WRAPPED, paginate)
            .mapping("call: listThings\n", "call: listThings\n    unwrap: data\n")
    }

    fn next_of(f: Fixture) -> (NextPlan, Option<LimitPlan>, Option<LimitPlan>) {
        let plan = f.plan();
        let pg = op(&plan, "list").paginate.clone().expect("paginated");
        (pg.next, pg.max_items, pg.max_pages)
    }

    #[test]
    fn the_link_header_needs_no_body_and_limits_are_carried() {
        let (next, items, pages) =
            next_of(paged(ARRAY, "{ style: link, max_items: 50, max_pages: 7 }"));
        assert_eq!(
            (next, items, pages),
            (
                NextPlan::Link,
                Some(LimitPlan::Fixed(50)),
                Some(LimitPlan::Fixed(7))
            )
        );
    }

    #[test]
    fn a_body_cursor_is_read_and_sent_as_its_parameter() {
        let (next, ..) = next_of(wrapped(
            "{ style: cursor, cursor: next_cursor, param: cursor }",
        ));
        let NextPlan::Cursor { read, param, .. } = next else {
            panic!("{next:?}")
        };
        assert_eq!(
            (read.json_path.as_str(), param.as_str()),
            ("$.next_cursor", "cursor")
        );
    }

    #[test]
    fn after_last_reads_the_flag_and_the_items_id() {
        let (next, ..) = next_of(wrapped(
            "{ style: after_last, has_more: has_more, param: cursor }",
        ));
        let NextPlan::AfterLast {
            has_more,
            size,
            param,
            id,
            item_wire,
            id_is_int,
        } = next
        else {
            panic!("{next:?}")
        };
        assert_eq!(has_more.map(|h| h.json_path), Some("$.has_more".into()));
        assert_eq!(size, None);
        assert_eq!((param.as_str(), id.json_path.as_str()), ("cursor", "$.id"));
        assert_eq!((item_wire.as_str(), id_is_int), ("Thing", false));
    }

    /// Discord's messages: a bare array, the next page before the last id, and no
    /// flag: a page shorter than the constant page size is the last.
    #[test]
    fn after_last_without_a_flag_ends_at_a_short_page_of_a_bare_array() {
        let f = || {
            paged(
                ARRAY,
                "{ style: after_last, param: cursor, size: per_page }",
            )
            .mapping(
                "call: listThings\n",
                "call: listThings\n    params: { per_page: { const: 50 } }\n",
            )
        };
        let (next, ..) = next_of(f());
        let NextPlan::AfterLast {
            has_more: None,
            size: Some(50),
            id,
            ..
        } = &next
        else {
            panic!("{next:?}")
        };
        assert_eq!(id.json_path, "$.id");
        // Vercel types its `limit` as a string: the size is the number in the text.
        let text = f()
            .spec(
                "{ name: per_page, in: query, schema: { type: integer } }",
                "{ name: per_page, in: query, schema: { type: string } }",
            )
            .mapping(
                "{ per_page: { const: 50 } }",
                "{ per_page: { const: \"50\" } }",
            );
        let (next, ..) = next_of(text);
        assert!(
            matches!(next, NextPlan::AfterLast { size: Some(50), .. }),
            "{next:?}"
        );
        paged(ARRAY, "{ style: after_last, param: cursor }").refused_with(
            "paginate style `after_last` needs `has_more:` (the flag in the body that says another page follows) or `size:`",
        );
        paged(
            ARRAY,
            "{ style: after_last, param: cursor, size: per_page }",
        )
        .refused_with(
            "paginate.size names 'per_page', the parameter whose value the mapping must give as a constant",
        );
        wrapped("{ style: after_last, has_more: has_more, param: cursor, size: per_page }")
            .refused_with(
                "paginate.size is not read when `has_more:` says whether another page follows",
            );
    }

    /// Postmark's `offset` is a required parameter: `paginate:` sends it on every page,
    /// the first too, so it counts as mapped.
    #[test]
    fn a_required_offset_that_paginate_sends_counts_as_mapped() {
        let f = paged(ARRAY, "{ style: offset, param: page }").spec(
            "        - { name: page, in: query, schema: { type: integer } }",
            "        - { name: page, in: query, required: true, schema: { type: integer } }",
        );
        let (next, ..) = next_of(f);
        assert!(
            matches!(next, NextPlan::Counted { offsets: true, .. }),
            "{next:?}"
        );
    }

    #[test]
    fn a_next_url_is_a_string_in_the_body() {
        let (next, ..) = next_of(wrapped("{ style: next_url, path: next_uri }"));
        assert!(matches!(next, NextPlan::Url { read } if read.json_path == "$.next_uri"));
    }

    #[test]
    fn page_numbers_and_offsets_take_the_size_from_a_constant() {
        let f = wrapped("{ style: page, param: page, size: per_page, total: total }").mapping(
            "call: listThings\n",
            "call: listThings\n    params: { per_page: { const: 25 } }\n",
        );
        let (next, ..) = next_of(f);
        let NextPlan::Counted {
            offsets,
            param,
            first,
            size,
            total,
        } = next
        else {
            panic!("{next:?}")
        };
        assert_eq!(
            (offsets, param.as_str(), first, size),
            (false, "page", 1, Some(25))
        );
        assert_eq!(total.map(|t| t.json_path), Some("$.total".to_string()));
        let (next, ..) = next_of(paged(ARRAY, "{ style: offset, param: page }"));
        assert!(matches!(
            next,
            NextPlan::Counted {
                offsets: true,
                size: None,
                total: None,
                ..
            }
        ));
    }

    #[test]
    fn counting_in_a_string_parameter_is_a_warning() {
        let counted = paged(ARRAY, "{ style: offset, param: cursor }");
        assert_eq!(
            counted.warnings(),
            ["'cursor' is a string in the spec, and `style: offset` sends numbers in it"]
        );
        assert!(
            paged(ARRAY, "{ style: offset, param: page }")
                .warnings()
                .is_empty()
        );
    }

    /// `list` declared with `decl` (the rest of the line after `fn list`).
    fn declared(f: Fixture, decl: &str) -> Fixture {
        f.port(
            "    async fn list(&self) -> Result<Vec<Thing>, ThingError>;",
            &format!("    fn list{decl};"),
        )
    }

    #[test]
    fn limits_may_come_from_an_argument_of_the_method() {
        let f = declared(
            paged(ARRAY, "{ style: link, max_items: limit, max_pages: pages }"),
            "(&self, limit: usize, pages: &Option<u32>) -> impl std::future::Future<Output = Result<Vec<Thing>, ThingError>> + Send",
        );
        assert!(
            f.plan().summary().contains(
                "(listThings), every page by the Link header, at most limit items, at most pages pages"
            ),
            "{}",
            f.plan().summary()
        );
        let (_, items, pages) = next_of(f);
        assert_eq!(
            items,
            Some(LimitPlan::Arg {
                access: vec!["limit".into()],
                optional: false,
                deref: false
            })
        );
        assert_eq!(
            pages,
            Some(LimitPlan::Arg {
                access: vec!["pages".into()],
                optional: true,
                deref: true
            })
        );
        declared(
            paged(ARRAY, "{ style: link, max_items: limit }"),
            "(&self, limit: i32) -> impl std::future::Future<Output = Result<Vec<Thing>, ThingError>> + Send",
        )
        .refused_with("paginate.max_items 'limit' is i32, not a count");
        paged(ARRAY, "{ style: link, max_items: limt }")
            .refused_with("'limt' is not an argument of list");
    }

    #[test]
    fn a_stream_method_is_planned_as_the_list_it_yields() {
        let plan = declared(
            paged(ARRAY, "{ style: link }"),
            "(&self) -> impl Stream<Item = Result<Thing, ThingError>> + Send + '_",
        )
        .plan();
        assert!(
            plan.summary()
                .contains("(listThings), a stream of pages by the Link header\n"),
            "{}",
            plan.summary()
        );
        let list = op(&plan, "list");
        assert_eq!(
            list.style,
            MethodStyle::Stream {
                send: true,
                unpin: false,
                elided: true
            }
        );
        assert_eq!(list.ok_type, "Vec<crate::domain::Thing>");
        Fixture::listing(ARRAY)
            .port(
                "    async fn list(&self) -> Result<Vec<Thing>, ThingError>;",
                "    fn list(&self) -> impl Stream<Item = Result<Thing, ThingError>> + Send;",
            )
            .refused_with("list returns a stream, but listThings is not paginated");
        declared(
            paged(ARRAY, "{ style: link }"),
            "(&self) -> impl Stream<Item = Result<Thing, ThingError>> + Sync",
        )
        .refused_with("must also be `Sync`");
        declared(
            paged(ARRAY, "{ style: link }"),
            "(&self) -> impl Stream<Item = Thing> + Send",
        )
        .refused_with("must return a stream of Result items");
    }

    #[test]
    fn each_mistake_is_named_where_it_is_written() {
        paged(ARRAY, "{ style: pages, param: page }")
            .refused_with("'pages' is not a pagination style");
        paged(ARRAY, "{ style: link, param: page }")
            .refused_with("paginate style `link` takes no key 'param'");
        paged(ARRAY, "{ style: cursor, param: cursor }")
            .refused_with("paginate style `cursor` is missing the required key 'cursor'");
        wrapped("{ style: cursor, cursor: next_cursor, param: curs }").refused_with(
            "'curs' is not a query parameter or a top-level JSON body field of listThings",
        );
        wrapped("{ style: cursor, cursor: next_cursr, param: cursor }")
            .refused_with("unknown field 'next_cursr'");
        wrapped("{ style: cursor, cursor: has_more, param: cursor }")
            .refused_with("paginate.cursor 'has_more' is a boolean, not a string or a number");
        wrapped("{ style: after_last, has_more: total, param: cursor }")
            .refused_with("paginate.has_more 'total' is an integer, not a boolean");
        wrapped("{ style: after_last, has_more: has_more, param: cursor, id: status2 }")
            .refused_with("unknown field 'status2'");
        paged(ARRAY, "{ style: next_url, path: next_uri }")
            .refused_with("the body of listThings is the list itself");
        wrapped("{ style: page, param: page, size: per_page }").refused_with(
            "paginate.size names 'per_page', the parameter whose value the mapping must give as a constant",
        );
        wrapped("{ style: page, param: page }")
            .mapping(
                "call: listThings\n",
                "call: listThings\n    params: { page: { const: 1 } }\n",
            )
            .refused_with("'page' is set by `paginate:` on every page after the first");
        paged(ARRAY, "{ style: link, max_pages: 0 }").refused_with("paginate.max_pages is 0");
        Fixture::default()
            .mapping(
                "params: { id: id }",
                "params: { id: id }\n    paginate: { style: link }",
            )
            .refused_with("get is paginated, but returns Thing");
    }
}
