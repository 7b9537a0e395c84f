//! Values that belong to the account, not to a call: Twilio's `AccountSid` in every
//! path, GitHub's `X-GitHub-Api-Version` header. They come from the adapter's
//! configuration, are resolved once when the [`crate::Pipeline`] is built (a missing
//! one fails construction, naming the setting and where it was looked for), and are
//! read cheaply on every call with [`crate::Pipeline::setting`].
//!
//! Settings are not secrets: they appear in URLs, logs and `Debug`. Credentials go
//! through [`crate::SecretSource`], which never shows its value and is re-read on
//! rotation; a setting is read once.
//!
//! ```
//! use portcullis_runtime as rt;
//! use rt::{ConfigValue, SettingSource};
//!
//! # fn main() -> Result<(), rt::Error> {
//! let cfg = rt::AdapterConfig::new("TwilioMessages", "https://api.twilio.com")
//!     // What generated code declares from the mapping:
//!     .setting("account_sid", SettingSource::env("TWILIO_ACCOUNT_SID"))
//!     .setting(
//!         "api_version",
//!         SettingSource::env("VENDOR_API_VERSION").or(SettingSource::literal("2022-11-28")),
//!     )
//!     .header("X-Api-Version", ConfigValue::setting("api_version"))
//!     .header("X-Client", "checkout")
//!     // What the application overrides in code:
//!     .setting_value("account_sid", "AC0123456789");
//! let pipeline = rt::Pipeline::new(cfg)?;
//! assert_eq!(pipeline.setting("account_sid")?, "AC0123456789");
//! # Ok(()) }
//! ```

use std::fmt;
use std::path::PathBuf;

use http::{HeaderName, HeaderValue};

use crate::config::AdapterConfig;
use crate::error::Error;

/// Where a setting's value is looked for: an environment variable, a file, or the
/// mapping's literal default, tried in the order given by [`SettingSource::or`].
#[derive(Clone, PartialEq, Eq)]
pub struct SettingSource {
    chain: Vec<Origin>,
}

#[derive(Clone, PartialEq, Eq)]
enum Origin {
    Env(String),
    File(PathBuf),
    Literal(String),
}

impl SettingSource {
    /// The environment variable `name`.
    pub fn env(name: impl Into<String>) -> Self {
        Self::one(Origin::Env(name.into()))
    }

    /// The file at `path` (trailing newlines trimmed), as a Kubernetes config map
    /// mounts it.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Self::one(Origin::File(path.into()))
    }

    /// A fixed value (the mapping's default).
    pub fn literal(value: impl Into<String>) -> Self {
        Self::one(Origin::Literal(value.into()))
    }

    /// Looks in `fallback` when this source has no value (unset, missing or empty).
    pub fn or(mut self, fallback: SettingSource) -> Self {
        self.chain.extend(fallback.chain);
        self
    }

    fn one(origin: Origin) -> Self {
        Self {
            chain: vec![origin],
        }
    }

    /// The first non-blank value of the chain, or why there is none.
    fn resolve(&self) -> Result<String, Vec<String>> {
        let mut why = Vec::new();
        for origin in &self.chain {
            let found = match origin {
                Origin::Env(name) => std::env::var(name).map_err(|e| match e {
                    std::env::VarError::NotPresent => {
                        format!("environment variable {name} is not set")
                    }
                    std::env::VarError::NotUnicode(_) => {
                        format!("environment variable {name} is not UTF-8")
                    }
                }),
                Origin::File(path) => std::fs::read_to_string(path)
                    .map(|t| t.trim_end_matches(['\r', '\n']).to_owned())
                    .map_err(|e| format!("file {} cannot be read ({})", path.display(), e.kind())),
                Origin::Literal(v) => Ok(v.clone()),
            };
            match found {
                Ok(v) if !v.trim().is_empty() => return Ok(v),
                Ok(_) => why.push(format!("{} is empty", describe(origin))),
                Err(e) => why.push(e),
            }
        }
        Err(why)
    }
}

