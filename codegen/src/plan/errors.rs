//! Errors: where the vendor's error body keeps its code and message, and the rules that
//! turn runtime errors into the port's error variants.

use super::planner::Planner;
use super::wire::ident_of;
use super::*;
use crate::error::{Span, suggest};
use crate::ident::camel;
use crate::load::mapping::{ErrorKey, ErrorRule, OperationMap, Spanned};
use crate::load::openapi::Spec;
use crate::load::port::{PortMethod, Ty, VariantShape};
use crate::spec::responses::Status;
use crate::spec::view::{Kind, SRef, View, view};

/// Where the code and message are in the vendor's error body.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorBodyPlan {
    /// The wire type.
    pub wire_type: String,
    /// The read of the vendor's error code (every step optional).
    pub code: Option<Read>,
    /// The read of the vendor's message.
    pub message: Option<Read>,
}

/// Where the code and message are in an error body the spec does not describe: the
/// mapping's `errors.code` and `errors.message`, read from the JSON at runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorPathsPlan {
    /// The code's path, by segment (`["error", "code"]`).
    pub code: Option<Vec<String>>,
    /// The message's path, by segment.
    pub message: Option<Vec<String>>,
}

/// How a domain error variant is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariantBuild {
    /// `E::V`
    Unit,
    /// `E::V(message)`
    Message,
}

/// One error rule, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorRulePlan {
    /// What it matches.
    pub key: ErrorMatch,
    /// The variant path, rendered.
    pub target: String,
    /// How it is built.
    pub build: VariantBuild,
    /// Written under the operation (tried first) rather than the top-level `errors:`.
    pub operation_level: bool,
}

/// What an error rule matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorMatch {
    /// A vendor status, e.g. `404`.
    Status(u16),
    /// A vendor status and the code in its error body, e.g. `402/card_declined`.
    StatusCode(u16, String),
    /// A class of vendor statuses by its first digit, e.g. `5` for `5xx`.
    StatusClass(u16),
    /// A kind of the runtime's error taxonomy.
    Kind(ErrorKind),
    /// Everything else.
    CatchAll,
}

/// The kinds of the runtime's error taxonomy (`portcullis_runtime::ErrorKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Credentials refused.
    Auth,
    /// The vendor or the client-side limiter said wait.
    RateLimited,
    /// An attempt or the budget ran out.
    Timeout,
    /// The circuit breaker is open.
    Unavailable,
    /// The vendor answered with an error.
    Vendor,
    /// The vendor's answer no longer matches the spec.
    Contract,
    /// The request did not get through.
    Transport,
    /// The adapter is misconfigured.
    Config,
    /// The request breaks the spec's constraints; refused before sending.
    InvalidRequest,
}

impl ErrorKind {
    /// Every kind, in the taxonomy's order.
    pub const ALL: [ErrorKind; 9] = [
        ErrorKind::Auth,
        ErrorKind::RateLimited,
        ErrorKind::Timeout,
        ErrorKind::Unavailable,
        ErrorKind::Vendor,
        ErrorKind::Contract,
        ErrorKind::Transport,
        ErrorKind::Config,
        ErrorKind::InvalidRequest,
    ];

    /// The name a mapping writes (`rate_limited`).
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Auth => "auth",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Vendor => "vendor",
            ErrorKind::Contract => "contract",
            ErrorKind::Transport => "transport",
            ErrorKind::Config => "config",
            ErrorKind::InvalidRequest => "invalid",
        }
    }

    /// The runtime's variant (`RateLimited`).
    pub fn variant(self) -> &'static str {
        match self {
            ErrorKind::Auth => "Auth",
            ErrorKind::RateLimited => "RateLimited",
            ErrorKind::Timeout => "Timeout",
            ErrorKind::Unavailable => "Unavailable",
            ErrorKind::Vendor => "Vendor",
            ErrorKind::Contract => "Contract",
            ErrorKind::Transport => "Transport",
            ErrorKind::Config => "Config",
            ErrorKind::InvalidRequest => "InvalidRequest",
        }
    }
}

impl ErrorMatch {
    /// The mapping's key as plan data; `None` for a kind the taxonomy does not have.
    fn of(key: &ErrorKey) -> Option<ErrorMatch> {
        Some(match key {
            ErrorKey::Status(s) => ErrorMatch::Status(*s),
            ErrorKey::StatusCode(s, c) => ErrorMatch::StatusCode(*s, c.clone()),
            ErrorKey::StatusClass(c) => ErrorMatch::StatusClass(*c),
            ErrorKey::Kind(k) => ErrorMatch::Kind(*ErrorKind::ALL.iter().find(|x| x.name() == k)?),
            ErrorKey::CatchAll => ErrorMatch::CatchAll,
        })
    }
}

