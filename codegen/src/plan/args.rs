//! Values from the method's arguments (`req.amount.minor_units`) or written in the
//! mapping (`const:`), checked against the wire slot they fill.

use super::planner::Planner;
use crate::error::{suggest, suggest_value};
use crate::load::mapping::{Spanned, ValueSpec};
use crate::load::port::{DomainStruct, INTEGERS, PortMethod, Ty};
use crate::spec::view::{Kind, View};

/// A value taken from the method's arguments or written in the mapping.
#[derive(Debug, Clone, PartialEq)]
pub enum ValuePlan {
    /// An access path over the arguments.
    Expr {
        /// Segments: an argument, then fields (`0` for a newtype's inside).
        access: Vec<String>,
        /// The value needs `.clone()` (not `Copy`).
        clone: bool,
        /// The value is an `Option`.
        optional: bool,
        /// How the value becomes the wire's type, when it is not that type already.
        convert: Option<Convert>,
        /// A conversion function, called with a reference to the value.
        via: Option<String>,
    },
    /// A constant.
    Const(serde_json::Value),
    /// The value of a setting of the adapter's configuration (text).
    Setting(String),
    /// The call's credential, repeated in a header or query parameter.
    Credential,
}

/// How a domain value becomes the wire type of the slot it fills.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Convert {
    /// `W::from(v)`, which cannot fail: a small integer widened to i64/f64, a borrowed
    /// `&str` made a `String` (`.clone()` of a `&str` is still a `&str`), a scalar made
    /// the JSON value of a union (`oneOf[string, integer]`) or untyped field.
    From(String),
    /// `W::try_from(v)` through `rt::convert::to_wire`: a `u64` or `usize` for an
    /// integer the wire holds as `i64`; a value that does not fit is refused before
    /// sending, naming the field.
    Checked(String),
    /// Each item of a `Vec` converted so.
    Each(Box<Convert>),
    /// A domain enum matched to its wire value (a `String`, or an `i64` code).
    Enum(Box<super::variants::EnumValues>),
    /// An integer as its decimal text, into a string that holds one (`format: int64`).
    Text,
}

impl Convert {
    /// Whether the conversion can fail (and so needs `?` where it is written).
    pub fn fallible(&self) -> bool {
        match self {
            Convert::From(_) | Convert::Text => false,
            Convert::Checked(_) => true,
            // A variant's own text is checked against the spec's values.
            Convert::Enum(e) => e.arms.iter().any(|(_, v)| {
                matches!(v, super::variants::VariantValue::Carried { allowed } if !allowed.is_empty())
            }),
            Convert::Each(inner) => inner.fallible(),
        }
    }

    /// Whether the value's text changes (a parameter otherwise displays the value as
    /// it is): a checked integer can be refused, an enum becomes its wire value.
    pub fn changes_text(&self) -> bool {
        match self {
            // A parameter displays an integer as its decimal text already.
            Convert::From(_) | Convert::Text => false,
            Convert::Checked(_) | Convert::Enum(_) => true,
            Convert::Each(inner) => inner.changes_text(),
        }
    }
}

/// The wire type of a JSON value (a union's or an untyped field's).
const JSON_VALUE: &str = "serde_json::Value";

/// Whether a domain scalar `name` fits a wire slot of kind `kind`: `Some(None)` as it
/// is, `Some(Some(c))` converted by `c`, `None` not at all.
pub(super) fn scalar_fit(
    planner: &Planner<'_>,
    slot: &View<'_>,
    name: &str,
) -> Option<Option<Convert>> {
    let from = |w: &str| Some(Some(Convert::From(w.to_string())));
    match (&slot.kind, name) {
        (Kind::Str { .. }, n) if slot.integer_text && INTEGERS.contains(&n) => {
            Some(Some(Convert::Text))
        }
        (Kind::Str { .. }, "String") => Some(None),
        (Kind::Str { .. }, "str") => from("String"),
        (Kind::Int { .. }, "i64") => Some(None),
        (Kind::Int { .. }, "i8" | "i16" | "i32" | "u8" | "u16" | "u32") => from("i64"),
        (Kind::Int { .. }, "u64" | "usize" | "isize" | "i128" | "u128") => {
            Some(Some(Convert::Checked("i64".to_string())))
        }
        (Kind::Num, "f64") => Some(None),
        (Kind::Num, "f32" | "i8" | "i16" | "i32" | "u8" | "u16" | "u32") => from("f64"),
        (Kind::Bool, "bool") => Some(None),
        // serde_json makes a JSON value of each of these without loss.
        (Kind::Any, n) if JSON_SCALARS.contains(&n) => from(JSON_VALUE),
        (Kind::Union(parts), n) if JSON_SCALARS.contains(&n) => {
            let fits_a_variant = parts.iter().any(|p| {
                crate::spec::view::view(planner.spec, *p)
                    .is_ok_and(|v| scalar_fit(planner, &v, n).is_some())
            });
            fits_a_variant.then(|| Some(Convert::From(JSON_VALUE.to_string())))
        }
        _ => None,
    }
}

