//! `webhooks:`: the signature scheme, its secrets, the envelope of a delivery and
//! which vendor event types become which domain event variants.

use super::{Decoder, keys};
use crate::load::mapping::model::*;
use crate::load::mapping::webhooks::*;
use crate::load::yaml::Node;

impl Decoder<'_> {
    pub(super) fn webhooks(&mut self, node: &Node) -> Option<Webhooks> {
        let e = self.entries(node, "webhooks", Some(keys::WEBHOOKS));
        let get = |k: &str| e.iter().find(|(key, _)| key.value == k).map(|(_, v)| *v);
        let spec = get("spec").and_then(|n| self.string(n, "webhooks.spec"));
        let scheme = self
            .required(&e, "scheme", node.span, "webhooks")
            .and_then(|n| self.string(n, "webhooks.scheme"));
        let signature = get("signature").and_then(|n| self.signature(n));
        let mut secrets: Vec<SecretRef> = Vec::new();
        if let Some(n) = get("secret") {
            secrets.extend(self.secret(n, "webhooks.secret"));
        }
        if let Some(n) = get("secrets") {
            match n.as_seq() {
                Some(items) => {
                    for i in items {
                        secrets.extend(self.secret(i, "webhooks.secrets"));
                    }
                }
                None => self.err(
                    n.span,
                    "webhooks.secrets should be a list of secret sources",
                    "write `secrets: [{ env: NEW_SECRET }, { env: OLD_SECRET }]`",
                ),
            }
        }
        if get("secret").is_none() && get("secrets").is_none() {
            self.err(
                node.span,
                "webhooks has no signing secret",
                "add `secret: { env: VAR }` (or `secrets: [...]` while rotating)",
            );
        }
        let notification_url =
            get("notification_url").and_then(|n| self.secret(n, "webhooks.notification_url"));
        let tolerance = get("tolerance").and_then(|n| self.duration(n, "webhooks.tolerance"));
        let max_body = get("max_body").and_then(|n| {
            self.number::<u64>(n, "webhooks.max_body")
                .map(|v| Spanned::new(v, n.span))
        });
        let event = self
            .required(&e, "event", node.span, "webhooks")
            .and_then(|n| self.string(n, "webhooks.event"));
        let envelope = self
            .required(&e, "envelope", node.span, "webhooks")
            .and_then(|n| self.envelope(n));
        let unknown = match get("unknown") {
            None => Unknown::Ignore,
            Some(n) => match self.string(n, "webhooks.unknown") {
                Some(s) if s.value == "ignore" => Unknown::Ignore,
                Some(s) => Unknown::Variant(s),
                None => Unknown::Ignore,
            },
        };
        let mut events = Vec::new();
        if let Some(n) = self.required(&e, "events", node.span, "webhooks") {
            for (event_type, body) in self.entries(n, "webhooks.events", None) {
                events.extend(self.event_map(event_type, body));
            }
        }
        Some(Webhooks {
            spec,
            scheme: scheme?,
            signature,
            secrets,
            notification_url,
            tolerance,
            max_body,
            event: event?,
            envelope: envelope?,
            unknown,
            events,
            span: node.span,
        })
    }

    fn signature(&mut self, node: &Node) -> Option<Signature> {
        let e = self.entries(node, "webhooks.signature", Some(keys::SIGNATURE));
        let get = |k: &str| e.iter().find(|(key, _)| key.value == k).map(|(_, v)| *v);
        let text = |this: &mut Self, k: &str| {
            get(k).and_then(|n| this.string(n, &format!("webhooks.signature.{k}")))
        };
        let header = self
            .required(&e, "header", node.span, "webhooks.signature")
            .and_then(|n| self.string(n, "webhooks.signature.header"));
        Some(Signature {
            prefix: text(self, "prefix"),
            signed: text(self, "signed"),
            timestamp: text(self, "timestamp"),
            timestamp_piece: text(self, "timestamp_piece"),
            id: text(self, "id"),
            algorithm: text(self, "algorithm"),
            encoding: text(self, "encoding"),
            key: text(self, "key"),
            header: header?,
            span: node.span,
        })
    }

    fn envelope(&mut self, node: &Node) -> Option<Envelope> {
        let e = self.entries(node, "webhooks.envelope", Some(keys::ENVELOPE));
        let get = |k: &str| e.iter().find(|(key, _)| key.value == k).map(|(_, v)| *v);
        let id = match self.required(&e, "id", node.span, "webhooks.envelope") {
            Some(n) => match n.as_seq() {
                Some(items) => items
                    .iter()
                    .filter_map(|i| self.string(i, "webhooks.envelope.id"))
                    .collect(),
                None => self.string(n, "webhooks.envelope.id").into_iter().collect(),
            },
            None => Vec::new(),
        };
        let event_type = self
            .required(&e, "type", node.span, "webhooks.envelope")
            .and_then(|n| self.string(n, "webhooks.envelope.type"));
        Some(Envelope {
            schema: get("schema").and_then(|n| self.string(n, "webhooks.envelope.schema")),
            items: get("items").and_then(|n| self.string(n, "webhooks.envelope.items")),
            item: get("item").and_then(|n| self.string(n, "webhooks.envelope.item")),
            id,
            event_type: event_type?,
            object: get("object").and_then(|n| self.string(n, "webhooks.envelope.object")),
        })
    }

    fn event_map(&mut self, event_type: Spanned<String>, node: &Node) -> Option<EventMap> {
        let what = format!("webhooks event '{}'", event_type.value);
        let e = self.entries(node, &what, Some(keys::EVENT));
        let get = |k: &str| e.iter().find(|(key, _)| key.value == k).map(|(_, v)| *v);
        let variant = self
            .required(&e, "variant", event_type.span, &what)
            .and_then(|n| self.string(n, "variant"));
        let from = self
            .required(&e, "from", event_type.span, &what)
            .and_then(|n| self.string(n, "from"));
        let object = get("object").and_then(|n| self.string(n, "object"));
        let mut fields = Vec::new();
        if let Some(f) = get("fields") {
            for (fname, spec) in self.entries(f, &format!("{what} fields"), None) {
                fields.extend(self.field(fname, spec));
            }
        }
        Some(EventMap {
            event_type,
            variant: variant?,
            from: from?,
            object,
            fields,
        })
    }
}