impl<'a> Planner<'a> {
    pub(super) fn error_body(&mut self, schema: SRef<'a>, op_id: &str) -> Option<ErrorBodyPlan> {
        let errors = &self.mapping.errors;
        let v = view(self.spec, schema).ok()?;
        let base = v
            .name
            .map(camel)
            .unwrap_or_else(|| format!("{}Error", camel(op_id)));
        let code = match &errors.code {
            Some(p) => Some(p.clone()),
            None => guess_path(self.spec, &v, "code"),
        };
        let message = match &errors.message {
            Some(p) => Some(p.clone()),
            None => guess_path(self.spec, &v, "message"),
        };
        let read = |planner: &mut Self, p: &Spanned<String>| -> Option<Read> {
            Some(planner.read(schema, &p.value, p.span, true, &base)?.0)
        };
        let code = code.and_then(|p| read(self, &p));
        let message = message.and_then(|p| read(self, &p));
        let wire_type = self
            .wire_ids
            .get(&(false, format!("error:{}", ident_of(&v, &base))))
            .cloned()?;
        Some(ErrorBodyPlan {
            wire_type,
            code,
            message,
        })
    }

    /// `errors.code` and `errors.message` for an operation whose spec declares no error
    /// body: they cannot be checked against a schema, only read at runtime.
    pub(super) fn error_paths(&self) -> Option<ErrorPathsPlan> {
        let errors = &self.mapping.errors;
        let split = |p: &Option<Spanned<String>>| {
            p.as_ref()
                .map(|p| crate::load::mapping::split_path(&p.value))
        };
        let paths = ErrorPathsPlan {
            code: split(&errors.code),
            message: split(&errors.message),
        };
        (paths.code.is_some() || paths.message.is_some()).then_some(paths)
    }

    /// An adapter-wide rule on a vendor code (`"404/not_found"`) where no mapped
    /// operation has a code to read never fires: DigitalOcean's error body is
    /// `{ id, message }`, and without `errors: { code: id }` nothing is found.
    pub(super) fn codes_to_match(&mut self, operations: &[OperationPlan]) {
        let any_code = operations.iter().any(|op| {
            op.error_body.as_ref().is_some_and(|b| b.code.is_some())
                || op.error_paths.as_ref().is_some_and(|p| p.code.is_some())
        });
        if any_code || operations.is_empty() {
            return;
        }
        let dead: Vec<Span> = self
            .mapping
            .errors
            .rules
            .iter()
            .filter(|r| {
                matches!(
                    ErrorMatch::of(&r.key.value),
                    Some(ErrorMatch::StatusCode(..))
                )
            })
            .map(|r| r.key.span)
            .collect();
        for span in dead {
            self.warn(
                span,
                "no mapped operation's error body has a code to match this rule against: it never fires",
                "say where the vendor puts its code (`errors: { code: <path> }`, DigitalOcean's `id`), or match on the status alone",
            );
        }
    }

