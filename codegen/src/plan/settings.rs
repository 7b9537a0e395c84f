//! Settings and static headers: values of the adapter's configuration that calls send
//! (Twilio's `AccountSid` in the path, GitHub's `X-GitHub-Api-Version` header).
//!
//! Every `{ setting: name }` must name a declared setting, and lands only where the spec
//! takes text: a setting is read as text once, when the adapter is built.

use super::planner::Planner;
use crate::error::suggest;
use crate::load::mapping::{HeaderValue, SettingOrigin, Spanned, StaticHeader};
use crate::spec::view::{Kind, View};

/// A declared setting and where its value is looked for, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingPlan {
    /// Its name.
    pub name: String,
    /// Its sources, tried in order.
    pub sources: Vec<SettingSourcePlan>,
}

/// One place a setting's value is looked for.
#[derive(Debug, Clone, PartialEq)]
pub enum SettingSourcePlan {
    /// An environment variable.
    Env(String),
    /// A file.
    File(String),
    /// The mapping's default.
    Default(String),
}

/// A header sent on every call of the adapter, or of one operation.
#[derive(Debug, Clone, PartialEq)]
pub struct HeaderPlan {
    /// The header's name.
    pub name: String,
    /// Its value.
    pub value: HeaderValuePlan,
}

/// The value of a static header.
#[derive(Debug, Clone, PartialEq)]
pub enum HeaderValuePlan {
    /// This text.
    Literal(String),
    /// The value of this setting.
    Setting(String),
}

impl<'a> Planner<'a> {
    /// The mapping's `settings:`.
    pub(super) fn settings(&self) -> Vec<SettingPlan> {
        self.mapping
            .settings
            .iter()
            .map(|s| SettingPlan {
                name: s.name.value.clone(),
                sources: s
                    .sources
                    .iter()
                    .map(|o| match o {
                        SettingOrigin::Env(v) => SettingSourcePlan::Env(v.value.clone()),
                        SettingOrigin::File(v) => SettingSourcePlan::File(v.value.clone()),
                        SettingOrigin::Default(v) => SettingSourcePlan::Default(v.value.clone()),
                    })
                    .collect(),
            })
            .collect()
    }

    /// Checks that `name` is a declared setting.
    pub(super) fn setting_ref(&mut self, name: &Spanned<String>) -> bool {
        if self
            .mapping
            .settings
            .iter()
            .any(|s| s.name.value == name.value)
        {
            return true;
        }
        let declared = self.mapping.settings.iter().map(|s| s.name.value.as_str());
        let help = if self.mapping.settings.is_empty() {
            format!(
                "declare it under the top-level `settings:`, e.g. `settings: {{ {}: {{ env: {} }} }}`",
                name.value,
                name.value.to_ascii_uppercase()
            )
        } else {
            suggest(&name.value, declared)
        };
        self.err(
            name.span,
            format!("'{}' is not a declared setting", name.value),
            help,
        );
        false
    }

    /// Checks a `{ setting: name }` sent where the spec expects `target`.
    pub(super) fn setting_value(
        &mut self,
        name: &Spanned<String>,
        target: &View<'_>,
        what: &str,
    ) -> Option<super::ValuePlan> {
        if !self.setting_ref(name) {
            return None;
        }
        if !matches!(target.kind, Kind::Str { .. } | Kind::Any) {
            self.err(
                name.span,
                format!(
                    "{what} is {} in the spec, but a setting is text",
                    target.describe()
                ),
                "send a setting only where the spec takes a string",
            );
            return None;
        }
        Some(super::ValuePlan::Setting(name.value.clone()))
    }

