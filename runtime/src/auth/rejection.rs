//! What the vendor said when it refused a call, kept in the error with every secret
//! the adapter sends masked: a vendor that echoes the key it rejected ("The API key
//! 'sk_live_…' is invalid") must not put it in our logs.

use secrecy::{ExposeSecret, SecretString};

use crate::error::Error;
use crate::response::Response;

use super::Authenticator;

/// What replaces a secret in a vendor's message.
const MASK: &str = "[REDACTED]";

/// Secrets shorter than this are not searched for: masking every `"abc"` in a
/// message would garble it, and such a value protects nothing.
const MIN_MASKED: usize = 6;

/// The longest vendor message kept, in characters.
const MAX_MESSAGE: usize = 300;

/// [`Error::from_vendor_response`] for a pipeline: without a code or message parsed by
/// the adapter, the vendor's own words are read from the body's usual error shapes (or
/// a short plain-text body); every message and code is masked with the secrets `auth`
/// sends.
pub(crate) fn vendor_error(
    auth: &Authenticator,
    operation: &str,
    resp: &Response,
    code: Option<String>,
    message: Option<String>,
    named: &[(u16, &str)],
) -> Error {
    // Nothing parsed by the adapter (no error body in the spec, or another shape): the
    // vendor's own words from the usual shapes or a short plain-text body (Trello's
    // `400 invalid id`), rather than a bare status.
    let message = match (&code, message) {
        (None, None) if resp.status() >= 400 => vendor_message(resp.body()),
        (_, message) => message,
    };
    let secrets = auth.secrets();
    let status = resp.status();
    let by_rule = code
        .as_deref()
        .is_some_and(|c| named.iter().any(|&(s, n)| s == status && n == c));
    let error = if by_rule && matches!(status, 401 | 403 | 429) {
        Error::vendor_by_rule(operation, resp, code, message)
    } else {
        Error::from_vendor_response(operation, resp, code, message)
    };
    match error {
        Error::Auth {
            operation,
            status,
            message,
            source,
        } => Error::Auth {
            operation,
            status,
            message: mask(&message, &secrets),
            source,
        },
        Error::Vendor {
            operation,
            status,
            code,
            message,
        } => Error::Vendor {
            operation,
            status,
            code: code.map(|c| mask(&c, &secrets)),
            message: message.map(|m| mask(&m, &secrets)),
        },
        other => other,
    }
}

/// `ours`, followed by what the vendor said in `resp` (masked), if anything.
pub(crate) fn with_vendor_message(auth: &Authenticator, ours: &str, resp: &Response) -> String {
    match vendor_message(resp.body()) {
        Some(theirs) => format!("{ours} (vendor: {})", mask(&theirs, &auth.secrets())),
        None => ours.to_owned(),
    }
}

/// The message of an error body in the shapes vendors use: `message` (GitHub,
/// Twilio, Adyen), `error.message` (Stripe), `errors[0].detail` or `.message`
/// (Square, JSON:API), `error_description` and `error` (OAuth2, Slack), `detail` and
/// `title` (RFC 9457 problem details); else a short plain-text body. One line, at
/// most 300 characters.
pub(crate) fn vendor_message(body: &[u8]) -> Option<String> {
    let text = match serde_json::from_slice::<serde_json::Value>(crate::response::without_bom(body))
    {
        Ok(json) => {
            let candidates = [
                &json["error_description"],
                &json["message"],
                &json["error"]["message"],
                &json["errors"][0]["detail"],
                &json["errors"][0]["message"],
                &json["detail"],
                &json["title"],
                &json["error"],
                &json["msg"],
            ];
            match candidates
                .into_iter()
                .find_map(|v| v.as_str().filter(|s| !s.trim().is_empty()))
            {
                Some(found) => found.to_owned(),
                None => listed(&json)?,
            }
        }
        Err(_) => {
            let text = std::str::from_utf8(body).ok()?;
            // An HTML error page says nothing useful in one line.
            if text.trim_start().starts_with('<') {
                return None;
            }
            text.to_owned()
        }
    };
    let line: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_MESSAGE)
        .collect();
    (!line.is_empty()).then_some(line)
}