/// The domain scalars `serde_json::Value: From<_>` takes.
pub(crate) const JSON_SCALARS: [&str; 14] = [
    "String", "str", "bool", "i8", "i16", "i32", "i64", "isize", "u8", "u16", "u32", "u64",
    "usize", "f64",
];

impl<'a> Planner<'a> {
    /// Resolves `req.amount.minor_units` to an access path and its type.
    pub(super) fn expr(
        &mut self,
        pm: &PortMethod,
        text: &Spanned<String>,
    ) -> Option<(Vec<String>, Ty)> {
        let mut segs = text.value.split('.');
        let first = segs.next().unwrap_or_default();
        let Some((_, arg_ty)) = pm.args.iter().find(|(n, _)| n == first) else {
            let help = suggest(first, pm.args.iter().map(|(n, _)| n.as_str()));
            self.err(
                text.span,
                format!("'{first}' is not an argument of {}", pm.name),
                help,
            );
            return None;
        };
        self.used_args.insert(first.to_string());
        let mut access = vec![first.to_string()];
        let mut ty = arg_ty.without_refs().clone();
        for seg in segs {
            let Ty::Named(tname) = &ty else {
                self.err(
                    text.span,
                    format!(
                        "'{}' has no field '{seg}': its type is {ty}",
                        access.join(".")
                    ),
                    "remove the extra field",
                );
                return None;
            };
            match self.port.structs.get(tname) {
                Some(DomainStruct::Named(fields)) => match fields.iter().find(|f| f.name == seg) {
                    Some(f) => {
                        access.push(seg.to_string());
                        ty = f.ty.without_refs().clone();
                    }
                    None => {
                        let help = suggest(seg, fields.iter().map(|f| f.name.as_str()));
                        self.err(text.span, format!("unknown field '{seg}' in {tname}"), help);
                        return None;
                    }
                },
                Some(DomainStruct::Newtype(inner)) if seg == "0" => {
                    access.push("0".into());
                    ty = inner.without_refs().clone();
                }
                _ => {
                    self.err(
                        text.span,
                        format!(
                            "'{}' has no field '{seg}': {tname} is not a struct with named fields",
                            access.join(".")
                        ),
                        "point at a field of a struct in the port source",
                    );
                    return None;
                }
            }
        }
        Some((access, ty))
    }

