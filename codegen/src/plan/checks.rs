//! The cheap checks of a request's values against the constraints the spec states
//! (length, pattern, enum, range), which the generated code makes before sending: a
//! value the vendor would refuse with a 400 or 422 fails at once, naming the field
//! and the constraint, and is never sent (`runtime/src/validate/`).
//!
//! Only values taken straight from the port's arguments are checked when sending; a
//! `via:` function's result has a type of its own choosing. A constant is the mapping's
//! own, so it is checked here, once: `check` refuses a `const:` the spec's constraints
//! rule out (a `per_page` above the spec's `maximum`), which the vendor would refuse on
//! every call.

use super::constraints::{self, Constraints};
use super::planner::Planner;
use crate::error::Span;
use crate::load::mapping::ValueSpec;
use crate::load::port::{INTEGERS, PortMethod, Ty};
use crate::spec::view::SRef;

/// One value checked before sending.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckPlan {
    /// Where the value goes, as errors name it: a JSON path in the body
    /// (`$.reference_id`) or a parameter (`query per_page`).
    pub field: String,
    /// The value's access path over the arguments.
    pub access: Vec<String>,
    /// The access is an `Option`: checked when present.
    pub optional: bool,
    /// What kind of value it is.
    pub value: CheckedValue,
    /// The spec's constraints that apply to that kind (an unsupported pattern left out).
    pub constraints: Constraints,
    /// For a value inside `each:` items: the lists it sits in, outermost first (each
    /// one's access path, and whether it is an `Option<Vec<_>>`); the check runs for
    /// every item, bound to `item`.
    pub each: Vec<(Vec<String>, bool)>,
}

impl CheckPlan {
    /// Nothing to check before sending: the plan is kept only so contract tests draw a
    /// sample that fits the slot (`format: email`, `format: uuid`).
    pub fn sample_only(&self) -> bool {
        Constraints {
            format: self.constraints.format.filter(|f| f.checked()),
            uuid: false,
            ..self.constraints.clone()
        }
        .is_empty()
    }
}

/// The kind of a checked value, which decides the checks that apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckedValue {
    /// `String` or `&str`: length, pattern, enum.
    Text,
    /// A Rust integer (`i32`, `u64`, …): the range, compared as `i128`.
    Integer,
    /// `f64`: the range.
    Number,
    /// `f32`: the range, compared as `f64` (which holds every bound a spec writes).
    Float32,
    /// A `Vec`: its length (`maxItems`, `minItems`).
    List,
}

/// The longest `enum` checked before sending.
const MAX_ENUM_CHECKED: usize = 64;

