//! Fallbacks: what answers when the vendor cannot, and the result field that says the
//! answer is degraded.

use super::planner::Planner;
use super::response::success_schema;
use crate::error::suggest;
use crate::load::mapping::{Fallback, OperationMap};
use crate::load::port::{DomainStruct, Port, PortMethod, Ty};
use crate::spec::view::SRef;

/// An operation's fallback, checked against the port and the spec.
#[derive(Debug, Clone, PartialEq)]
pub struct FallbackPlan {
    /// Where the answer comes from.
    pub strategy: FallbackStrategy,
    /// The field of the result that marks a degraded answer.
    pub mark: MarkPlan,
}

/// Where a degraded answer comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum FallbackStrategy {
    /// The runtime's response cache (reads only).
    Cache {
        /// Served without a call while younger than this.
        ttl: std::time::Duration,
        /// Served for this long after that when the call fails.
        stale_if_error: std::time::Duration,
    },
    /// A fixed vendor body, decoded like a real answer.
    Static {
        /// The success status it is served with.
        status: u16,
        /// The JSON body, compact.
        body: String,
    },
    /// A function the application registers on the adapter.
    Caller,
}

/// The result field that says an answer is degraded.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkPlan {
    /// The field's name.
    pub field: String,
    /// What it holds.
    pub kind: MarkKind,
}

/// The type of a mark field, and so what it holds when degraded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkKind {
    /// `bool`: true when degraded.
    Flag,
    /// `Option<String>`: the reason, when degraded.
    Reason,
    /// `Option<std::time::Duration>`: the data's age, when degraded.
    Age,
}

impl<'a> Planner<'a> {
    /// Checks each fallback's `mark:` against the port and records the mark fields, so
    /// the translation fills them with their fresh value.
    pub(super) fn fallback_marks(&mut self) {
        let m = self.mapping;
        let port: &'a Port = self.port;
        for om in &m.operations {
            let Some(fb) = &om.policies.fallback else {
                continue;
            };
            let Some(pm) = port.method(&om.method.value) else {
                continue;
            };
            let ok = pm.ok.without_refs();
            let Some(mark) = &fb.mark else {
                self.err(
                    fb.span,
                    format!("the fallback of '{}' has no `mark:`", om.method.value),
                    format!(
                        "a degraded answer must be visible to the caller, never silently stale or made up: add `mark: <field>` naming a field of {ok} that is `bool` (true when degraded), `Option<String>` (the reason) or `Option<std::time::Duration>` (the data's age)"
                    ),
                );
                continue;
            };
            let fields = match ok {
                Ty::Named(t) => match port.structs.get(t) {
                    Some(DomainStruct::Named(fields)) => Some((t.clone(), fields)),
                    _ => None,
                },
                _ => None,
            };
            let Some((t, fields)) = fields else {
                self.err(
                    mark.span,
                    format!(
                        "{} returns {ok}, which has no field to mark a degraded answer",
                        om.method.value
                    ),
                    "return a struct with a mark field, or remove the fallback",
                );
                continue;
            };
            let Some(f) = fields.iter().find(|f| f.name == mark.value) else {
                let near = suggest(&mark.value, fields.iter().map(|f| f.name.as_str()));
                self.err(
                    mark.span,
                    format!(
                        "{t} has no field '{}' to mark a degraded answer",
                        mark.value
                    ),
                    format!(
                        "{near}; or add `pub {}: bool` to {t} in {}",
                        mark.value,
                        port.path.display()
                    ),
                );
                continue;
            };
            match mark_kind(&f.ty) {
                None => self.err(
                    mark.span,
                    format!(
                        "mark field '{}' of {t} is {}, which cannot say an answer is degraded",
                        mark.value, f.ty
                    ),
                    format!(
                        "make it `bool` (true when degraded), `Option<String>` (the reason) or `Option<std::time::Duration>` (the data's age) in {}, or name another field",
                        port.path.display()
                    ),
                ),
                Some(MarkKind::Age) if !matches!(fb.strategy, Fallback::Cache { .. }) => self.err(
                    mark.span,
                    format!(
                        "mark field '{}' of {t} holds the data's age, but a {} fallback has no age to give",
                        mark.value,
                        if matches!(fb.strategy, Fallback::Caller) { "caller" } else { "default" }
                    ),
                    "mark it with a `bool` or an `Option<String>` (the reason) field instead",
                ),
                Some(kind) => {
                    self.marks
                        .entry(t)
                        .or_default()
                        .insert(mark.value.clone(), kind);
                }
            }
        }
    }

