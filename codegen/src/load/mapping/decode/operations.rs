//! `operations:` and `errors:`: what each port method calls, sends and answers.

use super::{Decoder, keys};
use crate::error::suggest;
use crate::load::mapping::model::*;
use crate::load::yaml::{Node, Value};

impl Decoder<'_> {
    pub(super) fn errors(&mut self, node: &Node) -> Errors {
        let e = self.entries(node, "errors", Some(keys::ERRORS));
        let mut out = Errors::default();
        for (k, v) in e {
            match k.value.as_str() {
                "schema" => out.schema = self.string(v, "errors.schema"),
                "code" => out.code = self.string(v, "errors.code"),
                "message" => out.message = self.string(v, "errors.message"),
                _ => out.rules = self.error_rules(v, "errors.map"),
            }
        }
        out
    }

    fn error_rules(&mut self, node: &Node, what: &str) -> Vec<ErrorRule> {
        let e = self.entries(node, what, None);
        let mut out = Vec::new();
        for (k, v) in e {
            let key = match parse_error_key(&k.value) {
                Ok(key) => key,
                Err(help) => {
                    self.err(
                        k.span,
                        format!("'{}' is not an error to match", k.value),
                        help,
                    );
                    continue;
                }
            };
            if let Some(target) = self.string(v, "an error rule's target") {
                out.push(ErrorRule {
                    key: Spanned::new(key, k.span),
                    target,
                });
            }
        }
        out
    }

    fn value_spec(&mut self, node: &Node, what: &str) -> Option<ValueSpec> {
        match &node.value {
            Value::Scalar {
                text,
                quoted: false,
            } if looks_like_expr(text) => Some(ValueSpec::Expr {
                from: Spanned::new(text.clone(), node.span),
                via: None,
                values: None,
            }),
            Value::Map(_) => {
                let e = self.entries(node, what, Some(keys::VALUE));
                let get = |k: &str| e.iter().find(|(key, _)| key.value == k).map(|(_, v)| *v);
                if let Some(s) = get("setting") {
                    if e.len() > 1 {
                        self.err(
                            node.span,
                            format!("{what} comes from a setting, so it takes no other keys"),
                            "write `{ setting: name }` alone",
                        );
                    }
                    return self.string(s, "setting").map(ValueSpec::Setting);
                }
                if let Some(c) = get("credential") {
                    if e.len() > 1 || self.boolean(c, "credential") != Some(true) {
                        self.err(
                            node.span,
                            format!("{what} from the credential is written `{{ credential: true }}`, alone"),
                            "write `{ credential: true }`",
                        );
                        return None;
                    }
                    return Some(ValueSpec::Credential(node.span));
                }
                if get("file_name").is_some() || get("content_type").is_some() {
                    let from = self
                        .required(&e, "from", node.span, what)
                        .and_then(|n| self.string(n, "from"))?;
                    let part = |key: &str, d: &mut Self| {
                        get(key)
                            .and_then(|n| d.value_spec(n, &format!("{what}.{key}")).map(Box::new))
                    };
                    let file_name = part("file_name", self);
                    let content_type = part("content_type", self);
                    return Some(ValueSpec::File {
                        from,
                        file_name,
                        content_type,
                    });
                }
                if let Some(c) = get("const") {
                    return Some(ValueSpec::Const(Spanned::new(c.to_json(), c.span)));
                }
                if let Some(items) = get("each") {
                    let from = self
                        .required(&e, "from", node.span, what)
                        .and_then(|n| self.string(n, "from"))?;
                    let mut each = Vec::new();
                    for (k, v) in self.entries(items, "each", None) {
                        if let Some(spec) = self.value_spec(v, &format!("item field '{}'", k.value))
                        {
                            each.push((k, spec));
                        }
                    }
                    return Some(ValueSpec::Each { from, each });
                }
                let from = self
                    .required(&e, "from", node.span, what)
                    .and_then(|n| self.string(n, "from"))?;
                let via = get("via").and_then(|n| self.string(n, "via"));
                let values = get("values").map(|n| self.variant_values(n));
                Some(ValueSpec::Expr { from, via, values })
            }
            _ => Some(ValueSpec::Const(Spanned::new(node.to_json(), node.span))),
        }
    }

    /// A `request:` entry. A list written in the mapping is a template, unfolded here into
    /// index paths (`personalizations: [{ to: [{ email: mail.to }] }]` is
    /// `personalizations.0.to.0.email: mail.to`), so the planner checks each value against
    /// the spec's item schema; a constant list is written `{ const: [...] }`.
    fn request_value(
        &mut self,
        key: Spanned<String>,
        node: &Node,
        out: &mut Vec<(Spanned<String>, ValueSpec)>,
    ) {
        match &node.value {
            Value::Seq(items) if !items.is_empty() => {
                for (i, item) in items.iter().enumerate() {
                    let path = Spanned::new(format!("{}.{i}", key.value), item.span);
                    self.request_value(path, item, out);
                }
            }
            Value::Map(entries)
                if (key.value.contains('.') && !is_value_map(node)) || is_object_template(node) =>
            {
                // An object inside a list template, or written nested (`data: { name:
                // task.name }`, as `data.name: task.name`): each field is a value (or a
                // template).
                for (k, v) in entries {
                    let Some(name) = k.as_str() else {
                        self.err(
                            k.span,
                            format!(
                                "a key in request field '{}' is {} instead of a name",
                                key.value,
                                k.kind()
                            ),
                            "use a plain name as the key",
                        );
                        continue;
                    };
                    let path = Spanned::new(
                        format!("{}.{}", key.value, crate::load::mapping::path_segment(name)),
                        k.span,
                    );
                    self.request_value(path, v, out);
                }
            }
            _ => {
                if let Some(spec) = self.value_spec(node, &format!("request field '{}'", key.value))
                {
                    out.push((key, spec));
                }
            }
        }
    }

    pub(super) fn operations(&mut self, node: &Node) -> (Vec<OperationMap>, Vec<Unsupported>) {
        let ops = self.entries(node, "operations", None);
        let mut out = Vec::new();
        let mut unsupported = Vec::new();
        for (method, body) in ops {
            let what = format!("operation '{}'", method.value);
            let allowed: Vec<&str> = keys::POLICIES
                .iter()
                .chain(keys::OPERATION)
                .copied()
                .collect();
            let e = self.entries(body, &what, Some(&allowed));
            if let Some((_, n)) = e.iter().find(|(k, _)| k.value == "unsupported") {
                if e.len() > 1 {
                    self.err(
                        method.span,
                        format!("{what} is `unsupported`, so it takes no other keys"),
                        "remove the other keys, or map it with `call:`",
                    );
                }
                if let Some(error) = self.string(n, "unsupported") {
                    unsupported.push(Unsupported { method, error });
                }
                continue;
            }
            let Some(call) = self
                .required(&e, "call", method.span, &what)
                .and_then(|n| self.string(n, "call"))
            else {
                continue;
            };
            let policies = self.policies_from(&e);
            let get = |k: &str| e.iter().find(|(key, _)| key.value == k).map(|(_, v)| *v);
            let idempotency = get("idempotency").and_then(|n| self.idempotency(n));
            let read =
                get("read").and_then(|n| self.boolean(n, "read").map(|b| Spanned::new(b, n.span)));
            let mut params = Vec::new();
            if let Some(p) = get("params") {
                for (k, v) in self.entries(p, "params", None) {
                    if let Some(spec) = self.value_spec(v, &format!("param '{}'", k.value)) {
                        params.push((k, spec));
                    }
                }
            }
            let mut request = Vec::new();
            if let Some(p) = get("request") {
                for (k, v) in self.entries(p, "request", None) {
                    self.request_value(k, v, &mut request);
                }
            }
            let headers = get("headers")
                .map(|n| self.headers(n, &format!("{what}.headers")))
                .unwrap_or_default();
            let response = get("response").and_then(|n| self.string(n, "response"));
            let errors = get("errors")
                .map(|n| self.error_rules(n, "errors"))
                .unwrap_or_default();
            let unwrap = get("unwrap").and_then(|n| self.string(n, "unwrap"));
            let body = get("body").and_then(|n| self.value_spec(n, "body"));
            let status = get("status").map(|n| {
                let items: Vec<&Node> = match n.as_seq() {
                    Some(items) => items.iter().collect(),
                    None => vec![n],
                };
                items
                    .into_iter()
                    .filter_map(|i| self.status(i).map(|s| Spanned::new(s, i.span)))
                    .collect()
            });
            let reject = get("reject").and_then(|n| self.reject(n));
            let paginate = get("paginate").and_then(|n| self.paginate(n));
            let given = get("fields")
                .map(|n| self.given(n, &what))
                .unwrap_or_default();
            let (mismatches, contract_args) = get("contract")
                .map(|n| self.contract(n))
                .unwrap_or_default();
            out.push(OperationMap {
                method,
                call,
                policies,
                idempotency,
                read,
                params,
                headers,
                request,
                response,
                errors,
                unwrap,
                reject,
                body,
                status,
                paginate,
                given,
                mismatches,
                contract_args,
            });
        }
        (out, unsupported)
    }

    /// `fields:` on an operation: each domain field of the result named with the argument
    /// path it is taken from, `amount: req.amount` or `amount: { from: req.amount }`.
    fn given(&mut self, node: &Node, what: &str) -> Vec<(Spanned<String>, Spanned<String>)> {
        let mut out = Vec::new();
        for (field, v) in self.entries(node, &format!("{what}.fields"), None) {
            let from = if v.as_str().is_some() {
                self.string(v, "fields")
            } else {
                let e = self.entries(
                    v,
                    &format!("{what}.fields.{}", field.value),
                    Some(keys::GIVEN),
                );
                match e.iter().find(|(k, _)| k.value == "from") {
                    Some((_, n)) => self.string(n, "from"),
                    None => {
                        self.err(
                            field.span,
                            format!("{what}: field '{}' names no argument", field.value),
                            "write `field: req.path` or `field: { from: req.path }`",
                        );
                        None
                    }
                }
            };
            if let Some(from) = from {
                out.push((field, from));
            }
        }
        out
    }

    /// `contract: { mismatches: { "<status> <example name>": <reason> }, args: { <path>: <value> } }`.
    #[allow(clippy::type_complexity)]
    fn contract(
        &mut self,
        node: &Node,
    ) -> (
        Vec<(Spanned<String>, Spanned<String>)>,
        Vec<(Spanned<String>, Spanned<serde_json::Value>)>,
    ) {
        let e = self.entries(node, "contract", Some(keys::CONTRACT));
        let mut args = Vec::new();
        if let Some((_, a)) = e.iter().find(|(k, _)| k.value == "args") {
            for (path, value) in self.entries(a, "contract.args", None) {
                let json = value.to_json();
                if !(json.is_string() || json.is_number() || json.is_boolean()) {
                    self.err(
                        value.span,
                        format!("contract.args: '{}' is not a text, number or boolean", path.value),
                        "give the value the contract tests call with, e.g. `req.amount.currency: gbp`",
                    );
                    continue;
                }
                args.push((path, Spanned::new(json, value.span)));
            }
        }
        (self.mismatches(&e), args)
    }

    fn mismatches(
        &mut self,
        e: &[(Spanned<String>, &Node)],
    ) -> Vec<(Spanned<String>, Spanned<String>)> {
        let Some((_, m)) = e.iter().find(|(k, _)| k.value == "mismatches") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (key, reason) in self.entries(m, "contract.mismatches", None) {
            let Some(reason) = self.string(reason, "a mismatch's reason") else {
                continue;
            };
            if reason.value.trim().is_empty() {
                self.err(
                    reason.span,
                    format!("the mismatch '{}' gives no reason", key.value),
                    "say why this example of the spec does not become a domain value",
                );
                continue;
            }
            out.push((key, reason));
        }
        out
    }

    fn reject(&mut self, node: &Node) -> Option<Reject> {
        let e = self.entries(node, "reject", Some(keys::REJECT));
        let field = self
            .required(&e, "field", node.span, "reject")
            .and_then(|n| self.string(n, "reject.field"));
        let values = match self.required(&e, "values", node.span, "reject") {
            Some(n) => match n.as_seq() {
                Some(items) => items
                    .iter()
                    .filter_map(|i| self.string(i, "a reject value"))
                    .collect(),
                None => {
                    self.err(
                        n.span,
                        "reject.values should be a list",
                        "write for example [Refused, Error]",
                    );
                    Vec::new()
                }
            },
            None => Vec::new(),
        };
        let message = e
            .iter()
            .find(|(k, _)| k.value == "message")
            .and_then(|(_, n)| self.string(n, "reject.message"));
        Some(Reject {
            field: field?,
            values,
            message,
        })
    }

    fn idempotency(&mut self, node: &Node) -> Option<Idempotency> {
        let e = self.entries(node, "idempotency", Some(keys::IDEMPOTENCY));
        let get = |k: &str| e.iter().find(|(key, _)| key.value == k).map(|(_, v)| *v);
        let placement = match (get("header"), get("body")) {
            (Some(h), None) => KeyPlacement::Header(self.string(h, "idempotency.header")?),
            (None, Some(b)) => KeyPlacement::Body(self.string(b, "idempotency.body")?),
            _ => {
                self.err(
                    node.span,
                    "idempotency needs exactly one of `header` or `body`",
                    "write `header: Idempotency-Key` or `body: idempotency_key`",
                );
                return None;
            }
        };
        let key = get("key").and_then(|n| self.string(n, "idempotency.key"));
        Some(Idempotency { placement, key })
    }
}