impl Planner<'_> {
    /// Records the check of `spec`'s value, going to `field` whose schema is `schema`,
    /// when it is an argument's value and the spec constrains it.
    pub(super) fn check(
        &mut self,
        pm: &PortMethod,
        spec: &ValueSpec,
        schema: SRef<'_>,
        field: String,
    ) {
        if let ValueSpec::Const(c) = spec {
            let limits = constraints::of(self.spec, schema);
            // A list is checked as a list, then item by item against the item schema.
            let items = match (&c.value, self.item_schema(schema)) {
                (serde_json::Value::Array(items), Some(item)) => {
                    let each = constraints::of(self.spec, item);
                    items.iter().enumerate().find_map(|(i, x)| {
                        const_violation(&each, x)
                            .map(|why| format!("has item {i}, {x}, which {why}"))
                    })
                }
                _ => None,
            };
            if let Some(why) = const_violation(&limits, &c.value).or(items) {
                self.err(
                    c.span,
                    format!("the constant {} for {field} {why}, as the spec states", c.value),
                    "write a constant the spec allows, or correct the spec with an overlay if the vendor takes it",
                );
            }
            return;
        }
        // A domain enum (`values:` or matched by name) is not checked here: its
        // wire values were checked against the spec when planned.
        let ValueSpec::Expr {
            from, via: None, ..
        } = spec
        else {
            return;
        };
        let Some((mut access, ty)) = self.expr(pm, from) else {
            return;
        };
        let (optional, ty) = match ty {
            Ty::Option(inner) => (true, *inner),
            // A newtype (`OrderId(String)`) is checked by its inside, `.0`.
            other => (false, self.unwrap_newtype(other, &mut access)),
        };
        if let Ty::Vec(item) = ty.without_refs() {
            self.check_list(item, access, optional, schema, field, from.span);
            return;
        }
        let inner = &ty;
        let value = match inner.without_refs() {
            Ty::Named(n) if n == "String" || n == "str" => CheckedValue::Text,
            // By value only: a reference to a number would need dereferencing.
            Ty::Named(n) if INTEGERS.contains(&n.as_str()) && !matches!(inner, Ty::Ref(_)) => {
                CheckedValue::Integer
            }
            Ty::Named(n) if n == "f64" && !matches!(inner, Ty::Ref(_)) => CheckedValue::Number,
            Ty::Named(n) if n == "f32" && !matches!(inner, Ty::Ref(_)) => CheckedValue::Float32,
            _ => return,
        };
        let c = match value {
            CheckedValue::Text => {
                self.text_checks(constraints::of(self.spec, schema), &field, from.span)
            }
            CheckedValue::Integer | CheckedValue::Number | CheckedValue::Float32 => {
                let c = constraints::of(self.spec, schema);
                Constraints {
                    minimum: c.minimum,
                    maximum: c.maximum,
                    ..Constraints::default()
                }
            }
            // Lists went to `check_list` above.
            CheckedValue::List => return,
        };
        if c.is_empty() {
            return;
        }
        self.checks.push(CheckPlan {
            field,
            access,
            optional,
            value,
            constraints: c,
            each: Vec::new(),
        });
    }
}

impl<'a> Planner<'a> {
    /// The schema of an array's items, if `schema` is an array that says.
    fn item_schema(&self, schema: SRef<'a>) -> Option<SRef<'a>> {
        match crate::spec::view::view(self.spec, schema).ok()?.kind {
            crate::spec::view::Kind::Array(item) => item,
            _ => None,
        }
    }

    /// A `Vec` argument: its length against `maxItems`/`minItems`, and each string
    /// item against the item schema's constraints (Discord's snowflake ids).
    fn check_list(
        &mut self,
        item: &Ty,
        access: Vec<String>,
        optional: bool,
        schema: SRef<'_>,
        field: String,
        span: Span,
    ) {
        let c = constraints::of(self.spec, schema);
        if c.max_items.is_some() || c.min_items.is_some() {
            self.checks.push(CheckPlan {
                field: field.clone(),
                access: access.clone(),
                optional,
                value: CheckedValue::List,
                constraints: Constraints {
                    max_items: c.max_items,
                    min_items: c.min_items,
                    ..Constraints::default()
                },
                each: Vec::new(),
            });
        }
        let text = matches!(item.without_refs(), Ty::Named(n) if n == "String" || n == "str");
        let Some(item_schema) = self.item_schema(schema).filter(|_| text) else {
            return;
        };
        let each = self.text_checks(constraints::of(self.spec, item_schema), &field, span);
        if each.is_empty() {
            return;
        }
        self.checks.push(CheckPlan {
            field: format!("{field}[]"),
            access: vec!["item".to_string()],
            optional: false,
            value: CheckedValue::Text,
            constraints: each,
            each: vec![(access, optional)],
        });
    }
}

impl Planner<'_> {
    /// The constraints of a string slot that are checked before sending, for a text
    /// value (an argument or a list's item) going to `field`, mapped at `span`.
    fn text_checks(&mut self, mut c: Constraints, field: &str, span: Span) -> Constraints {
        c.minimum = None;
        c.maximum = None;
        c.max_items = None;
        c.min_items = None;
        c.min_length = c.min_length.filter(|m| *m > 0);
        // A pattern the runtime cannot run is left out rather than failing every call,
        // and said: the user believes the spec's pattern guards what is sent.
        if let Some(p) = c.pattern.take() {
            match regex::Regex::new(&p) {
                Ok(_) => c.pattern = Some(p),
                Err(_) => self.warn(
                    span,
                    format!(
                        "the spec's pattern for {field}, {p:?}, is not an ECMA-262 expression the runtime can run (look-around, back-references, or another dialect's anchors such as \\A and \\Z): it is not checked before sending"
                    ),
                    "the vendor still checks it; to check it here, correct the pattern with an overlay (docs/mapping.md, `overlays`), or check the value with `via:`",
                ),
            }
        }
        // A long enum is no cheap check: its list would dwarf the adapter's code (a spec
        // with thousands of country or currency codes).
        if c.values.len() > MAX_ENUM_CHECKED {
            c.values.clear();
        }
        // `format: uuid` is the vendor's to check (ids are not ours to reject); it is kept
        // for the contract tests' samples only (`CheckPlan::sample_only`).
        c
    }
}