/// Jira's shapes: messages in a list (`errorMessages: ["…"]`), or by field in an object
/// (`errors: {"summary": "…"}`), joined with `; `.
fn listed(json: &serde_json::Value) -> Option<String> {
    let texts: Vec<String> = match (&json["errorMessages"], &json["errors"]) {
        (serde_json::Value::Array(items), _) if !items.is_empty() => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        (_, serde_json::Value::Object(fields)) => fields
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|m| format!("{k}: {m}")))
            .collect(),
        _ => Vec::new(),
    };
    (!texts.is_empty()).then(|| texts.join("; "))
}

/// `text` with every occurrence of each secret (longest first) replaced.
pub(crate) fn mask(text: &str, secrets: &[SecretString]) -> String {
    let mut needles: Vec<&str> = secrets
        .iter()
        .map(|s| s.expose_secret())
        .filter(|s| s.chars().count() >= MIN_MASKED)
        .collect();
    needles.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = text.to_owned();
    for needle in needles {
        if out.contains(needle) {
            out = out.replace(needle, MASK);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_messages_are_found_in_the_usual_shapes() {
        let cases: &[(&str, Option<&str>)] = &[
            (
                r#"{"message":"Bad credentials","documentation_url":"x"}"#,
                Some("Bad credentials"),
            ),
            // A byte order mark before the JSON does not make it plain text.
            ("\u{feff}{\"message\":\"bad key\"}", Some("bad key")),
            (
                r#"{"error":{"type":"invalid_request_error","message":"Invalid API Key provided"}}"#,
                Some("Invalid API Key provided"),
            ),
            (
                r#"{"errors":[{"category":"AUTHENTICATION_ERROR","code":"UNAUTHORIZED","detail":"This request could not be authorized."}]}"#,
                Some("This request could not be authorized."),
            ),
            (
                r#"{"ok":false,"error":"invalid_auth"}"#,
                Some("invalid_auth"),
            ),
            (
                r#"{"error":"invalid_token","error_description":"The access token expired"}"#,
                Some("The access token expired"),
            ),
            (
                r#"{"type":"about:blank","title":"Unauthorized","detail":"Token revoked"}"#,
                Some("Token revoked"),
            ),
            (
                "Unauthorized\r\n  try again",
                Some("Unauthorized try again"),
            ),
            (
                r#"{"errorMessages":["Issue does not exist"],"errors":{}}"#,
                Some("Issue does not exist"),
            ),
            (
                r#"{"errorMessages":[],"errors":{"summary":"Summary is required."}}"#,
                Some("summary: Summary is required."),
            ),
            ("<html><body>401</body></html>", None),
            (r#"{"status":401}"#, None),
            ("", None),
        ];
        for (body, want) in cases {
            assert_eq!(vendor_message(body.as_bytes()).as_deref(), *want, "{body}");
        }
        let long = format!(r#"{{"message":"{}"}}"#, "x".repeat(1000));
        assert_eq!(vendor_message(long.as_bytes()).map(|m| m.len()), Some(300));
    }

    #[test]
    fn echoed_secrets_are_masked() {
        let secrets = [
            SecretString::from("sk_live_abcdef123".to_owned()),
            SecretString::from("Bearer sk_live_abcdef123".to_owned()),
            SecretString::from("abc".to_owned()),
        ];
        assert_eq!(
            mask("The API key 'sk_live_abcdef123' is invalid (abc)", &secrets),
            "The API key '[REDACTED]' is invalid (abc)"
        );
        assert_eq!(
            mask("header was Bearer sk_live_abcdef123", &secrets),
            "header was [REDACTED]"
        );
    }
}
