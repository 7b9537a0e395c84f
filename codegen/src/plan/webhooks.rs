//! Webhooks: how the vendor's deliveries are verified, and which of its event types
//! become which variants of the domain's event enum, each built by a converter like
//! any domain type (the `types:` rules, the same wire types).

use super::planner::Planner;
use super::*;
use crate::error::suggest;
use crate::load::mapping::{EventMap, TypeMap, Unknown, split_path};
use crate::load::port::{Ty, VariantShape};
use crate::spec::view::{Kind, SRef, view};
use std::time::Duration;

/// The receiving side of an adapter.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhooksPlan {
    /// The generated decoder's name (`StripeGatewayEvents`).
    pub decoder: String,
    /// How deliveries are signed.
    pub scheme: SchemePlan,
    /// The signing secrets, in the mapping's order.
    pub secrets: Vec<Secret>,
    /// Timestamp tolerance, when the mapping overrides the runtime's.
    pub tolerance: Option<Duration>,
    /// Body size limit, when the mapping overrides the runtime's.
    pub max_body: Option<u64>,
    /// The domain event enum, rendered.
    pub event_enum: String,
    /// Path of the list of events in a batched delivery (Adyen).
    pub items: Option<Vec<String>>,
    /// Path of the event inside each list element.
    pub item: Vec<String>,
    /// Paths of the event id's parts.
    pub id: Vec<Vec<String>>,
    /// Path of the event type.
    pub event_type: Vec<String>,
    /// One per mapped event type, in the mapping's order.
    pub events: Vec<EventPlan>,
    /// What becomes of the other event types.
    pub unknown: UnknownPlan,
}

/// The signature scheme.
#[derive(Debug, Clone, PartialEq)]
pub enum SchemePlan {
    /// `Stripe-Signature`.
    Stripe,
    /// `x-square-hmacsha256-signature`, over the notification URL read from here.
    Square(Secret),
    /// Adyen's per-item `hmacSignature`.
    Adyen,
    /// `X-Hub-Signature-256`.
    GitHub,
    /// Standard Webhooks.
    Standard,
    /// One HMAC in one header, described by the mapping.
    Hmac(HmacPlan),
}

/// `scheme: hmac`: the runtime's `HmacScheme`, as the mapping describes it. Header
/// names are lowercase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HmacPlan {
    /// The signature's header.
    pub header: String,
    /// Text before each signature.
    pub prefix: Option<String>,
    /// What is signed (`{body}` when the mapping does not say).
    pub signed: String,
    /// The signed timestamp's header.
    pub timestamp: Option<String>,
    /// The prefix of the signature header's piece that is the signed timestamp.
    pub timestamp_piece: Option<String>,
    /// The delivery id's header.
    pub id: Option<String>,
    /// `Sha256`, `Sha1` or `Sha512` (the runtime's variant names).
    pub algorithm: &'static str,
    /// `Hex` or `Base64`.
    pub encoding: &'static str,
    /// `Raw`, `Hex` or `Base64`.
    pub key: &'static str,
}

impl SchemePlan {
    /// The name the mapping uses.
    pub fn name(&self) -> &'static str {
        match self {
            SchemePlan::Stripe => "stripe",
            SchemePlan::Square(_) => "square",
            SchemePlan::Adyen => "adyen",
            SchemePlan::GitHub => "github",
            SchemePlan::Standard => "standard",
            SchemePlan::Hmac(_) => "hmac",
        }
    }
}

/// The schemes a mapping may name.
pub const SCHEMES: [&str; 6] = ["stripe", "square", "adyen", "github", "standard", "hmac"];

/// One vendor event type mapped to a domain variant.
#[derive(Debug, Clone, PartialEq)]
pub struct EventPlan {
    /// The vendor's event type.
    pub event_type: String,
    /// The variant, rendered (`crate::domain::PaymentEvent::PaymentUpdated`).
    pub variant: String,
    /// Path of the object the variant is built from (empty: the event itself).
    pub object: Vec<String>,
    /// The same path as the mapping writes it, for messages (`data.object`).
    pub object_text: String,
    /// The component schema of the object.
    pub schema: String,
    /// The wire type the object is read into.
    pub wire_type: String,
    /// The converter that builds the variant.
    pub converter: String,
}