    /// Plans a value for a wire slot of the given schema view.
    pub(super) fn value(
        &mut self,
        pm: &PortMethod,
        spec: &ValueSpec,
        target: &View<'_>,
        wire_required: bool,
        what: &str,
    ) -> Option<ValuePlan> {
        match spec {
            ValueSpec::Const(c) => {
                // Objects and lists are written as JSON constants (`const: {}`, `const: [a, b]`).
                let ok = matches!(
                    (&target.kind, &c.value),
                    (Kind::Str { .. }, serde_json::Value::String(_))
                        | (Kind::Int { .. }, serde_json::Value::Number(_))
                        | (Kind::Num, serde_json::Value::Number(_))
                        | (Kind::Bool, serde_json::Value::Bool(_))
                        | (
                            Kind::Object { .. } | Kind::Any,
                            serde_json::Value::Object(_)
                        )
                        | (Kind::Array(_) | Kind::Any, serde_json::Value::Array(_))
                );
                let int_ok = !matches!(target.kind, Kind::Int { .. }) || c.value.as_i64().is_some();
                if !ok || !int_ok {
                    self.err(
                        c.span,
                        format!(
                            "{what} is {} in the spec, but the mapping gives {}",
                            target.describe(),
                            c.value
                        ),
                        "write a constant of the spec's type",
                    );
                    return None;
                }
                let listed: Vec<String> = match &target.kind {
                    Kind::Str { values } => values.clone(),
                    Kind::Int { values } => values.iter().map(i64::to_string).collect(),
                    _ => Vec::new(),
                };
                let given = match &c.value {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if !listed.is_empty() && !listed.contains(&given) {
                    let help =
                        suggest_value(&given, &listed, matches!(target.kind, Kind::Int { .. }));
                    self.err(c.span, format!("'{given}' is not a value of {what}"), help);
                    return None;
                }
                Some(ValuePlan::Const(c.value.clone()))
            }
            ValueSpec::Setting(name) => self.setting_value(name, target, what),
            ValueSpec::File { from, .. } => {
                self.err(
                    from.span,
                    format!("{what} is not a part of a multipart body, so it has no file name or content type"),
                    "map the value with `from:` alone",
                );
                None
            }
            ValueSpec::Credential(span) => {
                self.err(
                    *span,
                    format!(
                        "{what} cannot carry the credential: only a header or query parameter can"
                    ),
                    "send the credential through `auth:`",
                );
                None
            }
            ValueSpec::Each { from, .. } => {
                self.err(from.span, format!("{what} is not a list of objects in a request body, so `each:` does not apply"), "map the value with `from:`");
                None
            }
            ValueSpec::Expr { from, via, values } => {
                let (mut access, ty) = self.expr(pm, from)?;
                if let Some(via) = via {
                    if values.is_some() {
                        self.err(
                            via.span,
                            format!("{what} has both `via:` and `values:`, which both convert the value"),
                            "keep one: `values:` for a domain enum's wire values, `via:` for anything else",
                        );
                        return None;
                    }
                    if !self.check_path(via) {
                        return None;
                    }
                    // Into an optional slot, `None` is left out and the function gets
                    // the value inside; into a required one it gets the `Option` and
                    // must give a value.
                    let lent = match &ty {
                        Ty::Option(inner) if !wire_required => inner.without_refs().clone(),
                        t => t.clone(),
                    };
                    let wire = self.wire_rust_type(&target.kind);
                    self.request_via_signature(via, &lent, &wire);
                    return Some(ValuePlan::Expr {
                        access,
                        clone: false,
                        optional: matches!(ty, Ty::Option(_)) && !wire_required,
                        convert: None,
                        via: Some(via.value.clone()),
                    });
                }
                let (optional, ty) = match ty {
                    Ty::Option(inner) => (true, inner.without_refs().clone()),
                    t => (false, t),
                };
                if optional && wire_required {
                    self.err(
                        from.span,
                        format!(
                            "{what} is required by the vendor, but '{}' is an Option",
                            from.value
                        ),
                        "map a value that is always present, or give a `const:`",
                    );
                    return None;
                }
                if optional && self.is_newtype(&ty) {
                    self.newtype_in_option(from, &ty);
                    return None;
                }
                let ty = self.unwrap_newtype(ty, &mut access);
                if let Some(convert) = self.enum_value(&ty, target, values.as_deref(), from, what) {
                    // An enum is matched by reference; a list of them is consumed.
                    return convert.map(|convert| ValuePlan::Expr {
                        access,
                        clone: matches!(ty, Ty::Vec(_)),
                        optional,
                        convert: Some(convert),
                        via: None,
                    });
                }
                let fit = match &ty {
                    Ty::Named(n) => scalar_fit(self, target, n),
                    Ty::Vec(inner) => match (&target.kind, inner.without_refs()) {
                        (Kind::Array(Some(item)), Ty::Named(n)) => {
                            let item = crate::spec::view::view(self.spec, *item).ok();
                            item.and_then(|iv| scalar_fit(self, &iv, n))
                                .map(|each| each.map(|c| Convert::Each(Box::new(c))))
                        }
                        // The wire holds one JSON value: the whole list becomes it.
                        (Kind::Array(None) | Kind::Any, Ty::Named(n))
                            if JSON_SCALARS.contains(&n.as_str()) =>
                        {
                            Some(Some(Convert::From(JSON_VALUE.to_string())))
                        }
                        _ => None,
                    },
                    _ => None,
                };
                let Some(convert) = fit else {
                    self.mismatch(from, what, target, &ty);
                    return None;
                };
                let owned = match &ty {
                    Ty::Named(n) => n == "String",
                    _ => true,
                };
                Some(ValuePlan::Expr {
                    access,
                    clone: owned,
                    optional,
                    convert,
                    via: None,
                })
            }
        }
    }
    /// A domain enum's conversion, or a list of them item by item: `None` when `ty`
    /// is no enum of the port (and no `values:` is written), `Some(None)` when it is
    /// and the mapping cannot send it (reported).
    fn enum_value(
        &mut self,
        ty: &Ty,
        target: &View<'_>,
        values: Option<&[(Spanned<String>, Spanned<String>)]>,
        from: &Spanned<String>,
        what: &str,
    ) -> Option<Option<Convert>> {
        let is_enum = |n: &str| self.port.enums.contains_key(n);
        match ty {
            Ty::Named(n) if is_enum(n) => Some(self.enum_to_wire(n, target, values, from, what)),
            Ty::Vec(inner) if matches!(inner.without_refs(), Ty::Named(n) if is_enum(n)) => {
                let Ty::Named(n) = inner.without_refs() else {
                    return Some(None);
                };
                let item = match &target.kind {
                    Kind::Array(Some(item)) => crate::spec::view::view(self.spec, *item).ok(),
                    _ => None,
                };
                let Some(item) = item else {
                    self.mismatch(from, what, target, ty);
                    return Some(None);
                };
                let n = n.clone();
                Some(
                    self.enum_to_wire(&n, &item, values, from, what)
                        .map(|c| Convert::Each(Box::new(c))),
                )
            }
            _ if values.is_some() => {
                self.err(
                    from.span,
                    format!(
                        "{what} has `values:`, but '{}' is {ty}, not an enum of the port",
                        from.value
                    ),
                    "remove `values:`, or map a domain enum",
                );
                Some(None)
            }
            _ => None,
        }
    }

    /// A value of a type the slot does not take as it is: the help names the function
    /// `via:` needs.
    fn mismatch(&mut self, from: &Spanned<String>, what: &str, target: &View<'_>, ty: &Ty) {
        self.err(
            from.span,
            format!(
                "{what} is {} in the spec, but '{}' is {ty}",
                target.describe(),
                from.value
            ),
            self.via_help_for(&target.kind, ty),
        );
    }

    /// [`Self::via_help`] with the function's parameter written out: a list is lent as
    /// a slice (`&[LabelId]`; a `&Vec<_>` parameter is clippy's ptr_arg).
    fn via_help_for(&self, kind: &Kind<'_>, ty: &Ty) -> String {
        let lent = match ty.without_refs() {
            Ty::Vec(item) => format!("&[{item}]"),
            Ty::Named(n) if n == "String" => "&str".to_string(),
            t => format!("&{t}"),
        };
        self.via_help_lending(kind, &lent)
    }

    /// The help for a value that needs `via:`: the exact type the function must return
    /// for the wire slot (docs/mapping.md, "What a request `via:` returns").
    pub(super) fn via_help(&self, kind: &Kind<'_>) -> String {
        self.via_help_lending(kind, "&T")
    }

    /// The help's text, for a function lent `lent`.
    fn via_help_lending(&self, kind: &Kind<'_>, lent: &str) -> String {
        format!(
            "convert it with `{{ from: …, via: path::to::function }}`, a `fn({lent}) -> {w}` (or `Result<{w}, E>`, E: Display, to refuse a value before sending)",
            w = self.wire_rust_type(kind)
        )
    }

    /// The Rust type a request value for a slot of `kind` is sent as.
    pub(super) fn wire_rust_type(&self, kind: &Kind<'_>) -> String {
        match kind {
            Kind::Str { .. } => "String".into(),
            Kind::Int { .. } => "i64".into(),
            Kind::Num => "f64".into(),
            Kind::Bool => "bool".into(),
            Kind::Array(Some(item)) => {
                let item = crate::spec::view::view(self.spec, *item)
                    .map(|iv| match iv.kind {
                        Kind::Str { .. } | Kind::Int { .. } | Kind::Num | Kind::Bool => {
                            self.wire_rust_type(&iv.kind)
                        }
                        _ => JSON_VALUE.to_string(),
                    })
                    .unwrap_or_else(|_| JSON_VALUE.to_string());
                format!("Vec<{item}>")
            }
            Kind::Array(None) => format!("Vec<{JSON_VALUE}>"),
            _ => JSON_VALUE.into(),
        }
    }

    /// A `via:` must be a plain Rust path; anything else would be code injected from the mapping.
    pub(super) fn check_path(&mut self, p: &Spanned<String>) -> bool {
        let ok = syn::parse_str::<syn::Path>(&p.value).is_ok_and(|path| {
            path.segments
                .iter()
                .all(|s| matches!(s.arguments, syn::PathArguments::None))
        });
        if !ok {
            self.err(
                p.span,
                format!("'{}' is not a Rust function path", p.value),
                "write a path such as `crate::convert::money`",
            );
        }
        ok
    }

    /// Whether `ty` is a newtype of the port (`struct OrderId(String)`).
    pub(super) fn is_newtype(&self, ty: &Ty) -> bool {
        matches!(ty, Ty::Named(n) if matches!(self.port.structs.get(n), Some(DomainStruct::Newtype(_))))
    }

    /// An `Option` of a newtype is not read through: its inside is `.0` of a value that
    /// may be absent, which the generated code cannot name as a path.
    pub(super) fn newtype_in_option(&mut self, from: &Spanned<String>, inner: &Ty) {
        self.err(
            from.span,
            format!(
                "'{}' is Option<{inner}>, and a newtype inside an Option is not read through",
                from.value
            ),
            format!(
                "convert it with `{{ from: {}, via: path::to::function }}` (a function of `&{inner}`; None is left out), or declare the field as an Option of the newtype's inside (Option<String>)",
                from.value
            ),
        );
    }

    pub(super) fn unwrap_newtype(&self, mut ty: Ty, access: &mut Vec<String>) -> Ty {
        for _ in 0..4 {
            let Ty::Named(n) = &ty else { break };
            match self.port.structs.get(n) {
                Some(DomainStruct::Newtype(inner)) => {
                    access.push("0".into());
                    ty = inner.without_refs().clone();
                }
                _ => break,
            }
        }
        ty
    }
}

pub(super) const SCALARS: [&str; 13] = [
    "String", "str", "bool", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "f32", "f64", "u64",
];

#[cfg(test)]
mod tests {
    use super::super::fixture::{Fixture, op};
    use super::super::{BodyNode, BodyPlan};
    use super::*;