    /// Static headers (the adapter's or an operation's); a setting must be declared, and
    /// an operation's header must not repeat one of the adapter's.
    pub(super) fn static_headers(
        &mut self,
        headers: &[StaticHeader],
        adapter_level: bool,
    ) -> Vec<HeaderPlan> {
        let mut out = Vec::new();
        for h in headers {
            if !adapter_level
                && self
                    .mapping
                    .headers
                    .iter()
                    .any(|a| a.name.value.eq_ignore_ascii_case(&h.name.value))
            {
                self.err(
                    h.name.span,
                    format!(
                        "header '{}' is already sent by every call (top-level `headers:`)",
                        h.name.value
                    ),
                    "keep it in one place",
                );
                continue;
            }
            if is_reserved(&h.name.value) {
                self.err(
                    h.name.span,
                    format!("header '{}' is set by the runtime", h.name.value),
                    "remove it: auth, content type and idempotency keys are declared with their own keys",
                );
                continue;
            }
            let value = match &h.value {
                HeaderValue::Literal(v) => HeaderValuePlan::Literal(v.value.clone()),
                HeaderValue::Setting(s) => {
                    if !self.setting_ref(s) {
                        continue;
                    }
                    HeaderValuePlan::Setting(s.value.clone())
                }
            };
            out.push(HeaderPlan {
                name: h.name.value.clone(),
                value,
            });
        }
        out
    }
}

/// Headers the runtime writes itself; a static one would fight it.
fn is_reserved(name: &str) -> bool {
    ["authorization", "content-type", "content-length", "host"]
        .iter()
        .any(|r| name.eq_ignore_ascii_case(r))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{Fixture, op};
    use super::super::{ParamLocation, ValuePlan};
    use super::*;

    fn with_settings() -> Fixture {
        Fixture::default().mapping(
            "errors:",
            "settings:\n  account: { env: THINGS_ACCOUNT, file: /etc/things/account }\n  version: { default: \"2024-01-01\" }\nheaders: { X-Api-Version: { setting: version }, X-Client: portcullis }\nerrors:",
        )
    }

    #[test]
    fn settings_reach_parameters_body_fields_and_headers() {
        let plan = with_settings()
            .mapping(
                "params: { id: id }",
                "params: { id: { setting: account } }\n    headers: { X-Trace: on }",
            )
            .mapping("memo: req.memo", "memo: { setting: account }")
            // The id comes from configuration, so the method no longer takes it.
            .port("async fn get(&self, id: &str)", "async fn get(&self)")
            .plan();
        assert_eq!(
            plan.settings[0],
            SettingPlan {
                name: "account".into(),
                sources: vec![
                    SettingSourcePlan::Env("THINGS_ACCOUNT".into()),
                    SettingSourcePlan::File("/etc/things/account".into())
                ]
            }
        );
        assert_eq!(
            plan.headers,
            vec![
                HeaderPlan {
                    name: "X-Api-Version".into(),
                    value: HeaderValuePlan::Setting("version".into())
                },
                HeaderPlan {
                    name: "X-Client".into(),
                    value: HeaderValuePlan::Literal("portcullis".into())
                },
            ]
        );
        let get = op(&plan, "get");
        assert_eq!(get.params[0].location, ParamLocation::Path);
        assert_eq!(get.params[0].value, ValuePlan::Setting("account".into()));
        assert_eq!(get.headers[0].name, "X-Trace");
    }

    #[test]
    fn an_undeclared_setting_is_named_with_the_nearest() {
        with_settings()
            .mapping("params: { id: id }", "params: { id: { setting: acount } }")
            .refused_with("'acount' is not a declared setting");
        Fixture::default()
            .mapping("params: { id: id }", "params: { id: { setting: account } }")
            .refused_with("'account' is not a declared setting");
        with_settings()
            .mapping(
                "headers: { X-Api-Version: { setting: version }",
                "headers: { X-Api-Version: { setting: versio }",
            )
            .refused_with("'versio' is not a declared setting");
    }

    #[test]
    fn a_setting_goes_only_where_the_spec_takes_text() {
        with_settings()
            .mapping("amount: req.amount", "amount: { setting: account }")
            .refused_with("request.amount is an integer in the spec, but a setting is text");
    }

    #[test]
    fn headers_the_runtime_owns_or_repeated_are_refused() {
        with_settings()
            .mapping(
                "params: { id: id }",
                "params: { id: id }\n    headers: { Authorization: x }",
            )
            .refused_with("header 'Authorization' is set by the runtime");
        with_settings()
            .mapping(
                "params: { id: id }",
                "params: { id: id }\n    headers: { x-client: other }",
            )
            .refused_with("header 'x-client' is already sent by every call");
    }
}
