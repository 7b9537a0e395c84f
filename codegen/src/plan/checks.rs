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
use crate::load::mapping::ValueSpec;
use crate::load::port::{PortMethod, Ty};
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

/// The kind of a checked value, which decides the checks that apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckedValue {
    /// `String` or `&str`: length, pattern, enum.
    Text,
    /// A Rust integer (`i32`, `u64`, …): the range, compared as `i128`.
    Integer,
    /// `f64` or `f32`: the range.
    Number,
}

/// The longest `enum` checked before sending.
const MAX_ENUM_CHECKED: usize = 64;

const INTEGERS: [&str; 12] = [
    "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
];

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
            if let Some(why) = const_violation(&limits, &c.value) {
                self.err(
                    c.span,
                    format!("the constant {} for {field} {why}, as the spec states", c.value),
                    "write a constant the spec allows, or correct the spec with an overlay if the vendor takes it",
                );
            }
            return;
        }
        let ValueSpec::Expr { from, via: None } = spec else {
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
        let inner = &ty;
        let value = match inner.without_refs() {
            Ty::Named(n) if n == "String" || n == "str" => CheckedValue::Text,
            // By value only: a reference to a number would need dereferencing.
            Ty::Named(n) if INTEGERS.contains(&n.as_str()) && !matches!(inner, Ty::Ref(_)) => {
                CheckedValue::Integer
            }
            Ty::Named(n) if (n == "f64" || n == "f32") && !matches!(inner, Ty::Ref(_)) => {
                CheckedValue::Number
            }
            _ => return,
        };
        let mut c = constraints::of(self.spec, schema);
        match value {
            CheckedValue::Text => {
                c.minimum = None;
                c.maximum = None;
                c.min_length = c.min_length.filter(|m| *m > 0);
                // A pattern the runtime cannot run is left out rather than failing
                // every call.
                c.pattern = c.pattern.filter(|p| regex::Regex::new(p).is_ok());
                // A long enum is no cheap check: its list would dwarf the adapter's
                // code (a spec with thousands of country or currency codes).
                if c.values.len() > MAX_ENUM_CHECKED {
                    c.values.clear();
                }
            }
            CheckedValue::Integer | CheckedValue::Number => {
                c = Constraints {
                    minimum: c.minimum,
                    maximum: c.maximum,
                    ..Constraints::default()
                };
            }
        }
        // `format: uuid` is the vendor's to check: ids are not ours to reject.
        c.uuid = false;
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
        let check = plan
            .operations
            .iter()
            .flat_map(|o| &o.checks)
            .find(|c| c.field == "$.memo")
            .expect("a check of $.memo");
        assert_eq!(
            check.constraints.format,
            Some(super::super::TextFormat::Date)
        );
        assert_eq!(
            super::super::samples::fitting_text(&check.constraints, "memo-1"),
            "2026-03-01"
        );
    }
}
