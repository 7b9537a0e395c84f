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
        let e = self.entries(node, "auth", Some(keys::AUTH));
        let field = |name: &str| e.iter().find(|(k, _)| k.value == name).map(|(_, n)| *n);
        let scheme = field("scheme").and_then(|n| self.string(n, "auth.scheme"));
        let kind = field("type").and_then(|n| self.string(n, "auth.type"));
        match (&scheme, &kind) {
            (None, None) => {
                self.err(
                    node.span,
                    "auth needs `scheme:` (a security scheme of the spec) or `type:` (one the mapping declares)",
                    "write `scheme: <name in components.securitySchemes>`, or for a spec without one `type: bearer`, `type: basic` or `type: api_key`",
                );
                return None;
            }
            (Some(_), Some(k)) => {
                self.err(
                    k.span,
                    "auth has both `scheme:` and `type:`",
                    "keep `scheme:` when the spec declares the scheme, `type:` only when it does not",
                );
                return None;
            }
            _ => {}
        }
        let location = field("in").and_then(|n| self.string(n, "auth.in"));
        let name = field("name").and_then(|n| self.string(n, "auth.name"));
        let prefix = field("prefix").and_then(|n| self.string(n, "auth.prefix"));
        let secret = field("secret").and_then(|n| self.secret(n, "auth.secret"));
        let password = field("password").and_then(|n| self.secret(n, "auth.password"));
        let client_id = field("client_id").and_then(|n| self.secret(n, "auth.client_id"));
        let client_secret =
            field("client_secret").and_then(|n| self.secret(n, "auth.client_secret"));
        let token_url = field("token_url").and_then(|n| self.string(n, "auth.token_url"));
        let scopes = field("scopes").map(|n| match n.as_seq() {
            Some(items) => items
                .iter()
                .filter_map(|i| self.string(i, "auth.scopes"))
                .collect(),
            None => {
                self.err(
                    n.span,
                    "auth.scopes should be a list of scope names",
                    "write for example [payments:read, payments:write]",
                );
                Vec::new()
            }
        });
        Some(Auth {
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