/// What becomes of event types the mapping does not name.
#[derive(Debug, Clone, PartialEq)]
pub enum UnknownPlan {
    /// Acknowledged and ignored.
    Ignore,
    /// This catch-all variant (rendered), with the vendor's type.
    Variant(String),
}

fn path_of(p: &str) -> Vec<String> {
    if p == "$" || p.is_empty() {
        Vec::new()
    } else {
        split_path(p)
    }
}

impl<'a> Planner<'a> {
    pub(super) fn webhooks(&mut self) -> Option<WebhooksPlan> {
        let w = self.mapping.webhooks.as_ref()?;
        let scheme = match w.scheme.value.as_str() {
            "stripe" => Some(SchemePlan::Stripe),
            "adyen" => Some(SchemePlan::Adyen),
            "github" => Some(SchemePlan::GitHub),
            "standard" => Some(SchemePlan::Standard),
            "hmac" => match &w.signature {
                Some(sig) => self.hmac(sig).map(SchemePlan::Hmac),
                None => {
                    self.err(
                        w.scheme.span,
                        "the hmac scheme needs `signature:` to say how the vendor signs",
                        "add `signature: { header: X-Vendor-Signature }` (see docs/mapping.md, `webhooks`)",
                    );
                    None
                }
            },
            "square" => match &w.notification_url {
                Some(u) => Some(SchemePlan::Square(Secret::from(u))),
                None => {
                    self.err(
                        w.scheme.span,
                        "Square signs the notification URL with the body, and webhooks has no `notification_url:`",
                        "add `notification_url: { env: SQUARE_WEBHOOK_URL }` (the URL exactly as registered with Square)",
                    );
                    None
                }
            },
            other => {
                let help = suggest(other, SCHEMES);
                self.err(
                    w.scheme.span,
                    format!("'{other}' is not a webhook signature scheme"),
                    if help.is_empty() {
                        format!("write one of {}", SCHEMES.join(", "))
                    } else {
                        help
                    },
                );
                None
            }
        };
        if let (Some(sig), false) = (&w.signature, w.scheme.value == "hmac") {
            self.err(
                sig.span,
                format!(
                    "`signature:` describes the hmac scheme; {} has its own",
                    w.scheme.value
                ),
                "remove `signature:`, or write `scheme: hmac`",
            );
        }
        if w.notification_url.is_some() && w.scheme.value != "square" {
            self.err(
                w.scheme.span,
                format!(
                    "`notification_url:` is only read by the square scheme, not {}",
                    w.scheme.value
                ),
                "remove `notification_url:`",
            );
        }
        let port: &'a crate::load::port::Port = self.port;
        let Some(variants) = port.enums.get(&w.event.value) else {
            let help = suggest(&w.event.value, port.enums.keys().map(String::as_str));
            self.err(
                w.event.span,
                format!(
                    "event '{}' is not an enum in the port source",
                    w.event.value
                ),
                help,
            );
            return None;
        };
        let enum_name = w.event.value.clone();
        let unknown = match &w.unknown {
            Unknown::Ignore => UnknownPlan::Ignore,
            Unknown::Variant(v) => {
                match variants.iter().find(|(n, _)| *n == v.value) {
                    Some((_, VariantShape::Tuple(t)))
                        if matches!(t.as_slice(), [Ty::Named(s)] if s == "String") => {}
                    Some(_) => self.err(
                        v.span,
                        format!(
                            "catch-all variant {enum_name}::{} should carry the vendor's type as one String",
                            v.value
                        ),
                        format!("declare it `{}(String)`, or write `unknown: ignore`", v.value),
                    ),
                    None => {
                        let help = suggest(&v.value, variants.iter().map(|(n, _)| n.as_str()));
                        self.err(
                            v.span,
                            format!("{enum_name} has no variant '{}'", v.value),
                            if help.is_empty() {
                                "name a variant of the event enum, or write `unknown: ignore`".to_string()
                            } else {
                                help
                            },
                        );
                    }
                }
                UnknownPlan::Variant(self.domain(&format!("{enum_name}::{}", v.value)))
            }
        };
        let spec: &'a crate::load::openapi::Spec = self.spec;
        if let Some(s) = &w.envelope.schema {
            match spec.component_schema(&s.value) {
                None => self.unknown_schema(s),
                Some((n, schema)) => self.envelope_paths(&w.envelope, SRef::Component(n, schema)),
            }
        }
        let mut events = Vec::new();
        for em in &w.events {
            events.extend(self.event(em, &enum_name, variants));
        }
        if w.events.is_empty() {
            self.err(
                w.span,
                "webhooks maps no event type",
                "add `events: { <vendor type>: { variant: …, from: …, fields: { … } } }`",
            );
        }
        Some(WebhooksPlan {
            decoder: format!("{}Events", self.mapping.adapter.value),
            scheme: scheme?,
            secrets: w.secrets.iter().map(Secret::from).collect(),
            tolerance: w.tolerance,
            max_body: w.max_body.as_ref().map(|m| m.value),
            event_enum: self.domain(&enum_name),
            items: w.envelope.items.as_ref().map(|i| path_of(&i.value)),
            item: w
                .envelope
                .item
                .as_ref()
                .map(|i| path_of(&i.value))
                .unwrap_or_default(),
            id: w.envelope.id.iter().map(|i| path_of(&i.value)).collect(),
            event_type: path_of(&w.envelope.event_type.value),
            events,
            unknown,
        })
    }