    pub(super) fn error_rules(
        &mut self,
        om: &OperationMap,
        pm: &PortMethod,
        has_error_body: bool,
    ) -> Vec<ErrorRulePlan> {
        let rules: Vec<(&ErrorRule, bool)> = om
            .errors
            .iter()
            .map(|r| (r, true))
            .chain(self.mapping.errors.rules.iter().map(|r| (r, false)))
            .collect();
        let err_name = match &pm.err {
            Ty::Named(n) => n.clone(),
            other => {
                self.err(
                    pm_span(om),
                    format!(
                        "{} returns errors of type {other}, which is not an enum of the port",
                        pm.name
                    ),
                    "use a domain error enum",
                );
                return Vec::new();
            }
        };
        let Some(variants) = self.port.enums.get(&err_name).cloned() else {
            self.err(
                om.method.span,
                format!(
                    "{}'s error type {err_name} is not an enum in the port source",
                    pm.name
                ),
                "declare the error enum next to the trait",
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (rule, operation_level) in rules {
            let Some((target, build)) = self.error_target(pm, &err_name, &variants, &rule.target)
            else {
                continue;
            };
            let Some(key) = ErrorMatch::of(&rule.key.value) else {
                // The decoder accepts only the runtime's kinds; a new one must be added here too.
                self.err(
                    rule.key.span,
                    "this error kind is not known to the planner",
                    "use one of the kinds listed in docs/mapping.md",
                );
                continue;
            };
            if operation_level {
                self.unreachable_rule(om, &key, rule.key.span);
            }
            if let ErrorMatch::StatusCode(..) = &key {
                // An adapter-wide rule is judged over every operation, once
                // (`Planner::codes_to_match`).
                if !has_error_body && operation_level {
                    self.err(
                        rule.key.span,
                        format!("{} has no error body with a code to match", om.call.value),
                        "match on the status alone, or say where the vendor puts its code with `errors: { code: <path> }`",
                    );
                }
            }
            out.push(ErrorRulePlan {
                key,
                target,
                build,
                operation_level,
            });
        }
        out.sort_by_key(|r| {
            // `auth` (401, 403) and `rate_limited` (429) are narrower than a class: after
            // it, a `"4xx"` rule would take every 401 and 429 and they would never fire.
            let specificity = match r.key {
                ErrorMatch::StatusCode(..) => 0,
                ErrorMatch::Status(_) => 1,
                ErrorMatch::Kind(ErrorKind::Auth | ErrorKind::RateLimited) => 2,
                ErrorMatch::StatusClass(_) => 3,
                ErrorMatch::Kind(_) => 4,
                ErrorMatch::CatchAll => 5,
            };
            (!r.operation_level, specificity)
        });
        if !out.iter().any(|r| r.key == ErrorMatch::CatchAll) {
            self.err(
                om.method.span,
                format!("errors of {} are not all mapped: there is no catch-all", pm.name),
                format!("add `_: {err_name}::<Variant>` under the top-level `errors: {{ map: … }}` or the operation's `errors:`"),
            );
        }
        out
    }

    /// Warns about an operation's rule that can never match: a status the operation
    /// never answers (the spec declares neither it, its class, nor `default`), or a 401
    /// with a code on a call that carries credentials (the pipeline renews them and ends
    /// the call as an auth failure before any rule sees the answer).
    fn unreachable_rule(&mut self, om: &OperationMap, key: &ErrorMatch, span: Span) {
        let status = match key {
            ErrorMatch::Status(s) | ErrorMatch::StatusCode(s, _) => *s,
            _ => return,
        };
        let Some((_, op)) = self.spec.operation(&om.call.value) else {
            return;
        };
        let responses = &op.responses;
        let declared = responses.default.is_some()
            || responses.responses.keys().any(|k| match Status::of(k) {
                Status::Code(c) => c == status,
                Status::Range(r) => r == status / 100,
            });
        if !declared {
            let mut codes: Vec<String> = responses
                .responses
                .keys()
                .map(ToString::to_string)
                .collect();
            codes.sort();
            self.warn(
                span,
                format!(
                    "this rule can never match by the spec: {} never answers {status} (it declares {})",
                    om.call.value,
                    codes.join(", ")
                ),
                format!("remove it, or keep it if the vendor answers {status} although its spec does not say so"),
            );
            return;
        }
        let anonymous = op
            .security
            .as_ref()
            .or(self.spec.api.security.as_ref())
            .is_some_and(Vec::is_empty);
        if status == 401
            && matches!(key, ErrorMatch::StatusCode(..))
            && self.mapping.auth.is_some()
            && !anonymous
        {
            self.warn(
                span,
                "this rule can never match: a 401 to a call with credentials is answered by renewing them, then as an auth failure",
                "match the vendor's code on the status it uses for refusals about the request (e.g. 403), or use the `auth` kind",
            );
        }
    }

    /// Checks `PaymentError::Declined` against the method's error enum: the rendered path and how it is built.
    pub(super) fn error_target(
        &mut self,
        pm: &PortMethod,
        err_name: &str,
        variants: &[(String, VariantShape)],
        target: &Spanned<String>,
    ) -> Option<(String, VariantBuild)> {
        let (ty, variant) = match target.value.rsplit_once("::") {
            Some((t, v)) => (t.rsplit("::").next().unwrap_or(t), v),
            None => (err_name, target.value.as_str()),
        };
        if ty != err_name {
            self.err(
                target.span,
                format!(
                    "'{}' is not a variant of {err_name}, the error type of {}",
                    target.value, pm.name
                ),
                format!("write `{err_name}::<Variant>`"),
            );
            return None;
        }
        let Some((_, shape)) = variants.iter().find(|(n, _)| n == variant) else {
            let help = suggest(variant, variants.iter().map(|(n, _)| n.as_str()));
            self.err(
                target.span,
                format!("{err_name} has no variant '{variant}'"),
                help,
            );
            return None;
        };
        let build = match shape {
            VariantShape::Unit => VariantBuild::Unit,
            VariantShape::Tuple(t) if t.len() == 1 && t[0] == Ty::Named("String".into()) => {
                VariantBuild::Message
            }
            _ => {
                self.err(
                    target.span,
                    format!("{err_name}::{variant} must be a unit variant or carry one String"),
                    "the String receives the error's message",
                );
                return None;
            }
        };
        Some((format!("{}::{variant}", self.domain(err_name)), build))
    }
}

pub(super) fn pm_span(om: &OperationMap) -> Span {
    om.method.span
}

/// `code` at the top level, or under a top-level `error` object.
pub(super) fn guess_path(spec: &Spec, v: &View<'_>, field: &str) -> Option<Spanned<String>> {
    let Kind::Object { props, .. } = &v.kind else {
        return None;
    };
    if props.iter().any(|(n, _)| *n == field) {
        return Some(Spanned {
            value: field.to_string(),
            span: Span::default(),
        });
    }
    for (n, s) in props {
        if *n == "error" || *n == "errors" {
            if let Ok(inner) = view(spec, *s) {
                if let Kind::Object { props, .. } = &inner.kind {
                    if props.iter().any(|(p, _)| *p == field) {
                        return Some(Spanned {
                            value: format!("{n}.{field}"),
                            span: Span::default(),
                        });
                    }
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{Fixture, op};
    use super::*;

    #[test]
    fn the_error_body_code_and_message_are_found() {
        let plan = Fixture::default().plan();
        let body = op(&plan, "get").error_body.clone().expect("error body");
        assert_eq!(body.wire_type, "Error");
        let paths = (
            body.code.map(|r| r.json_path),
            body.message.map(|r| r.json_path),
        );
        assert_eq!(
            paths,
            (Some("$.error.code".into()), Some("$.error.message".into()))
        );
    }

    /// DigitalOcean's error bodies differ by status: `errors.code` is read from the
    /// first of the operation's error bodies that has it, not refused because the first
    /// declared one (a 400 with other fields) lacks it.
    #[test]
    fn the_code_is_read_from_the_error_body_that_has_it() {
        let plan = Fixture::default()
            .spec(
                "          content: { application/json: { schema: { $ref: \"#/components/schemas/Thing\" } } }\n        default:",
                "          content: { application/json: { schema: { $ref: \"#/components/schemas/Thing\" } } }\n        \"400\":\n          description: bad\n          content: { application/json: { schema: { type: object, properties: { messages: { type: array, items: { type: string } } } } } }\n        default:",
            )
            .mapping("errors: { map: {", "errors: { code: error.code, map: {")
            .plan();
        let body = op(&plan, "get").error_body.clone().expect("error body");
        assert_eq!(body.wire_type, "Error");
        assert_eq!(
            body.code.map(|r| r.json_path).as_deref(),
            Some("$.error.code")
        );
    }

    /// DigitalOcean's `{ id, message }`: with no code to read, a code rule never
    /// fires. Adapter-wide, a warning at the rule; on the operation, refused.
    #[test]
    fn a_code_rule_where_the_error_body_has_no_code() {
        let no_code = || {
            Fixture::default().spec(
                "            code: { type: string }\n            message",
                "            id: { type: string }\n            message",
            )
        };
        let warnings = no_code()
            .mapping(
                "errors: { map: {",
                "errors: { map: { \"404/not_found\": ThingError::NotFound,",
            )
            .warnings();
        assert!(
            warnings.iter().any(|w| w == "no mapped operation's error body has a code to match this rule against: it never fires"),
            "{warnings:?}"
        );
        no_code()
            .mapping(
                "    params: { id: id }\n",
                "    params: { id: id }\n    errors: { \"404/not_found\": ThingError::NotFound }\n",
            )
            .refused_with("getThing has no error body with a code to match");
        // Told where the code is, the rule stands.
        let plan = no_code()
            .mapping(
                "errors: { map: {",
                "errors: { code: error.id, map: { \"404/not_found\": ThingError::NotFound,",
            )
            .plan();
        assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
    }

    /// getThing answering 200 and 403 (with the error body) only, no `default`.
    fn get_declares_only_403() -> Fixture {
        Fixture::default().spec(
            "          content: { application/json: { schema: { $ref: \"#/components/schemas/Thing\" } } }\n        default:",
            "          content: { application/json: { schema: { $ref: \"#/components/schemas/Thing\" } } }\n        \"403\":",
        )
    }

    #[test]
    fn a_rule_that_can_never_match_is_a_warning() {
        let f = get_declares_only_403().mapping(
            "    params: { id: id }\n",
            "    params: { id: id }\n    errors: { \"402/declined\": ThingError::NotFound, \"403/REJECTED\": ThingError::NotFound }\n",
        );
        assert_eq!(
            f.warnings(),
            [
                "this rule can never match by the spec: getThing never answers 402 (it declares 200, 403)"
            ],
            "the declared 403 is fine"
        );
        let f = get_declares_only_403().mapping(
            "    params: { id: id }\n",
            "    params: { id: id }\n    errors: { \"4xx\": ThingError::NotFound }\n",
        );
        assert!(f.warnings().is_empty(), "403 is in the 4xx class");
        let f = Fixture::default().mapping(
            "    params: { id: id }\n",
            "    params: { id: id }\n    errors: { \"401/expired_card\": ThingError::NotFound }\n",
        );
        assert_eq!(
            f.warnings(),
            [
                "this rule can never match: a 401 to a call with credentials is answered by renewing them, then as an auth failure"
            ]
        );
        assert!(Fixture::default().warnings().is_empty());
    }

    /// Hetzner's user wrote `"4xx"`, `auth` and `rate_limited` side by side: a 401 and
    /// a 429 must reach their own rules, the class takes the other 4xx, `vendor` the rest.
    #[test]
    fn auth_and_rate_limited_come_before_a_class_and_vendor_after() {
        let plan = Fixture::default()
            .mapping(
                "errors: { map: { \"404\": ThingError::NotFound, _: ThingError::Upstream } }",
                "errors: { map: { vendor: ThingError::Upstream, 4xx: ThingError::Upstream, rate_limited: ThingError::Upstream, auth: ThingError::Upstream, _: ThingError::Upstream } }",
            )
            .plan();
        let keys: Vec<ErrorMatch> = op(&plan, "get")
            .error_rules
            .iter()
            .map(|r| r.key.clone())
            .collect();
        assert_eq!(
            keys,
            [
                ErrorMatch::Kind(ErrorKind::RateLimited),
                ErrorMatch::Kind(ErrorKind::Auth),
                ErrorMatch::StatusClass(4),
                ErrorMatch::Kind(ErrorKind::Vendor),
                ErrorMatch::CatchAll,
            ]
        );
    }

    #[test]
    fn rules_put_the_operation_first_then_the_most_specific() {
        let plan = Fixture::default()
            .mapping("    params: { id: id }\n", "    params: { id: id }\n    errors: { 5xx: ThingError::Upstream, \"404/gone\": ThingError::NotFound }\n")
            .plan();
        let keys: Vec<(ErrorMatch, bool)> = op(&plan, "get")
            .error_rules
            .iter()
            .map(|r| (r.key.clone(), r.operation_level))
            .collect();
        assert_eq!(
            keys,
            [
                (ErrorMatch::StatusCode(404, "gone".into()), true),
                (ErrorMatch::StatusClass(5), true),
                (ErrorMatch::Status(404), false),
                (ErrorMatch::CatchAll, false),
            ]
        );
        let rule = &op(&plan, "get").error_rules[3];
        assert_eq!(
            (rule.target.as_str(), rule.build),
            ("crate::domain::ThingError::Upstream", VariantBuild::Message)
        );
    }

    /// The fixture with no error body declared (Twilio's spec).
    fn without_error_schema() -> Fixture {
        let declared = "          description: error\n          content: { application/json: { schema: { $ref: \"#/components/schemas/Error\" } } }\n";
        let none = "          description: error\n";
        Fixture::default().spec(declared, none).spec(declared, none)
    }

    #[test]
    fn code_and_message_paths_are_read_when_the_spec_declares_no_error_body() {
        let plan = without_error_schema()
            .mapping(
                "errors: { map: {",
                "errors: { code: code, message: more.message, map: { \"400/21211\": ThingError::NotFound,",
            )
            .plan();
        let get = op(&plan, "get");
        assert_eq!(get.error_body, None);
        assert_eq!(
            get.error_paths,
            Some(ErrorPathsPlan {
                code: Some(vec!["code".into()]),
                message: Some(vec!["more".into(), "message".into()]),
            })
        );
        assert_eq!(
            get.error_rules[0].key,
            ErrorMatch::StatusCode(400, "21211".into())
        );
    }

    #[test]
    fn a_code_rule_without_a_code_to_read_is_refused() {
        without_error_schema()
            .mapping(
                "    params: { id: id }\n",
                "    params: { id: id }\n    errors: { \"400/21211\": ThingError::NotFound }\n",
            )
            .refused_with("getThing has no error body with a code to match");
    }

    #[test]
    fn a_path_the_declared_error_body_cannot_have_is_refused() {
        let errors = Fixture::default()
            .mapping("errors: { map: {", "errors: { code: error.kode, map: {")
            .errors()
            .join("\n");
        assert!(errors.contains("kode"), "{errors}");
    }

    #[test]
    fn every_kind_the_mapping_accepts_is_known() {
        let names: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names, crate::load::mapping::ERROR_KINDS);
    }

    #[test]
    fn a_catch_all_and_real_variants_are_required() {
        Fixture::default()
            .mapping(", _: ThingError::Upstream }", " }")
            .refused_with("errors of get are not all mapped: there is no catch-all");
        Fixture::default()
            .mapping(
                "\"404\": ThingError::NotFound",
                "\"404\": ThingError::NotFund",
            )
            .refused_with("ThingError has no variant 'NotFund'");
        Fixture::default()
            .mapping("\"404\": ThingError::NotFound", "\"404\": Other::NotFound")
            .refused_with("'Other::NotFound' is not a variant of ThingError");
    }

    /// An index at the end of a path into a list of strings (Jira's `errorMessages.0`):
    /// the diagnostic says to name the list, whose items are joined.
    #[test]
    fn an_index_into_a_list_of_strings_asks_for_the_list() {
        Fixture::default()
            .spec(
                "            message: { type: string }\n",
                "            message: { type: string }\n            messages: { type: array, items: { type: string } }\n",
            )
            .mapping(
                "errors: { map:",
                "errors: { message: error.messages.0, map:",
            )
            .refused_with("'error.messages.0' indexes the list Error.error.messages, and only a field of an object item may follow an index");
    }
}

/// Which of the error's values, found in a 2xx body that is not the promised success,
/// say it is the vendor's error.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ErrorSignal {
    /// A value at the code's path.
    pub code: bool,
    /// A value at the message's path.
    pub message: bool,
}

impl ErrorSignal {
    /// Whether anything is looked at.
    pub fn any(self) -> bool {
        self.code || self.message
    }
}

impl Planner<'_> {
    /// Which of the error's code and message say "error" when a 2xx body has them: a
    /// path whose first key the success schema declares itself (a status endpoint's
    /// own `message`) says nothing by having a value, unless it goes into a list
    /// (Square's success envelope carries `errors: [...]`, empty or absent on success).
    pub(super) fn error_signal(
        &self,
        op: &openapiv3::Operation,
        body: Option<&ErrorBodyPlan>,
        paths: Option<&ErrorPathsPlan>,
    ) -> ErrorSignal {
        let split = |path: &str| {
            let path = path.trim_start_matches('$').trim_start_matches('.');
            let first = path.split(['.', '[']).next().unwrap_or_default().to_owned();
            let indexed = path.contains('[') || path.split('.').any(|s| s.parse::<usize>().is_ok());
            (first, indexed)
        };
        let (code, message) = match (body, paths) {
            (Some(b), _) => (
                b.code.as_ref().map(|r| split(&r.json_path)),
                b.message.as_ref().map(|r| split(&r.json_path)),
            ),
            (None, Some(p)) => (
                p.code.as_ref().map(|s| split(&s.join("."))),
                p.message.as_ref().map(|s| split(&s.join("."))),
            ),
            (None, None) => (None, None),
        };
        let spec = self.spec;
        let declared = |key: &str| {
            crate::spec::responses::sorted(op)
                .into_iter()
                .filter(|(status, _)| status.is_success())
                .filter_map(|(_, resp)| spec.resolve_response(resp).ok())
                .filter_map(crate::spec::responses::json_schema)
                .any(|s| match view(spec, SRef::Plain(s)) {
                    Ok(v) => match &v.kind {
                        Kind::Object { props, .. } => props.iter().any(|(n, _)| *n == key),
                        _ => false,
                    },
                    Err(_) => false,
                })
        };
        let usable = |p: Option<(String, bool)>| {
            p.is_some_and(|(first, indexed)| !first.is_empty() && (indexed || !declared(&first)))
        };
        ErrorSignal {
            code: usable(code),
            message: usable(message),
        }
    }
}