    #[test]
    fn a_nested_request_object_is_its_dotted_paths() {
        let dotted = Fixture::default()
            .mapping(
                "memo: req.memo }",
                "memo: req.memo, meta.order: req.order }",
            )
            .plan();
        let nested = Fixture::default()
            .mapping(
                "memo: req.memo }",
                "memo: req.memo, meta: { order: req.order } }",
            )
            .plan();
        assert_eq!(op(&nested, "create").body, op(&dotted, "create").body);
        assert!(op(&nested, "create").body.is_some());
        // Beside a value key, an unknown key is a mistake, not a field.
        Fixture::default()
            .mapping("memo: req.memo }", "memo: { from: req.memo, vai: x } }")
            .refused_with("vai");
    }

    #[test]
    fn an_option_of_a_newtype_is_refused_with_the_fix() {
        Fixture::default()
            .port(
                "pub memo: Option<String>, pub order: String }",
                "pub memo: Option<Memo>, pub order: String }\npub struct Memo(pub String);",
            )
            .refused_with(
                "'req.memo' is Option<Memo>, and a newtype inside an Option is not read through",
            );
    }

    /// The value planned for a top-level field of `create`'s request body.
    fn body_value(plan: &super::super::Plan, field: &str) -> ValuePlan {
        let Some(BodyPlan {
            root: BodyNode::Struct { fields, .. },
            ..
        }) = &op(plan, "create").body
        else {
            panic!("create has a struct body");
        };
        match fields.iter().find(|(n, _, _)| n == field) {
            Some((_, BodyNode::Leaf(v), _)) => v.clone(),
            other => panic!("{field}: {other:?}"),
        }
    }