    /// `signature:` checked: header names, the signed template, and the values of
    /// `algorithm`, `encoding` and `key`.
    fn hmac(&mut self, sig: &crate::load::mapping::Signature) -> Option<HmacPlan> {
        use crate::load::mapping::Spanned;
        let mut ok = true;
        let mut header_name = |this: &mut Self, s: &Spanned<String>, what: &str| {
            if http_token(&s.value) {
                Some(s.value.to_ascii_lowercase())
            } else {
                this.err(
                    s.span,
                    format!(
                        "webhooks.signature.{what} '{}' is not a header name",
                        s.value
                    ),
                    "write the header's name, e.g. X-Vendor-Signature",
                );
                ok = false;
                None
            }
        };
        let header = header_name(self, &sig.header, "header");
        let timestamp = sig
            .timestamp
            .as_ref()
            .and_then(|t| header_name(self, t, "timestamp"));
        let id = sig.id.as_ref().and_then(|i| header_name(self, i, "id"));
        // Mux signs `t=<unix>` inside its own signature header: the timestamp is a piece
        // of it, named by its prefix, never also a header of its own.
        let timestamp_piece = match (&sig.timestamp, &sig.timestamp_piece) {
            (Some(_), Some(p)) => {
                self.err(
                    p.span,
                    "webhooks.signature names the timestamp twice: `timestamp:` (a header) and `timestamp_piece:` (a piece of the signature header)",
                    "keep the one the vendor sends",
                );
                ok = false;
                None
            }
            (None, Some(p)) if p.value.is_empty() || p.value.contains([',', ' ']) => {
                self.err(
                    p.span,
                    format!(
                        "webhooks.signature.timestamp_piece '{}' is not a piece's prefix",
                        p.value
                    ),
                    "write the text before the timestamp in the signature header, e.g. \"t=\"",
                );
                ok = false;
                None
            }
            (_, p) => p.as_ref().map(|p| p.value.clone()),
        };
        let has_timestamp = sig.timestamp.is_some() || sig.timestamp_piece.is_some();
        let signed = match &sig.signed {
            None => "{body}".to_owned(),
            Some(s) => match signed_template(&s.value, has_timestamp) {
                Ok(t) => t,
                Err((problem, help)) => {
                    self.err(
                        s.span,
                        format!("webhooks.signature.signed: {problem}"),
                        help,
                    );
                    ok = false;
                    String::new()
                }
            },
        };
        let mut pick = |this: &mut Self,
                        v: &Option<Spanned<String>>,
                        what: &str,
                        choices: &[(&str, &'static str)]|
         -> &'static str {
            let Some(v) = v else {
                return choices[0].1;
            };
            match choices.iter().find(|(name, _)| *name == v.value) {
                Some((_, variant)) => variant,
                None => {
                    let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
                    this.err(
                        v.span,
                        format!("'{}' is not a webhooks.signature.{what}", v.value),
                        format!("write one of {}", names.join(", ")),
                    );
                    ok = false;
                    choices[0].1
                }
            }
        };
        let algorithm = pick(
            self,
            &sig.algorithm,
            "algorithm",
            &[("sha256", "Sha256"), ("sha1", "Sha1"), ("sha512", "Sha512")],
        );
        let encoding = pick(
            self,
            &sig.encoding,
            "encoding",
            &[("hex", "Hex"), ("base64", "Base64")],
        );
        let key = pick(
            self,
            &sig.key,
            "key",
            &[("raw", "Raw"), ("hex", "Hex"), ("base64", "Base64")],
        );
        if !ok {
            return None;
        }
        Some(HmacPlan {
            header: header?,
            prefix: sig.prefix.as_ref().map(|p| p.value.clone()),
            signed,
            timestamp,
            timestamp_piece,
            id,
            algorithm,
            encoding,
            key,
        })
    }

    /// The envelope's paths, checked against its `schema:` when the mapping names one:
    /// `items` is a list of deliveries, `item` the event inside each, and `id`, `type`
    /// and `object` fields of the event.
    fn envelope_paths(&mut self, e: &crate::load::mapping::Envelope, schema: SRef<'a>) {
        let mut base = schema;
        if let Some(items) = &e.items {
            let Some(list) = self.schema_path(base, items, "webhooks.envelope.items") else {
                return;
            };
            match view(self.spec, list).map(|v| v.kind) {
                Ok(Kind::Array(Some(item))) => base = item,
                _ => {
                    self.err(
                        items.span,
                        format!(
                            "webhooks.envelope.items '{}' is not a list in the envelope schema",
                            items.value
                        ),
                        "name the list of deliveries",
                    );
                    return;
                }
            }
        }
        if let Some(item) = &e.item {
            match self.schema_path(base, item, "webhooks.envelope.item") {
                Some(b) => base = b,
                None => return,
            }
        }
        let paths =
            e.id.iter()
                .map(|p| (p, "webhooks.envelope.id"))
                .chain([(&e.event_type, "webhooks.envelope.type")])
                .chain(e.object.iter().map(|p| (p, "webhooks.envelope.object")));
        for (p, what) in paths.collect::<Vec<_>>() {
            let _ = self.schema_path(base, p, what);
        }
    }

    /// Follows `path` through objects (and the object variants of unions) from `schema`;
    /// reports the first step that names no field.
    fn schema_path(
        &mut self,
        schema: SRef<'a>,
        path: &crate::load::mapping::Spanned<String>,
        what: &str,
    ) -> Option<SRef<'a>> {
        let mut cur = schema;
        let mut at = String::new();
        if path.value == "$" {
            // The event itself (Adyen's `object: $`).
            return Some(cur);
        }
        for seg in crate::load::mapping::split_path(&path.value) {
            let v = view(self.spec, cur).ok()?;
            let fields = |k: &Kind<'a>| -> Vec<(&'a str, SRef<'a>)> {
                match k {
                    Kind::Object { props, .. } => props.clone(),
                    _ => Vec::new(),
                }
            };
            let mut candidates = fields(&v.kind);
            if let Kind::Union(parts) = &v.kind {
                for part in parts {
                    if let Ok(pv) = view(self.spec, *part) {
                        candidates.extend(fields(&pv.kind));
                    }
                }
            }
            let open = matches!(
                &v.kind,
                Kind::Object {
                    additional: Some(_),
                    ..
                } | Kind::Any
            );
            match candidates.iter().find(|(n, _)| *n == seg) {
                Some((_, s)) => cur = *s,
                None if open => return Some(cur),
                None => {
                    let help = suggest(&seg, candidates.iter().map(|(n, _)| *n));
                    self.err(
                        path.span,
                        format!(
                            "{what} '{}': the envelope has no field '{seg}'{at}",
                            path.value
                        ),
                        help,
                    );
                    return None;
                }
            }
            at = format!(" under '{seg}'");
        }
        Some(cur)
    }

    fn unknown_schema(&mut self, name: &crate::load::mapping::Spanned<String>) {
        let names: Vec<&str> = self
            .spec
            .api
            .components
            .as_ref()
            .map(|c| c.schemas.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let help = suggest(&name.value, names.iter().copied());
        self.err(
            name.span,
            format!("schema '{}' is not in the spec's components", name.value),
            if help.is_empty() {
                "keep the event schemas when trimming the spec (`portcullis trim`)".to_string()
            } else {
                help
            },
        );
    }

    fn event(
        &mut self,
        em: &EventMap,
        enum_name: &str,
        variants: &[(String, VariantShape)],
    ) -> Option<EventPlan> {
        let w = self.mapping.webhooks.as_ref()?;
        let qualified = format!("{enum_name}::{}", em.variant.value);
        match variants.iter().find(|(n, _)| *n == em.variant.value) {
            Some((_, VariantShape::Struct)) => {}
            Some(_) => {
                self.err(
                    em.variant.span,
                    format!(
                        "{qualified} is not a variant with named fields to build from the event"
                    ),
                    "declare it `Variant { field: Type, … }`",
                );
                return None;
            }
            None => {
                let help = suggest(&em.variant.value, variants.iter().map(|(n, _)| n.as_str()));
                self.err(
                    em.variant.span,
                    format!("{enum_name} has no variant '{}'", em.variant.value),
                    help,
                );
                return None;
            }
        }
        let fields = self.port.variant_fields.get(&qualified)?.clone();
        let object = match em.object.as_ref().or(w.envelope.object.as_ref()) {
            Some(o) => o.value.clone(),
            None => {
                self.err(
                    em.event_type.span,
                    format!(
                        "webhooks event '{}' does not say where its object is",
                        em.event_type.value
                    ),
                    "add `object: data.object` here or under `envelope:` (`$` for the event itself)",
                );
                return None;
            }
        };
        let spec: &'a crate::load::openapi::Spec = self.spec;
        let Some((n, s)) = spec.component_schema(&em.from.value) else {
            self.unknown_schema(&em.from);
            return None;
        };
        let schema = SRef::Component(n, s);
        let v = match view(spec, schema) {
            Ok(v) => v,
            Err(e) => {
                self.err(
                    em.from.span,
                    format!("{}: {e}", em.from.value),
                    "fix the spec",
                );
                return None;
            }
        };
        let wire = self.wire_struct(&v, &em.from.value, false)?;
        let tm = TypeMap {
            name: em.variant.clone(),
            from: Some(em.from.clone()),
            fields: em.fields.clone(),
        };
        let converter = self.converter_of(
            &qualified,
            (self.domain(&qualified), self.domain(enum_name)),
            &tm,
            &fields,
            schema,
            &wire,
            None,
        )?;
        Some(EventPlan {
            event_type: em.event_type.value.clone(),
            variant: self.domain(&qualified),
            object: path_of(&object),
            object_text: object,
            schema: em.from.value.clone(),
            wire_type: wire,
            converter,
        })
    }
}