    /// The operation's fallback, checked against its method and success response.
    pub(super) fn fallback_plan(
        &mut self,
        om: &OperationMap,
        pm: &PortMethod,
        op: &'a openapiv3::Operation,
        http_method: &str,
        is_write: bool,
    ) -> Option<FallbackPlan> {
        let fb = om.policies.fallback.as_ref()?;
        let strategy = match &fb.strategy {
            Fallback::Cache {
                ttl,
                stale_if_error,
            } => {
                if is_write {
                    self.err(
                        fb.span,
                        format!(
                            "'{}' is a {http_method}, and a cache fallback would answer it with an earlier call's response",
                            om.method.value
                        ),
                        "a write's answer must never stand in for a write: remove the fallback (a `caller` fallback can decide in code), or mark the operation `read: true` if it changes nothing",
                    );
                    return None;
                }
                FallbackStrategy::Cache {
                    ttl: *ttl,
                    stale_if_error: *stale_if_error,
                }
            }
            Fallback::Default(body) => {
                if is_write {
                    self.err(
                        fb.span,
                        format!(
                            "'{}' is a {http_method}, and a fixed answer would claim a write happened",
                            om.method.value
                        ),
                        "remove the fallback (a `caller` fallback can decide in code)",
                    );
                    return None;
                }
                let Some((status, schema)) = success_schema(om, op, self.spec) else {
                    self.err(
                        body.span,
                        format!(
                            "{} has no JSON success response for a default body to stand in for",
                            om.call.value
                        ),
                        "remove the fallback",
                    );
                    return None;
                };
                if let Some((path, msg)) =
                    crate::spec::conform::mismatch(self.spec, SRef::Plain(schema), &body.value)
                {
                    self.err(
                        body.span,
                        format!(
                            "the default body of '{}' does not match {}'s {status} response: {path} {msg}",
                            om.method.value, om.call.value
                        ),
                        "write the body exactly as the vendor would send it (the spec's success response)",
                    );
                    return None;
                }
                FallbackStrategy::Static {
                    status,
                    body: body.value.to_string(),
                }
            }
            Fallback::Caller => FallbackStrategy::Caller,
        };
        let mark = fb.mark.as_ref()?;
        let Ty::Named(t) = pm.ok.without_refs() else {
            return None;
        };
        let kind = *self.marks.get(t)?.get(&mark.value)?;
        Some(FallbackPlan {
            strategy,
            mark: MarkPlan {
                field: mark.value.clone(),
                kind,
            },
        })
    }
}

/// The kind of mark a domain field of this type can be.
pub(super) fn mark_kind(ty: &Ty) -> Option<MarkKind> {
    match ty {
        Ty::Named(n) if n == "bool" => Some(MarkKind::Flag),
        Ty::Option(inner) => match inner.as_ref() {
            Ty::Named(n) if n == "String" => Some(MarkKind::Reason),
            Ty::Named(n) if n == "Duration" => Some(MarkKind::Age),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{Fixture, op};
    use super::*;
    use crate::plan::ConvValue;
    use std::time::Duration;

    fn with_fallback(fallback: &str) -> Fixture {
        Fixture::default()
            .port(
                "pub amount: Option<i64> }",
                "pub amount: Option<i64>, pub stale: bool }",
            )
            .mapping(
                "    params: { id: id }\n",
                &format!("    params: {{ id: id }}\n    fallback: {fallback}\n"),
            )
    }

    #[test]
    fn a_cache_fallback_marks_its_field() {
        let plan =
            with_fallback("{ cache: { ttl: 60s, stale_if_error: 10m }, mark: stale }").plan();
        let fb = op(&plan, "get").fallback.clone().expect("fallback");
        assert_eq!(
            fb.strategy,
            FallbackStrategy::Cache {
                ttl: Duration::from_secs(60),
                stale_if_error: Duration::from_secs(600)
            }
        );
        assert_eq!(
            fb.mark,
            MarkPlan {
                field: "stale".into(),
                kind: MarkKind::Flag
            }
        );
        // The translation fills the mark with its fresh value.
        let fresh = plan.converters[0]
            .fields
            .iter()
            .find(|f| f.field == "stale")
            .map(|f| f.value.clone());
        assert_eq!(fresh, Some(ConvValue::Fresh(MarkKind::Flag)));
    }

    #[test]
    fn a_fallback_must_be_marked_and_fit_the_method() {
        with_fallback("{ cache: { ttl: 60s } }")
            .refused_with("the fallback of 'get' has no `mark:`");
        with_fallback("{ cache: { ttl: 60s }, mark: amount }").refused_with(
            "mark field 'amount' of Thing is Option<i64>, which cannot say an answer is degraded",
        );
        Fixture::default()
            .port("pub amount: Option<i64> }", "pub amount: Option<i64>, pub stale: bool }")
            .mapping(
                "    request: { amount: req.amount, memo: req.memo }\n",
                "    request: { amount: req.amount, memo: req.memo }\n    fallback: { cache: { ttl: 60s }, mark: stale }\n",
            )
            .refused_with("'create' is a POST, and a cache fallback would answer it with an earlier call's response");
    }

    #[test]
    fn a_default_body_must_be_what_the_vendor_sends() {
        let plan =
            with_fallback(r#"{ default: { id: "t_0", status: active }, mark: stale }"#).plan();
        let fb = op(&plan, "get").fallback.clone().expect("fallback");
        assert_eq!(
            fb.strategy,
            FallbackStrategy::Static {
                status: 200,
                body: r#"{"id":"t_0","status":"active"}"#.into()
            }
        );
        with_fallback(r#"{ default: { id: "t_0", status: lost }, mark: stale }"#)
            .refused_with("does not match getThing's 200 response: $.status 'lost' is not one of the values the spec allows");
    }
}