/// What rules `value` out under `c`, if anything: as the end of a sentence that starts
/// with the value. Objects and lists, and constraints of another kind of value, pass.
fn const_violation(c: &Constraints, value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => {
            let chars = s.chars().count();
            if let Some(max) = c.max_length.filter(|m| chars > *m) {
                return Some(format!("is {chars} characters long, above maxLength {max}"));
            }
            if let Some(min) = c.min_length.filter(|m| chars < *m) {
                return Some(format!("is {chars} characters long, below minLength {min}"));
            }
            // A pattern the regex crate cannot run (ECMA-only syntax) is not judged.
            let pattern = c.pattern.as_deref()?;
            match regex::Regex::new(pattern) {
                Ok(re) if !re.is_match(s) => Some(format!("does not match pattern {pattern}")),
                _ => None,
            }
        }
        serde_json::Value::Number(n) => {
            let x = n.as_f64()?;
            if let Some((max, exclusive)) = c.maximum {
                if x > max || (exclusive && x == max) {
                    let bound = if exclusive {
                        "exclusiveMaximum"
                    } else {
                        "maximum"
                    };
                    return Some(format!("is above the {bound} {max}"));
                }
            }
            if let Some((min, exclusive)) = c.minimum {
                if x < min || (exclusive && x == min) {
                    let bound = if exclusive {
                        "exclusiveMinimum"
                    } else {
                        "minimum"
                    };
                    return Some(format!("is below the {bound} {min}"));
                }
            }
            None
        }
        serde_json::Value::Array(items) => {
            if let Some(max) = c.max_items.filter(|m| items.len() > *m) {
                return Some(format!("has {} items, above maxItems {max}", items.len()));
            }
            c.min_items
                .filter(|m| items.len() < *m)
                .map(|min| format!("has {} items, below minItems {min}", items.len()))
        }
        _ => None,
    }
}