fn describe(origin: &Origin) -> String {
    match origin {
        Origin::Env(name) => format!("environment variable {name}"),
        Origin::File(path) => format!("file {}", path.display()),
        Origin::Literal(_) => "the default value".to_owned(),
    }
}

impl fmt::Debug for SettingSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for origin in &self.chain {
            match origin {
                Origin::Env(name) => list.entry(&format_args!("env {name}")),
                Origin::File(path) => list.entry(&format_args!("file {}", path.display())),
                Origin::Literal(v) => list.entry(&format_args!("literal {v:?}")),
            };
        }
        list.finish()
    }
}

/// A configured value: given here, or the value of a named setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigValue {
    /// This value.
    Literal(String),
    /// The value of the setting of this name ([`AdapterConfig::setting`]).
    Setting(String),
}

impl ConfigValue {
    /// The value of setting `name`.
    pub fn setting(name: impl Into<String>) -> Self {
        ConfigValue::Setting(name.into())
    }
}

impl From<&str> for ConfigValue {
    fn from(value: &str) -> Self {
        ConfigValue::Literal(value.to_owned())
    }
}

impl From<String> for ConfigValue {
    fn from(value: String) -> Self {
        ConfigValue::Literal(value)
    }
}

/// The settings and static headers of a built pipeline, resolved once.
#[derive(Debug, Default)]
pub(crate) struct Resolved {
    /// Few (a handful per adapter): a scan is cheaper than hashing the name.
    settings: Vec<(Box<str>, Box<str>)>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Resolved {
    /// Reads every setting (overrides first) and builds the static headers; the
    /// first problem is a [`Error::Config`] naming the setting or header.
    pub(crate) fn resolve(config: &AdapterConfig) -> Result<Self, Error> {
        let adapter = &config.name;
        if let Some(name) = config
            .setting_values
            .keys()
            .find(|n| !config.settings.contains_key(*n))
        {
            let declared: Vec<&str> = config.settings.keys().map(String::as_str).collect();
            return Err(Error::config(format!(
                "{adapter}: setting_value({name:?}) names no declared setting (declared: {}); \
                 declare it with AdapterConfig::setting",
                if declared.is_empty() {
                    "none".to_owned()
                } else {
                    declared.join(", ")
                }
            )));
        }
        let mut settings = Vec::with_capacity(config.settings.len());
        for (name, source) in &config.settings {
            let value = match config.setting_values.get(name) {
                Some(v) if v.trim().is_empty() => {
                    return Err(Error::config(format!(
                        "{adapter}: setting {name} is empty (set by setting_value)"
                    )));
                }
                Some(v) => v.clone(),
                None => source.resolve().map_err(|why| {
                    Error::config(format!(
                        "{adapter}: setting {name} is missing: {}",
                        why.join("; ")
                    ))
                })?,
            };
            settings.push((Box::from(name.as_str()), value.into_boxed_str()));
        }
        let mut resolved = Resolved {
            settings,
            headers: Vec::with_capacity(config.headers.len()),
        };
        for (name, value) in &config.headers {
            let header = HeaderName::try_from(name.as_str())
                .map_err(|_| Error::config(format!("{adapter}: invalid header name {name:?}")))?;
            let text = match value {
                ConfigValue::Literal(v) => v.as_str(),
                ConfigValue::Setting(s) => resolved.setting(s).ok_or_else(|| {
                    Error::config(format!(
                        "{adapter}: header {name} takes setting {s}, which is not declared"
                    ))
                })?,
            };
            let value = HeaderValue::from_str(text).map_err(|_| {
                Error::config(format!("{adapter}: invalid value for header {name}"))
            })?;
            resolved.headers.push((header, value));
        }
        Ok(resolved)
    }

    /// The value of setting `name`, if declared.
    pub(crate) fn setting(&self, name: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|(n, _)| &**n == name)
            .map(|(_, v)| &**v)
    }