    #[test]
    fn small_integers_widen_and_strings_are_cloned() {
        let plan = Fixture::default().plan();
        assert_eq!(
            body_value(&plan, "amount"),
            ValuePlan::Expr {
                access: vec!["req".into(), "amount".into()],
                clone: false,
                optional: false,
                convert: Some(Convert::From("i64".into())),
                via: None
            }
        );
        assert!(matches!(
            body_value(&plan, "memo"),
            ValuePlan::Expr {
                clone: true,
                optional: true,
                ..
            }
        ));
    }

    #[test]
    fn a_borrowed_str_into_an_optional_string_field_is_made_a_string() {
        // Issue 15: `.clone()` of a `&str` is a `&str`, which rustc refused for a String field.
        let plan = Fixture::default()
            .port(
                "async fn create(&self, req: NewThing)",
                "async fn create(&self, req: NewThing, memo: &str)",
            )
            .mapping("memo: req.memo", "memo: memo")
            .plan();
        assert_eq!(
            body_value(&plan, "memo"),
            ValuePlan::Expr {
                access: vec!["memo".into()],
                clone: false,
                optional: false,
                convert: Some(Convert::From("String".into())),
                via: None
            }
        );
    }

    #[test]
    fn constants_and_conversions_are_checked() {
        let plan = Fixture::default()
            .mapping("memo: req.memo", "memo: { const: web }")
            .plan();
        assert_eq!(body_value(&plan, "memo"), ValuePlan::Const("web".into()));
        Fixture::default()
            .mapping("amount: req.amount,", "amount: { const: lots },")
            .refused_with(
                "request.amount is an integer in the spec, but the mapping gives \"lots\"",
            );
        Fixture::default()
            .mapping(
                "amount: req.amount,",
                "amount: { from: req.order, via: \"crate::x()\" },",
            )
            .refused_with("'crate::x()' is not a Rust function path");
    }