/// `$.amount_money.currency` for the body field planned at `request.amount_money.currency`.
pub(super) fn body_field(at: &str) -> String {
    format!("${}", at.strip_prefix("request").unwrap_or(at))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::Fixture;
    use super::CheckedValue;

    /// The create body of the fixture, with the spec's limits on `amount` and `memo`.
    fn limited() -> Fixture {
        Fixture::default()
            .spec(
                "amount: { type: integer }\n                memo: { type: string }",
                "amount: { type: integer, minimum: 1, maximum: 500 }\n                memo: { type: string, maxLength: 5, pattern: \"^[a-z]+$\" }",
            )
    }

    #[test]
    fn a_constant_the_spec_rules_out_is_refused_by_check() {
        limited()
            .mapping("amount: req.amount", "amount: { const: 900 }")
            .refused_with("the constant 900 for $.amount is above the maximum 500");
        limited()
            .mapping("amount: req.amount", "amount: { const: 0 }")
            .refused_with("is below the minimum 1");
        limited()
            .mapping("memo: req.memo", "memo: { const: toolong }")
            .refused_with("is 7 characters long, above maxLength 5");
        limited()
            .mapping("memo: req.memo", "memo: { const: \"AB\" }")
            .refused_with("does not match pattern ^[a-z]+$");
    }

    /// Discord's `sticker_ids: { maxItems: 3, items: Snowflake }`: a list constant is
    /// checked as a list and item by item, a list argument before each call.
    #[test]
    fn lists_are_checked_by_length_and_item() {
        let lists = || {
            Fixture::default().spec(
                "memo: { type: string }",
                "memo: { type: string }\n                tags: { type: array, maxItems: 2, items: { type: string, pattern: \"^[0-9]+$\" } }",
            )
        };
        lists()
            .mapping(
                "memo: req.memo",
                "memo: req.memo, tags: { const: [\"1\", abc] }",
            )
            .refused_with("has item 1, \"abc\", which does not match pattern ^[0-9]+$");
        lists()
            .mapping(
                "memo: req.memo",
                "memo: req.memo, tags: { const: [\"1\", \"2\", \"3\"] }",
            )
            .refused_with("has 3 items, above maxItems 2");
        let plan = lists()
            .port(
                "pub memo: Option<String>, pub order: String }",
                "pub memo: Option<String>, pub order: String, pub tags: Vec<String> }",
            )
            .mapping("memo: req.memo", "memo: req.memo, tags: req.tags")
            .plan();
        let checks: Vec<(&str, CheckedValue, Option<usize>, Option<&str>)> = plan
            .operations
            .iter()
            .flat_map(|o| &o.checks)
            .map(|c| {
                (
                    c.field.as_str(),
                    c.value,
                    c.constraints.max_items,
                    c.constraints.pattern.as_deref(),
                )
            })
            .collect();
        assert!(
            checks.contains(&("$.tags", CheckedValue::List, Some(2), None)),
            "{checks:?}"
        );
        assert!(
            checks.contains(&("$.tags[]", CheckedValue::Text, None, Some("^[0-9]+$"))),
            "{checks:?}"
        );
    }

    /// The check planned for the body field `$.memo`.
    fn memo_check(plan: &super::super::Plan) -> &super::super::CheckPlan {
        plan.operations
            .iter()
            .flat_map(|o| &o.checks)
            .find(|c| c.field == "$.memo")
            .expect("a check of $.memo")
    }

    /// Linode's `\A…\Z` (another dialect's anchors) cannot be run: the field is sent
    /// unchecked by the pattern, still by length, and `check` says so where it is mapped.
    #[test]
    fn a_pattern_the_runtime_cannot_run_is_left_out_with_a_warning() {
        let fixture = Fixture::default().spec(
            "memo: { type: string }",
            "memo: { type: string, maxLength: 9, pattern: \"\\\\A[a-z]+\\\\Z\" }",
        );
        let plan = fixture.plan();
        let check = memo_check(&plan);
        assert_eq!(check.constraints.pattern, None);
        assert_eq!(check.constraints.max_length, Some(9));
        let warnings = fixture.warnings();
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with("the spec's pattern for $.memo, ")
                    && w.ends_with("it is not checked before sending")),
            "{warnings:?}"
        );
        // One the runtime can run warns of nothing.
        assert!(
            limited().warnings().is_empty(),
            "{:?}",
            limited().warnings()
        );
    }

    #[test]
    fn a_constant_inside_the_limits_plans() {
        let plan = limited()
            .mapping(
                "amount: req.amount, memo: req.memo",
                "amount: { const: 500 }, memo: { const: web }",
            )
            .plan();
        assert!(plan.operations.iter().any(|o| o.method == "create"));
    }

    #[test]
    fn a_date_is_checked_before_sending_and_sampled_as_one() {
        let plan = Fixture::default()
            .spec(
                "memo: { type: string }",
                "memo: { type: string, format: date }",
            )
            .plan();
        let check = memo_check(&plan);
        assert_eq!(
            check.constraints.format,
            Some(super::super::TextFormat::Date)
        );
        assert_eq!(
            super::super::samples::fitting_text(&check.constraints, "memo-1"),
            "2026-03-01"
        );
        assert!(!check.sample_only());
    }

    /// Postmark's `emailFilter` is `format: email`: not checked before sending (vendors
    /// differ), but the contract tests' sample must be an address, or the spec's own
    /// request validator refuses it.
    #[test]
    fn an_email_is_sampled_as_one_and_not_checked() {
        let plan = Fixture::default()
            .spec(
                "memo: { type: string }",
                "memo: { type: string, format: email }",
            )
            .plan();
        let check = memo_check(&plan);
        assert!(check.sample_only());
        assert_eq!(
            super::super::samples::fitting_text(&check.constraints, "memo-1"),
            "someone@example.com"
        );
    }
}
