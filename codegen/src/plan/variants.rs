//! A domain enum sent to the vendor: the wire value of each variant.
//!
//! Into a string field whose spec lists its values, each unit variant goes as the value
//! of the same name, compared without case and separators (`InProgress` is
//! `in_progress`, `AccRec` is `ACCREC`); `values:` says it where the names differ. A
//! variant that carries one `String` sends that text (the spec's enum is still checked
//! before sending). Every variant must have a value, so the generated `match` is
//! exhaustive and a variant added to the port later fails `check`, not rustc.

use super::args::Convert;
use super::planner::Planner;
use crate::error::{suggest, suggest_value};
use crate::load::mapping::Spanned;
use crate::load::port::{Ty, VariantShape};
use crate::spec::view::{Kind, View};

/// A domain enum's wire values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumValues {
    /// The enum, rendered.
    pub domain_enum: String,
    /// Variant → its value, every variant once.
    pub arms: Vec<(String, VariantValue)>,
    /// Whether the slot takes integer codes.
    pub integer: bool,
}

/// One variant's wire value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VariantValue {
    /// This text (or, into an integer field, this code).
    Fixed(String),
    /// The text the variant carries (`Other(String)`), checked before sending against
    /// the values the spec lists (`allowed`, when it lists any).
    Carried {
        /// The spec's values.
        allowed: Vec<String>,
    },
}