/// A map written as a value (`{ from: … }`, `{ const: … }`, `{ setting: … }`) rather than
/// an object of a list template: its keys are value keys and name where the value is.
fn is_value_map(node: &Node) -> bool {
    let Some(entries) = node.as_map() else {
        return false;
    };
    let keys: Vec<&str> = entries.iter().filter_map(|(k, _)| k.as_str()).collect();
    keys.iter().all(|k| keys::VALUE.contains(k))
        && keys
            .iter()
            .any(|k| matches!(*k, "from" | "const" | "setting" | "credential"))
}

/// A map none of whose keys is a value key (`from`, `const`, `via`, …): an object of
/// request fields written nested. A map that mixes them is read as a value, so a typo
/// beside `from:` is reported, not taken for a field.
fn is_object_template(node: &Node) -> bool {
    node.as_map().is_some_and(|entries| {
        !entries.is_empty()
            && entries.iter().all(|(k, _)| {
                // `values:` only means something beside `from:`; alone it is a vendor
                // field of that name (Google Sheets' `values`).
                k.as_str()
                    .is_some_and(|k| k == "values" || !keys::VALUE.contains(&k))
            })
    })
}

fn looks_like_expr(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
        && !matches!(text, "true" | "false")
}

fn parse_error_key(text: &str) -> Result<ErrorKey, String> {
    if text == "_" {
        return Ok(ErrorKey::CatchAll);
    }
    let status = |s: &str| s.parse::<u16>().ok().filter(|n| (100..=599).contains(n));
    if let Some((s, code)) = text.split_once('/') {
        return match status(s) {
            Some(n) if !code.is_empty() => Ok(ErrorKey::StatusCode(n, code.to_string())),
            _ => Err("write `STATUS/code`, e.g. \"402/card_declined\"".to_string()),
        };
    }
    if let Some(n) = status(text) {
        return Ok(ErrorKey::Status(n));
    }
    if let [d @ b'1'..=b'5', b'x' | b'X', b'x' | b'X'] = text.as_bytes() {
        return Ok(ErrorKey::StatusClass(u16::from(*d - b'0')));
    }
    if ERROR_KINDS.contains(&text) {
        return Ok(ErrorKey::Kind(text.to_string()));
    }
    Err(format!(
        "use an HTTP status (\"404\"), a class (\"5xx\"), a status and vendor code (\"402/card_declined\"), `_`, or one of: {}; {}",
        ERROR_KINDS.join(", "),
        suggest(text, ERROR_KINDS)
    ))
}