    /// Headers every request carries, before its own.
    pub(crate) fn headers(&self) -> &[(HeaderName, HeaderValue)] {
        &self.headers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unset(var: &str) -> String {
        // A name no test environment sets.
        format!("PORTCULLIS_TEST_UNSET_{var}_{}", std::process::id())
    }

    #[test]
    fn overrides_win_and_fallbacks_are_tried_in_order() {
        let cfg = AdapterConfig::new("A", "https://x.example")
            .setting("sid", SettingSource::env(unset("SID")))
            .setting(
                "version",
                SettingSource::env(unset("VERSION")).or(SettingSource::literal("2022-11-28")),
            )
            .setting_value("sid", "AC1")
            .header("X-Version", ConfigValue::setting("version"))
            .header("X-Client", "checkout");
        let r = Resolved::resolve(&cfg).expect("resolves");
        assert_eq!(r.setting("sid"), Some("AC1"));
        assert_eq!(r.setting("version"), Some("2022-11-28"));
        assert_eq!(r.setting("other"), None);
        let headers: Vec<(&str, &str)> = r
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str(), v.to_str().expect("ascii")))
            .collect();
        assert_eq!(
            headers,
            [("x-version", "2022-11-28"), ("x-client", "checkout")]
        );
    }

    #[test]
    fn a_missing_or_empty_setting_names_itself_and_its_sources() {
        let var = unset("SID");
        let cfg = AdapterConfig::new("Twilio", "https://x.example").setting(
            "account_sid",
            SettingSource::env(&var).or(SettingSource::file("/nonexistent/portcullis/sid")),
        );
        let err = Resolved::resolve(&cfg).expect_err("missing");
        let text = err.to_string();
        assert!(text.contains("setting account_sid is missing"), "{text}");
        assert!(
            text.contains(&format!("environment variable {var} is not set")),
            "{text}"
        );
        assert!(
            text.contains("file /nonexistent/portcullis/sid cannot be read"),
            "{text}"
        );

        let dir = std::env::temp_dir().join(format!("portcullis-setting-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp");
        let path = dir.join("sid");
        std::fs::write(&path, "\n").expect("write");
        let cfg = AdapterConfig::new("Twilio", "https://x.example")
            .setting("account_sid", SettingSource::file(&path));
        let err = Resolved::resolve(&cfg).expect_err("empty file");
        assert!(err.to_string().contains("is empty"), "{err}");
        std::fs::write(&path, "AC42\n").expect("write");
        let r = Resolved::resolve(&cfg).expect("read");
        assert_eq!(r.setting("account_sid"), Some("AC42"));
        let _ = std::fs::remove_dir_all(dir);

        let cfg = AdapterConfig::new("Twilio", "https://x.example")
            .setting("account_sid", SettingSource::literal("AC1"))
            .setting_value("account_sid", " ");
        assert!(Resolved::resolve(&cfg).is_err());
    }

    #[test]
    fn mistakes_are_config_errors() {
        let typo = AdapterConfig::new("A", "https://x.example")
            .setting("account_sid", SettingSource::literal("AC1"))
            .setting_value("acount_sid", "AC2");
        let err = Resolved::resolve(&typo).expect_err("typo");
        assert!(
            err.to_string().contains(
                "setting_value(\"acount_sid\") names no declared setting (declared: account_sid)"
            ),
            "{err}"
        );
        let undeclared = AdapterConfig::new("A", "https://x.example")
            .header("X-Version", ConfigValue::setting("version"));
        assert!(Resolved::resolve(&undeclared).is_err());
        let bad_name = AdapterConfig::new("A", "https://x.example").header("bad name", "x");
        assert!(Resolved::resolve(&bad_name).is_err());
        let bad_value = AdapterConfig::new("A", "https://x.example").header("X-A", "line\nbreak");
        let err = Resolved::resolve(&bad_value).expect_err("newline");
        assert!(!err.to_string().contains("line"), "{err}");
    }

    #[test]
    fn debug_shows_where_values_come_from() {
        let s = SettingSource::env("SID").or(SettingSource::literal("x"));
        assert_eq!(format!("{s:?}"), "[env SID, literal \"x\"]");
    }
}