/// The text compared when variants are matched to the spec's values by name.
pub(crate) fn folded(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

impl Planner<'_> {
    /// The shape of the variant a mapping names (`values: { …: Variant }`) among the
    /// enum `name`'s `variants`; reported at its place, with the nearest name, when
    /// there is none.
    pub(super) fn variant_shape<'v>(
        &mut self,
        name: &str,
        variants: &'v [(String, VariantShape)],
        variant: &Spanned<String>,
    ) -> Option<&'v VariantShape> {
        let found = variants.iter().find(|(v, _)| *v == variant.value);
        if found.is_none() {
            let help = suggest(&variant.value, variants.iter().map(|(v, _)| v.as_str()));
            self.err(
                variant.span,
                format!("{name} has no variant '{}'", variant.value),
                help,
            );
        }
        found.map(|(_, shape)| shape)
    }

    /// How the enum `name` becomes the value of `slot`, or `None` (reported)
    /// when some variant has no value the vendor takes.
    pub(super) fn enum_to_wire(
        &mut self,
        name: &str,
        slot: &View<'_>,
        values: Option<&[(Spanned<String>, Spanned<String>)]>,
        from: &Spanned<String>,
        what: &str,
    ) -> Option<Convert> {
        let variants = self.port.enums.get(name).cloned().unwrap_or_default();
        let (spec_values, integer) = match &slot.kind {
            Kind::Str { values } => (values.clone(), false),
            Kind::Int { values: codes } if values.is_some() => {
                (codes.iter().map(i64::to_string).collect(), true)
            }
            _ => {
                self.err(
                    from.span,
                    format!(
                        "{what} is {} in the spec, but '{}' is the enum {name}",
                        slot.describe(),
                        from.value
                    ),
                    self.via_help(&slot.kind),
                );
                return None;
            }
        };
        let mut arms: Vec<(String, VariantValue)> = Vec::new();
        let mut ok = true;
        // The mapping's own pairs first: vendor value → variant.
        for (wire, variant) in values.unwrap_or_default() {
            let Some(shape) = self.variant_shape(name, &variants, variant) else {
                ok = false;
                continue;
            };
            if *shape != VariantShape::Unit {
                self.err(
                    variant.span,
                    format!(
                        "{name}::{} carries data, so it has no one value to send",
                        variant.value
                    ),
                    "map only unit variants; a variant with one String sends its text by itself",
                );
                ok = false;
                continue;
            }
            if integer && wire.value.parse::<i64>().is_err() {
                self.err(
                    wire.span,
                    format!(
                        "'{}' is not an integer, but {what} takes integer codes",
                        wire.value
                    ),
                    "write each code as a number: `values: { 1: Scheduled, 2: Recurring }`",
                );
                ok = false;
                continue;
            }
            // A code as the spec lists it (`+2` and `02` are 2).
            let listed = match wire.value.parse::<i64>() {
                Ok(code) if integer => code.to_string(),
                _ => wire.value.clone(),
            };
            if !spec_values.is_empty() && !spec_values.contains(&listed) {
                let help = suggest_value(&wire.value, &spec_values, integer);
                self.err(
                    wire.span,
                    format!("'{}' is not a value of {what}", wire.value),
                    help,
                );
                ok = false;
                continue;
            }
            if arms.iter().any(|(v, _)| *v == variant.value) {
                self.err(
                    variant.span,
                    format!(
                        "{name}::{} is given two values; a request sends one",
                        variant.value
                    ),
                    "keep one entry for the variant",
                );
                ok = false;
                continue;
            }
            arms.push((variant.value.clone(), VariantValue::Fixed(listed)));
        }
        // Then every variant the pairs leave out, by its name or its text.
        let mut unmatched = Vec::new();
        for (variant, shape) in &variants {
            if arms.iter().any(|(v, _)| v == variant) {
                continue;
            }
            match shape {
                VariantShape::Tuple(t)
                    if !integer && t.len() == 1 && t[0] == Ty::Named("String".into()) =>
                {
                    arms.push((
                        variant.clone(),
                        VariantValue::Carried {
                            allowed: spec_values.clone(),
                        },
                    ));
                }
                VariantShape::Unit => {
                    let same: Vec<&String> = spec_values
                        .iter()
                        .filter(|s| folded(s) == folded(variant))
                        .collect();
                    match same.as_slice() {
                        [one] if values.is_none() => {
                            arms.push((variant.clone(), VariantValue::Fixed((*one).clone())))
                        }
                        _ => unmatched.push(variant.clone()),
                    }
                }
                _ => {
                    self.err(
                        from.span,
                        format!(
                            "{name}::{variant} carries data other than one String, so {what} has no value for it"
                        ),
                        "convert it with `via:`",
                    );
                    ok = false;
                }
            }
        }
        if !unmatched.is_empty() {
            let listed = if spec_values.is_empty() {
                String::new()
            } else {
                format!(" (the spec's values: {})", spec_values.join(", "))
            };
            let example = unmatched
                .iter()
                .map(|v| format!("<value>: {v}"))
                .collect::<Vec<_>>()
                .join(", ");
            let why = match (values.is_some(), spec_values.is_empty()) {
                (true, _) => "`values:` does not name".to_string(),
                (false, true) => "the spec lists no values, so nothing matches".to_string(),
                (false, false) => "no value of the spec is named like".to_string(),
            };
            self.err(
                from.span,
                format!(
                    "{what} gets the enum {name}, but {why} {}{listed}",
                    unmatched.join(", ")
                ),
                format!(
                    "give every variant its value: `{{ from: {}, values: {{ {example} }} }}`, or convert with `via:`",
                    from.value
                ),
            );
            ok = false;
        }
        ok.then(|| {
            Convert::Enum(Box::new(EnumValues {
                domain_enum: self.domain(name),
                arms,
                integer,
            }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::args::{Convert, ValuePlan};
    use super::super::fixture::{Fixture, op};
    use super::super::{BodyNode, BodyPlan};
    use super::{VariantValue, folded};

    /// The fixture with `memo` a string enum of the spec and `req.kind` a domain enum.
    fn with_kinds(values: &str, variants: &str) -> Fixture {
        Fixture::default()
            .spec(
                "memo: { type: string }",
                &format!("memo: {{ type: string, enum: [{values}] }}"),
            )
            .port(
                "pub memo: Option<String>,",
                "pub memo: Option<String>, pub kind: Kind, pub kinds: Vec<Kind>,",
            )
            .port(
                "pub enum ThingError",
                &format!("pub enum Kind {{ {variants} }}\npub enum ThingError"),
            )
    }

    fn memo(fixture: &Fixture) -> ValuePlan {
        let plan = fixture.plan();
        let Some(BodyPlan {
            root: BodyNode::Struct { fields, .. },
            ..
        }) = &op(&plan, "create").body
        else {
            panic!("create has a struct body");
        };
        match fields.iter().find(|(n, _, _)| n == "memo") {
            Some((_, BodyNode::Leaf(v), _)) => v.clone(),
            other => panic!("memo: {other:?}"),
        }
    }

    fn arms(v: &ValuePlan) -> Vec<(String, VariantValue)> {
        match v {
            ValuePlan::Expr {
                convert: Some(Convert::Enum(e)),
                ..
            } => e.arms.clone(),
            other => panic!("not an enum conversion: {other:?}"),
        }
    }

    #[test]
    fn names_compare_without_case_and_separators() {
        assert_eq!(folded("InProgress"), folded("in_progress"));
        assert_eq!(folded("AccRec"), folded("ACCREC"));
        assert_eq!(folded("Open"), folded("open"));
        assert_ne!(folded("Open"), folded("opened"));
    }

    #[test]
    fn variants_go_as_the_spec_values_of_their_names() {
        let f = with_kinds("in_progress, DONE", "InProgress, Done, Other(String)")
            .mapping("memo: req.memo }", "memo: req.kind }");
        let fixed = |s: &str| VariantValue::Fixed(s.into());
        assert_eq!(
            arms(&memo(&f)),
            vec![
                ("InProgress".into(), fixed("in_progress")),
                ("Done".into(), fixed("DONE")),
                (
                    "Other".into(),
                    VariantValue::Carried {
                        allowed: vec!["in_progress".into(), "DONE".into()]
                    }
                ),
            ]
        );
    }

    #[test]
    fn values_name_what_the_names_do_not() {
        let f = with_kinds("ACCREC, ACCPAY", "Sales, Bills").mapping(
            "memo: req.memo }",
            "memo: { from: req.kind, values: { ACCREC: Sales, ACCPAY: Bills } } }",
        );
        assert_eq!(
            arms(&memo(&f)),
            vec![
                ("Sales".into(), VariantValue::Fixed("ACCREC".into())),
                ("Bills".into(), VariantValue::Fixed("ACCPAY".into())),
            ]
        );
        // A list of them, item by item.
        let list = with_kinds("ACCREC, ACCPAY", "Sales, Bills")
            .spec(
                "memo: { type: string, enum: [ACCREC, ACCPAY] }",
                "memo: { type: array, items: { type: string, enum: [ACCREC, ACCPAY] } }",
            )
            .mapping(
                "memo: req.memo }",
                "memo: { from: req.kinds, values: { ACCREC: Sales, ACCPAY: Bills } } }",
            );
        assert!(matches!(
            memo(&list),
            ValuePlan::Expr { convert: Some(Convert::Each(ref inner)), clone: true, .. } if matches!(**inner, Convert::Enum(_))
        ));
    }

    #[test]
    fn a_variant_without_a_value_is_refused_with_the_entry_to_write() {
        let f = with_kinds("ACCREC, ACCPAY", "Sales, Bills")
            .mapping("memo: req.memo }", "memo: req.kind }");
        f.refused_with("request.memo gets the enum Kind, but no value of the spec is named like Sales, Bills (the spec's values: ACCREC, ACCPAY)");
        f.helped_with("`{ from: req.kind, values: { <value>: Sales, <value>: Bills } }`");
        with_kinds("ACCREC, ACCPAY", "Sales, Bills")
            .mapping(
                "memo: req.memo }",
                "memo: { from: req.kind, values: { ACCREC: Sales } } }",
            )
            .refused_with("but `values:` does not name Bills");
    }

    /// Integer codes (Zoom's meeting `type: 1 | 2 | 3 | 8`): a code or a constant the
    /// spec does not list is refused at its line, with the codes it does.
    #[test]
    fn integer_codes_are_checked_against_the_spec_list() {
        let coded = || {
            with_kinds("open, closed", "Instant, Scheduled").spec(
                "memo: { type: string, enum: [open, closed] }",
                "memo: { type: integer, enum: [1, 2, 8] }",
            )
        };
        let f = coded().mapping(
            "memo: req.memo }",
            "memo: { from: req.kind, values: { 1: Instant, +02: Scheduled } } }",
        );
        assert_eq!(
            arms(&memo(&f)),
            vec![
                ("Instant".into(), VariantValue::Fixed("1".into())),
                ("Scheduled".into(), VariantValue::Fixed("2".into())),
            ]
        );
        let unlisted = coded().mapping(
            "memo: req.memo }",
            "memo: { from: req.kind, values: { 1: Instant, 3: Scheduled } } }",
        );
        unlisted.refused_with("'3' is not a value of request.memo");
        unlisted.helped_with("the spec lists 1, 2, 8");
        let constant = coded().mapping("memo: req.memo }", "memo: { const: 4 } }");
        constant.refused_with("'4' is not a value of request.memo");
        constant.helped_with("the spec lists 1, 2, 8");
        let constant = coded().mapping("memo: req.memo }", "memo: { const: 8 } }");
        assert_eq!(memo(&constant), ValuePlan::Const(serde_json::json!(8)));
    }

    #[test]
    fn wrong_values_are_refused_where_they_are_written() {
        let base = || with_kinds("open, closed", "Open, Closed");
        base()
            .mapping(
                "memo: req.memo }",
                "memo: { from: req.kind, values: { opened: Open, closed: Closed } } }",
            )
            .refused_with("'opened' is not a value of request.memo");
        base()
            .mapping(
                "memo: req.memo }",
                "memo: { from: req.kind, values: { open: Opn, closed: Closed } } }",
            )
            .refused_with("Kind has no variant 'Opn'");
        base()
            .mapping(
                "memo: req.memo }",
                "memo: { from: req.kind, values: { open: Open, closed: Open } } }",
            )
            .refused_with("Kind::Open is given two values");
        base()
            .mapping(
                "memo: req.memo }",
                "memo: { from: req.kind, via: crate::f, values: { open: Open } } }",
            )
            .refused_with("has both `via:` and `values:`");
        base()
            .mapping(
                "memo: req.memo }",
                "memo: { from: req.memo, values: { open: Open } } }",
            )
            .refused_with("has `values:`, but 'req.memo' is String, not an enum of the port");
        with_kinds("open, closed", "Open, Closed, Custom { x: u8 }")
            .mapping("memo: req.memo }", "memo: req.kind }")
            .refused_with("Kind::Custom carries data other than one String");
    }
}
