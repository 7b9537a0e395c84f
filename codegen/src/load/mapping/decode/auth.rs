//! `auth:`: the security scheme and where its secrets come from.

use super::{Decoder, keys};
use crate::load::mapping::model::*;
use crate::load::yaml::Node;

impl Decoder<'_> {
    pub(super) fn secret(&mut self, node: &Node, what: &str) -> Option<SecretRef> {
        let e = self.entries(node, what, Some(keys::SECRET));
        match e.as_slice() {
            [(k, v)] if k.value == "env" => self.string(v, what).map(SecretRef::Env),
            [(k, v)] if k.value == "file" => self.string(v, what).map(SecretRef::File),
            _ => {
                self.err(
                    node.span,
                    format!("{what} should name one source"),
                    "write `{ env: VAR }` or `{ file: path }`",
                );
                None
            }
        }
    }

    pub(super) fn auth(&mut self, node: &Node) -> Option<Auth> {
        self.auth_at(node, "auth")
    }

    /// One `auth:` entry at `at` (`auth`, or `auth.also[i]`, where `also` may not nest).
    fn auth_at(&mut self, node: &Node, at: &str) -> Option<Auth> {
        let e = self.entries(node, at, Some(keys::AUTH));
        let field = |name: &str| e.iter().find(|(k, _)| k.value == name).map(|(_, n)| *n);
        let key = |k: &str| format!("{at}.{k}");
        let scheme = field("scheme").and_then(|n| self.string(n, &key("scheme")));
        let kind = field("type").and_then(|n| self.string(n, &key("type")));
        match (&scheme, &kind) {
            (None, None) => {
                self.err(
                    node.span,
                    format!("{at} needs `scheme:` (a security scheme of the spec) or `type:` (one the mapping declares)"),
                    "write `scheme: <name in components.securitySchemes>`, or for a spec without one `type: bearer`, `type: basic` or `type: api_key`",
                );
                return None;
            }
            (Some(_), Some(k)) => {
                self.err(
                    k.span,
                    format!("{at} has both `scheme:` and `type:`"),
                    "keep `scheme:` when the spec declares the scheme, `type:` only when it does not",
                );
                return None;
            }
            _ => {}
        }
        let location = field("in").and_then(|n| self.string(n, &key("in")));
        let name = field("name").and_then(|n| self.string(n, &key("name")));
        let prefix = field("prefix").and_then(|n| self.string(n, &key("prefix")));
        let secret = field("secret").and_then(|n| self.secret(n, &key("secret")));
        let password = field("password").and_then(|n| self.secret(n, &key("password")));
        let client_id = field("client_id").and_then(|n| self.secret(n, &key("client_id")));
        let client_secret =
            field("client_secret").and_then(|n| self.secret(n, &key("client_secret")));
        let token_url = field("token_url").and_then(|n| self.string(n, &key("token_url")));
        let scopes = field("scopes").map(|n| match n.as_seq() {
            Some(items) => items
                .iter()
                .filter_map(|i| self.string(i, &key("scopes")))
                .collect(),
            None => {
                self.err(
                    n.span,
                    format!("{at}.scopes should be a list of scope names"),
                    "write for example [payments:read, payments:write]",
                );
                Vec::new()
            }
        });
        let also = match field("also") {
            None => Vec::new(),
            Some(n) if at != "auth" => {
                self.err(
                    n.span,
                    format!(
                        "{at}.also: `also:` lists schemes beside the main one and does not nest"
                    ),
                    "move this entry into the top `auth.also:` list",
                );
                Vec::new()
            }
            Some(n) => match n.as_seq() {
                Some(items) => items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, item)| self.auth_at(item, &format!("auth.also[{i}]")))
                    .collect(),
                None => {
                    self.err(
                        n.span,
                        "auth.also should be a list of schemes, each with its secret",
                        "write for example `also: [{ scheme: clientId, secret: { env: PLAID_CLIENT_ID } }]`",
                    );
                    Vec::new()
                }
            },
        };
        Some(Auth {
            also,
            scheme,
            kind,
            location,
            name,
            prefix,
            secret,
            password,
            client_id,
            client_secret,
            scopes,
            token_url,
            span: node.span,
        })
    }
}