/// Whether `name` is an HTTP header name (RFC 9110 token characters).
fn http_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The signed content checked as the runtime's `HmacScheme` reads it, with `{header:…}`
/// names lowercased; or the problem and its fix.
fn signed_template(template: &str, has_timestamp: bool) -> Result<String, (String, String)> {
    let mut out = String::with_capacity(template.len());
    let mut bodies = 0;
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err((
                format!("'{{' in {template:?} is not closed"),
                "write {body}, {timestamp} or {header:Name}".into(),
            ));
        };
        let name = &after[..close];
        match name {
            "body" => {
                bodies += 1;
                out.push_str("{body}");
            }
            "timestamp" if has_timestamp => out.push_str("{timestamp}"),
            "timestamp" => {
                return Err((
                    "{timestamp} is signed but no timestamp header is named".into(),
                    "add `timestamp: X-Vendor-Timestamp` (the header with Unix seconds), or `timestamp_piece: \"t=\"` when it is a piece of the signature header".into(),
                ));
            }
            _ => match name.strip_prefix("header:") {
                Some(h) if http_token(h) => {
                    out.push_str("{header:");
                    out.push_str(&h.to_ascii_lowercase());
                    out.push('}');
                }
                Some(h) => {
                    return Err((
                        format!("'{h}' is not a header name"),
                        "write {header:X-Vendor-Id}".into(),
                    ));
                }
                None => {
                    return Err((
                        format!("{{{name}}} is not a placeholder"),
                        "write {body}, {timestamp} or {header:Name}; other text is signed as written".into(),
                    ));
                }
            },
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    match bodies {
        1 => Ok(out),
        0 => Err((
            "{body} is missing: a signature that does not cover the body proves nothing about it"
                .into(),
            "sign the body, e.g. `signed: \"{timestamp}.{body}\"`".into(),
        )),
        _ => Err((
            "{body} appears more than once".into(),
            "write {body} once".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::Fixture;
    use super::*;

    const EVENTS: &str = "pub enum ThingEvent { Changed { id: String, status: Status, amount: Option<i64> }, Other(String), Flag }\n";
    const WEBHOOKS: &str = r#"
webhooks:
  scheme: stripe
  secrets: [{ env: THINGS_HOOK_NEW }, { env: THINGS_HOOK_OLD }]
  tolerance: 2m
  event: ThingEvent
  envelope: { id: id, type: type, object: data.object }
  unknown: Other
  events:
    thing.changed: &changed
      variant: Changed
      from: Thing
      fields:
        id: id
        status: { from: status, values: { active: Active, gone: Gone, _: Unknown } }
        amount: amount
    thing.gone: *changed
"#;

    fn fixture() -> Fixture {
        let mut f = Fixture::default();
        f.port.push_str(EVENTS);
        f.mapping.push_str(WEBHOOKS);
        f
    }

    #[test]
    fn mapped_event_types_become_variants_through_converters() {
        let plan = fixture().plan();
        let w = plan.webhooks.as_ref().expect("webhooks planned");
        assert_eq!(w.decoder, "ThingsAdapterEvents");
        assert_eq!(w.scheme, SchemePlan::Stripe);
        assert_eq!(
            w.secrets.len(),
            2,
            "both secrets stay active while rotating"
        );
        assert_eq!(w.tolerance, Some(Duration::from_secs(120)));
        assert_eq!(w.id, vec![vec!["id".to_string()]]);
        assert_eq!(
            w.unknown,
            UnknownPlan::Variant("crate::domain::ThingEvent::Other".into())
        );
        let types: Vec<&str> = w.events.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(types, ["thing.changed", "thing.gone"]);
        let e = &w.events[0];
        assert_eq!(e.object, ["data", "object"]);
        assert_eq!(
            e.converter, w.events[1].converter,
            "one converter per variant and schema"
        );
        let conv = plan
            .converters
            .iter()
            .find(|c| c.name == e.converter)
            .expect("converter planned");
        assert_eq!(conv.domain_type, "crate::domain::ThingEvent::Changed");
        assert_eq!(conv.returns, "crate::domain::ThingEvent");
        assert!(plan.wire.iter().any(|t| t.name == e.wire_type));
    }

    #[test]
    fn envelope_paths_are_checked_against_its_schema() {
        let with_schema = |envelope: &str| {
            fixture().mapping(
                "envelope: { id: id, type: type, object: data.object }",
                envelope,
            )
        };
        assert!(
            with_schema("envelope: { schema: Thing, id: id, type: status, object: owner }")
                .build()
                .is_ok()
        );
        with_schema("envelope: { schema: Thing, id: id, type: stats }")
            .refused_with("webhooks.envelope.type 'stats': the envelope has no field 'stats'");
        with_schema("envelope: { schema: Thing, id: owner.nam, type: status }").refused_with(
            "webhooks.envelope.id 'owner.nam': the envelope has no field 'nam' under 'owner'",
        );
        with_schema("envelope: { schema: Thing, items: id, id: id, type: status }")
            .refused_with("webhooks.envelope.items 'id' is not a list in the envelope schema");
    }

    /// An OpenAPI 3.1 document describes its deliveries under `webhooks`, each payload
    /// inline: the mapping names one as `webhook:<name>`.
    #[test]
    fn a_31_webhook_payload_is_an_event_schema() {
        let plan = fixture()
            .spec("openapi: 3.0.3", "openapi: 3.1.0")
            .spec(
                "paths:\n",
                "webhooks:\n  thingChanged:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema:\n              type: object\n              required: [id, status]\n              properties:\n                id: { type: string }\n                status: { type: string, enum: [active, gone] }\n                amount: { type: [integer, \"null\"] }\n      responses: { \"200\": { description: ok } }\npaths:\n",
            )
            .mapping("      from: Thing\n", "      from: \"webhook:thingChanged\"\n")
            .plan();
        let w = plan.webhooks.as_ref().expect("webhooks planned");
        let conv = plan
            .converters
            .iter()
            .find(|c| c.name == w.events[0].converter)
            .expect("converter");
        assert_eq!(conv.domain_type, "crate::domain::ThingEvent::Changed");
        assert!(
            plan.wire.iter().any(|t| t.name == w.events[0].wire_type),
            "the inline payload has its wire type"
        );
        fixture()
            .spec("openapi: 3.0.3", "openapi: 3.1.0")
            .mapping(
                "      from: Thing\n",
                "      from: \"webhook:thingChanges\"\n",
            )
            .refused_with("schema 'webhook:thingChanges' is not in the spec's components");
    }

    fn hmac(signature: &str) -> Fixture {
        fixture().mapping(
            "scheme: stripe",
            &format!("scheme: hmac\n  signature: {signature}"),
        )
    }

    #[test]
    fn a_described_hmac_scheme_is_planned_with_lowercase_headers() {
        let plan = hmac(
            r#"{ header: X-Slack-Signature, prefix: "v0=", signed: "v0:{timestamp}:{header:X-Id}{body}", timestamp: X-Slack-Request-Timestamp, id: X-Id, algorithm: sha512, encoding: base64, key: hex }"#,
        )
        .plan();
        let w = plan.webhooks.expect("webhooks planned");
        assert_eq!(
            w.scheme,
            SchemePlan::Hmac(HmacPlan {
                header: "x-slack-signature".into(),
                prefix: Some("v0=".into()),
                signed: "v0:{timestamp}:{header:x-id}{body}".into(),
                timestamp: Some("x-slack-request-timestamp".into()),
                timestamp_piece: None,
                id: Some("x-id".into()),
                algorithm: "Sha512",
                encoding: "Base64",
                key: "Hex",
            })
        );
        let plain = hmac("{ header: X-Signature }").plan();
        match plain.webhooks.expect("planned").scheme {
            SchemePlan::Hmac(h) => {
                assert_eq!(
                    (h.signed.as_str(), h.algorithm, h.encoding, h.key),
                    ("{body}", "Sha256", "Hex", "Raw")
                );
            }
            other => panic!("{other:?}"),
        }
        // Mux: the timestamp is the `t=` piece of the signature header.
        let mux = hmac(r#"{ header: Mux-Signature, prefix: "v1=", timestamp_piece: "t=", signed: "{timestamp}.{body}" }"#).plan();
        match mux.webhooks.expect("planned").scheme {
            SchemePlan::Hmac(h) => assert_eq!(
                (h.timestamp, h.timestamp_piece.as_deref(), h.signed.as_str()),
                (None, Some("t="), "{timestamp}.{body}")
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_hmac_description_that_cannot_verify_is_refused() {
        fixture()
            .mapping("scheme: stripe", "scheme: hmac")
            .refused_with("the hmac scheme needs `signature:`");
        fixture()
            .mapping(
                "scheme: stripe",
                "scheme: stripe\n  signature: { header: X-Sig }",
            )
            .refused_with("`signature:` describes the hmac scheme; stripe has its own");
        hmac(r#"{ header: X-Sig, signed: "v0:" }"#).refused_with("{body} is missing");
        hmac(r#"{ header: X-Sig, signed: "{body}.{body}" }"#)
            .refused_with("{body} appears more than once");
        hmac(r#"{ header: X-Sig, signed: "{bdy}" }"#).refused_with("{bdy} is not a placeholder");
        hmac(r#"{ header: X-Sig, signed: "{timestamp}.{body}" }"#)
            .refused_with("{timestamp} is signed but no timestamp header is named");
        hmac(r#"{ header: X-Sig, signed: "{header:bad name}{body}" }"#)
            .refused_with("'bad name' is not a header name");
        hmac(r#"{ header: "X Sig" }"#)
            .refused_with("webhooks.signature.header 'X Sig' is not a header name");
        hmac("{ header: X-Sig, algorithm: md5 }")
            .refused_with("'md5' is not a webhooks.signature.algorithm");
        hmac("{ header: X-Sig, encodng: hex }").refused_with("unknown key 'encodng'");
        hmac("{ prefix: x }").refused_with("header");
        hmac(r#"{ header: X-Sig, timestamp: X-Ts, timestamp_piece: "t=" }"#)
            .refused_with("names the timestamp twice");
        hmac(r#"{ header: X-Sig, timestamp_piece: "" }"#)
            .refused_with("'' is not a piece's prefix");
    }

    #[test]
    fn mistakes_in_webhooks_are_reported_at_their_place() {
        let f = fixture()
            .mapping("scheme: stripe", "scheme: strip")
            .mapping("variant: Changed", "variant: Changed2")
            .mapping("unknown: Other", "unknown: Flag");
        let e = f.build().expect_err("refused");
        let d = e.diagnostics();
        let find = |text: &str| {
            d.iter()
                .find(|d| d.message.contains(text))
                .unwrap_or_else(|| panic!("no {text:?} in {d:?}"))
        };
        let scheme = find("'strip' is not a webhook signature scheme");
        assert!(
            scheme.help.as_deref().unwrap_or("").contains("stripe"),
            "{scheme:?}"
        );
        let line = f
            .mapping
            .lines()
            .position(|l| l.contains("scheme: strip"))
            .expect("line")
            + 1;
        assert_eq!(scheme.span.map(|s| s.line), Some(line));
        let variant = find("ThingEvent has no variant 'Changed2'");
        assert!(
            variant.help.as_deref().unwrap_or("").contains("Changed"),
            "{variant:?}"
        );
        find("catch-all variant ThingEvent::Flag should carry the vendor's type as one String");
    }

    #[test]
    fn fields_and_schemas_are_checked_like_types() {
        fixture()
            .mapping(
                "        amount: amount\n",
                "        amount: amount\n        colour: id\n",
            )
            .refused_with("ThingEvent::Changed has no field 'colour'");
        fixture()
            .mapping("        amount: amount\n", "")
            .refused_with("field 'amount' of ThingEvent::Changed is not produced");
        fixture()
            .mapping("      from: Thing\n", "      from: Thingy\n")
            .refused_with("schema 'Thingy' is not in the spec's components");
        fixture()
            .mapping("        id: id\n", "        id: idd\n")
            .refused_with("unknown field 'idd'");
        fixture()
            .mapping("scheme: stripe", "scheme: square")
            .refused_with("webhooks has no `notification_url:`");
        fixture()
            .mapping("event: ThingEvent", "event: ThingEvents")
            .refused_with("event 'ThingEvents' is not an enum in the port source");
        fixture()
            .mapping("tolerance: 2m", "tolerence: 2m")
            .refused_with("unknown key 'tolerence' in webhooks");
        fixture()
            .mapping(
                "  secrets: [{ env: THINGS_HOOK_NEW }, { env: THINGS_HOOK_OLD }]\n",
                "",
            )
            .refused_with("webhooks has no signing secret");
    }
}