    #[test]
    fn wrong_arguments_fields_and_types_are_named() {
        Fixture::default()
            .mapping("amount: req.amount,", "amount: rq.amount,")
            .refused_with("'rq' is not an argument of create");
        Fixture::default()
            .mapping("amount: req.amount,", "amount: req.amont,")
            .refused_with("unknown field 'amont' in NewThing");
        Fixture::default()
            .mapping("amount: req.amount,", "amount: req.order,")
            .refused_with("request.amount is an integer in the spec, but 'req.order' is String");
        Fixture::default()
            .mapping("amount: req.amount,", "amount: req.memo,")
            .refused_with("request.amount is required by the vendor, but 'req.memo' is an Option");
    }

    /// The fixture with `memo` a union of string and integer, and `tags` a list of
    /// string-or-object items.
    fn with_unions() -> Fixture {
        Fixture::default()
            .spec(
                "memo: { type: string }",
                "memo: { oneOf: [{ type: string }, { type: integer }] }\n                tags: { type: array, items: { oneOf: [{ type: string }, { type: object }] } }\n                count: { type: integer }",
            )
            .port(
                "pub struct NewThing { pub amount: u32,",
                "pub struct NewThing { pub tags: Vec<String>, pub count: Option<u64>, pub flag: bool, pub amount: u32,",
            )
    }

    #[test]
    fn a_value_fitting_a_variant_of_a_union_is_sent_as_its_json_value() {
        let plan = with_unions()
            .mapping("memo: req.memo }", "memo: req.memo, tags: req.tags }")
            .plan();
        let from_json = Some(Convert::From("serde_json::Value".into()));
        assert!(
            matches!(body_value(&plan, "memo"), ValuePlan::Expr { ref convert, optional: true, .. } if *convert == from_json)
        );
        assert!(matches!(
            body_value(&plan, "tags"),
            ValuePlan::Expr { convert: Some(Convert::Each(ref inner)), .. } if **inner == Convert::From("serde_json::Value".into())
        ));
    }

    #[test]
    fn a_value_fitting_no_variant_of_a_union_is_refused_naming_the_via_type() {
        with_unions()
            .mapping("memo: req.memo }", "memo: req.flag }")
            .refused_with(
                "request.memo is a union (anyOf/oneOf) in the spec, but 'req.flag' is bool",
            );
        with_unions()
            .mapping("memo: req.memo }", "memo: req.flag }")
            .helped_with("a `fn(&bool) -> serde_json::Value`");
    }

    #[test]
    fn a_u64_for_an_integer_is_converted_with_a_check() {
        let plan = with_unions()
            .mapping("memo: req.memo }", "memo: req.memo, count: req.count }")
            .plan();
        assert!(matches!(
            body_value(&plan, "count"),
            ValuePlan::Expr { convert: Some(Convert::Checked(ref w)), optional: true, .. } if w == "i64"
        ));
    }
}
