//! `auth:`: the security scheme and where its secrets come from.

use super::Decoder;
use crate::load::mapping::model::*;
use crate::load::yaml::Node;

impl Decoder<'_> {
    fn secret(&mut self, node: &Node, what: &str) -> Option<SecretRef> {
        let e = self.entries(node, what, Some(&["env", "file"]));
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
        let e = self.entries(
            node,
            "auth",
            Some(&[
                "scheme",
                "secret",
                "password",
                "client_id",
                "client_secret",
                "scopes",
                "token_url",
            ]),
        );
        let scheme = self
            .required(&e, "scheme", node.span, "auth")
            .and_then(|n| self.string(n, "auth.scheme"))?;
        let secret = e
            .iter()
            .find(|(k, _)| k.value == "secret")
            .and_then(|(_, n)| self.secret(n, "auth.secret"));
        let password = e
            .iter()
            .find(|(k, _)| k.value == "password")
            .and_then(|(_, n)| self.secret(n, "auth.password"));
        let field = |name: &str| e.iter().find(|(k, _)| k.value == name).map(|(_, n)| *n);
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
