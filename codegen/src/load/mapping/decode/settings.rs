//! `settings:` and `headers:`: values that belong to the account or the adapter, not to
//! a call's arguments.

use super::{Decoder, keys};
use crate::load::mapping::model::*;
use crate::load::yaml::{Node, Value};

impl Decoder<'_> {
    /// `settings: { account_sid: { env: TWILIO_ACCOUNT_SID } }`; the sources of one
    /// setting are tried env, file, default, whatever order they are written in.
    pub(super) fn settings(&mut self, node: &Node) -> Vec<Setting> {
        let mut out = Vec::new();
        for (name, body) in self.entries(node, "settings", None) {
            if !is_setting_name(&name.value) {
                self.err(
                    name.span,
                    format!("'{}' is not a setting name", name.value),
                    "use lower-case letters, digits and `_`, e.g. account_sid",
                );
                continue;
            }
            let what = format!("setting '{}'", name.value);
            let e = self.entries(body, &what, Some(keys::SETTING));
            let mut sources = Vec::new();
            for &key in keys::SETTING {
                let Some((k, v)) = e.iter().find(|(k, _)| k.value == key) else {
                    continue;
                };
                let Some(text) = self.string(v, &format!("{what}.{}", k.value)) else {
                    continue;
                };
                sources.push(match key {
                    "env" => SettingOrigin::Env(text),
                    "file" => SettingOrigin::File(text),
                    _ => SettingOrigin::Default(text),
                });
            }
            if sources.is_empty() {
                if e.is_empty() {
                    self.err(
                        body.span,
                        format!("{what} says nowhere to find its value"),
                        "write `{ env: VARIABLE }`, `{ file: path }` or `{ default: value }`",
                    );
                }
                continue;
            }
            out.push(Setting { name, sources });
        }
        out
    }

    /// `headers: { X-GitHub-Api-Version: "2022-11-28", X-Account: { setting: account_sid } }`.
    pub(super) fn headers(&mut self, node: &Node, what: &str) -> Vec<StaticHeader> {
        let mut out = Vec::new();
        for (name, v) in self.entries(node, what, None) {
            if !is_header_name(&name.value) {
                self.err(
                    name.span,
                    format!("'{}' is not an HTTP header name", name.value),
                    "use letters, digits and `-`, e.g. X-Api-Version",
                );
                continue;
            }
            let value = match &v.value {
                Value::Map(_) => {
                    let e = self.entries(
                        v,
                        &format!("header '{}'", name.value),
                        Some(keys::HEADER_FROM_SETTING),
                    );
                    match self.required(&e, "setting", v.span, &format!("header '{}'", name.value))
                    {
                        Some(n) => match self.string(n, "setting") {
                            Some(s) => HeaderValue::Setting(s),
                            None => continue,
                        },
                        None => continue,
                    }
                }
                _ => match self.string(v, &format!("header '{}'", name.value)) {
                    Some(s) if is_header_value(&s.value) => HeaderValue::Literal(s),
                    Some(s) => {
                        self.err(
                            s.span,
                            format!(
                                "the value of header '{}' cannot be sent in a header",
                                name.value
                            ),
                            "use visible ASCII text without line breaks",
                        );
                        continue;
                    }
                    None => continue,
                },
            };
            out.push(StaticHeader { name, value });
        }
        out
    }
}

fn is_setting_name(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// RFC 9110 token characters.
pub(crate) fn is_header_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c))
}

fn is_header_value(s: &str) -> bool {
    s.chars()
        .all(|c| c == ' ' || c == '\t' || c.is_ascii_graphic())
}
