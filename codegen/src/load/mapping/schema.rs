//! The mapping format as a JSON Schema (`portcullis schema`), for editors that complete
//! and check YAML against one (VS Code's YAML extension, IntelliJ, Helix with
//! yaml-language-server).
//!
//! Every object's keys come from `decode::keys`, the lists the decoder itself checks
//! files against, and each object is closed (`additionalProperties: false`); what this
//! file adds is what each key's value looks like. A key the decoder accepts but this file
//! does not describe fails `every_key_the_decoder_accepts_is_described`, so the schema
//! cannot fall behind the format. The schema is looser than `check` where only the
//! spec or the port can tell (a field path, a variant name): editors check the shape,
//! `portcullis check` the meaning.

use super::decode::keys;
use super::model::ERROR_KINDS;
use serde_json::{Map, Value, json};

/// The JSON Schema (draft-07) of the mapping file format.
///
/// ```
/// let schema = portcullis_codegen::load::mapping::schema::json_schema();
/// assert_eq!(schema["additionalProperties"], false);
/// assert!(schema["properties"]["operations"].is_object());
/// ```
pub fn json_schema() -> Value {
    Schema::default().build()
}

/// Builds the schema and records the keys it could not describe.
#[derive(Default)]
struct Schema {
    undescribed: Vec<String>,
}

/// A closed object over `keys`, each key's value described by `describe`.
fn with_keys(
    s: &mut Schema,
    section: &str,
    keys: &[&str],
    describe: impl Fn(&str) -> Option<Value>,
) -> Value {
    let mut properties = Map::new();
    for &key in keys {
        match describe(key) {
            Some(value) => {
                properties.insert(key.to_owned(), value);
            }
            None => {
                s.undescribed.push(format!("{section}.{key}"));
                properties.insert(key.to_owned(), json!({}));
            }
        }
    }
    json!({ "type": "object", "properties": properties, "additionalProperties": false })
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/definitions/{name}") })
}

fn text(description: &str) -> Value {
    json!({ "type": "string", "description": description })
}

/// What the decoder reads as a string: any YAML scalar (`values: [false]`, `version: 1`).
fn scalar(description: &str) -> Value {
    json!({ "type": ["string", "number", "boolean"], "description": description })
}

fn count(description: &str, minimum: u64) -> Value {
    json!({ "type": "integer", "minimum": minimum, "description": description })
}

fn share(description: &str) -> Value {
    json!({ "type": "number", "minimum": 0, "maximum": 1, "description": description })
}

fn boolean(description: &str) -> Value {
    json!({ "type": "boolean", "description": description })
}

fn duration(description: &str) -> Value {
    json!({ "allOf": [reference("duration")], "description": description })
}

fn list_of(item: Value, description: &str) -> Value {
    json!({ "type": "array", "items": item, "description": description })
}

fn map_of(value: Value, description: &str) -> Value {
    json!({ "type": "object", "additionalProperties": value, "description": description })
}

impl Schema {
    fn build(mut self) -> Value {
        let definitions = self.definitions();
        let mut top = with_keys(&mut self, "top", keys::TOP, |k| {
            Some(match k {
                "version" => json!({ "enum": [1, "1"], "description": "The format's version: 1." }),
                "adapter" => text("Name of the generated adapter struct, e.g. StripeGateway."),
                "implements" => reference("implements"),
                "spec" => text("The vendor's OpenAPI document, relative to this file."),
                "overlays" => json!({ "anyOf": [
                    text("An OpenAPI Overlay (1.0) file correcting the spec, relative to this file."),
                    { "type": "array", "items": text("An OpenAPI Overlay (1.0) file, applied in order."), "description": "OpenAPI Overlay files correcting the spec, applied in order." },
                ] }),
                "base_url" => json!({
                    "type": "string",
                    "pattern": "^https?://",
                    "description": "The vendor's base URL (overridable at runtime).",
                }),
                "auth" => reference("auth"),
                "settings" => json!({
                    "type": "object",
                    "propertyNames": { "pattern": "^[a-z_][a-z0-9_]*$" },
                    "additionalProperties": reference("setting"),
                    "description": "Named values of the adapter's configuration.",
                }),
                "headers" => reference("headers"),
                "limits" => reference("limits"),
                "health" => reference("health"),
                "defaults" => reference("policies"),
                "errors" => reference("errors"),
                "operations" => map_of(
                    reference("operation"),
                    "One entry per method of the port, by the method's name.",
                ),
                "types" => map_of(
                    reference("type"),
                    "How each domain type is built from a vendor schema, by the type's name.",
                ),
                "webhooks" => reference("webhooks"),
                _ => return None,
            })
        });
        let top_object = top.as_object_mut();
        if let Some(top) = top_object {
            top.insert(
                "$schema".into(),
                json!("http://json-schema.org/draft-07/schema#"),
            );
            top.insert("title".into(), json!("Portcullis mapping file"));
            top.insert(
                "description".into(),
                json!(
                    "How a domain port is implemented on a vendor's OpenAPI spec (docs/mapping.md)."
                ),
            );
            top.insert(
                "required".into(),
                json!(["adapter", "implements", "spec", "base_url", "operations"]),
            );
            top.insert("definitions".into(), Value::Object(definitions));
        }
        debug_assert!(self.undescribed.is_empty(), "{:?}", self.undescribed);
        top
    }

    fn definitions(&mut self) -> Map<String, Value> {
        let mut d = Map::new();
        let mut put = |name: &str, value: Value| {
            d.insert(name.to_owned(), value);
        };
        put(
            "duration",
            json!({
                "type": "string",
                "pattern": "^[0-9]+(\\.[0-9]+)?(ms|s|m|h|d)$",
                "description": "A number with a unit: ms, s, m, h or d (250ms, 5s, 1d).",
            }),
        );
        put(
            "status",
            json!({ "type": "integer", "minimum": 100, "maximum": 599 }),
        );
        let secret = self.secret();
        put("secret", secret);
        let implements = with_keys(self, "implements", keys::IMPLEMENTS, |k| {
            Some(match k {
                "port" => text("The trait's name."),
                "source" => text("The Rust file that defines it, relative to this file."),
                "module" => text("Its module path in the crate (default crate::domain)."),
                _ => return None,
            })
        });
        put("implements", required(implements, &["port", "source"]));
        let auth = self.auth();
        put("auth", auth);
        let setting = with_keys(self, "setting", keys::SETTING, |k| {
            Some(match k {
                "env" => text("An environment variable."),
                "file" => text("A file whose contents are the value."),
                "default" => scalar("The value when no other source has one."),
                _ => return None,
            })
        });
        put("setting", setting);
        let from_setting = with_keys(self, "header", keys::HEADER_FROM_SETTING, |k| {
            (k == "setting").then(|| text("The setting whose value is sent."))
        });
        put(
            "headers",
            json!({
                "type": "object",
                "propertyNames": { "pattern": "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" },
                "additionalProperties": {
                    "anyOf": [scalar("The header's value."), required(from_setting, &["setting"])],
                },
                "description": "Headers sent on every call, by name.",
            }),
        );
        let limits = self.limits();
        put("limits", limits);
        let health = with_keys(self, "health", keys::HEALTH, |k| {
            Some(match k {
                "enabled" => boolean("Whether the health monitor runs."),
                "window" => duration("The window calls are judged over."),
                "min_calls" => count("Calls needed before judging.", 0),
                "error_rate" => share("The share of failed calls that is unhealthy."),
                "p95" | "p99" => duration("The latency that is unhealthy."),
                _ => return None,
            })
        });
        put("health", health);
        let policies = self.policies(keys::POLICIES, "policies");
        put("policies", policies);
        let errors = self.errors();
        put("errors", errors);
        put(
            "error_rules",
            json!({
                "type": "object",
                "propertyNames": { "pattern": error_key_pattern() },
                "additionalProperties": scalar("The domain error, e.g. PaymentError::Declined."),
                "description": "Vendor errors to domain errors: a status (\"404\"), a class (\"5xx\"), a status and vendor code (\"402/card_declined\"), an error kind, or `_`.",
            }),
        );
        let value = self.value();
        put("value", value);
        let operation = self.operation();
        put("operation", operation);
        let field = self.field();
        put("field", field);
        let ty = with_keys(self, "type", keys::TYPE, |k| {
            Some(match k {
                "from" => text("The vendor schema (components.schemas name)."),
                "fields" => map_of(reference("field"), "Each domain field, by name."),
                _ => return None,
            })
        });
        put("type", ty);
        let webhooks = self.webhooks();
        put("webhooks", webhooks);
        d
    }

    fn secret(&mut self) -> Value {
        let object = with_keys(self, "secret", keys::SECRET, |k| {
            Some(match k {
                "env" => text("An environment variable."),
                "file" => text("A file, re-read when it changes."),
                _ => return None,
            })
        });
        let mut one = object;
        if let Some(o) = one.as_object_mut() {
            o.insert("minProperties".into(), json!(1));
            o.insert("maxProperties".into(), json!(1));
            o.insert(
                "description".into(),
                json!("Where a secret comes from: { env: VAR } or { file: path }."),
            );
        }
        one
    }

    fn auth(&mut self) -> Value {
        with_keys(self, "auth", keys::AUTH, |k| {
            Some(match k {
                "scheme" => text("A components.securitySchemes name of the spec."),
                "type" => json!({
                    "enum": keys::AUTH_TYPES,
                    "description": "A scheme the mapping declares, for a spec without securitySchemes.",
                }),
                "in" => {
                    json!({ "enum": ["header", "query"], "description": "Where an api_key goes." })
                }
                "name" => text("The header or query parameter an api_key goes in."),
                "prefix" => text("Sent before the key, space included (\"Bearer \")."),
                "secret" | "password" | "client_id" | "client_secret" => reference("secret"),
                "scopes" => list_of(text("A scope of the flow."), "OAuth2 scopes to ask for."),
                "token_url" => text("Overrides the flow's tokenUrl."),
                "also" => list_of(
                    reference("auth"),
                    "Schemes the spec requires together with this one (Plaid's client id), each with its secret; sent on every call.",
                ),
                _ => return None,
            })
        })
    }

    fn limits(&mut self) -> Value {
        let requests = count("Requests allowed per window.", 1);
        let per = duration("The window.");
        let reserve = json!({
            "type": "number", "minimum": 0, "maximum": 0.9,
            "description": "The share kept for critical operations.",
        });
        let burst = count("Requests that may go back to back.", 1);
        let rate = with_keys(self, "limits.rate", keys::RATE, |k| {
            Some(match k {
                "requests" => requests.clone(),
                "per" => per.clone(),
                "reserve" => reserve.clone(),
                "burst" => burst.clone(),
                "reset" => json!({
                    "enum": keys::RATE_RESETS,
                    "description": "How the vendor's reset header counts: auto, epoch or delta seconds.",
                }),
                _ => return None,
            })
        });
        let quota = with_keys(self, "limits.quota", keys::QUOTA, |k| {
            Some(match k {
                "requests" => requests.clone(),
                "per" => per.clone(),
                "reserve" => reserve.clone(),
                "warn_at" => list_of(share("A share of the quota."), "When to warn."),
                _ => return None,
            })
        });
        let bucket = with_keys(self, "limits.buckets", keys::BUCKET, |k| {
            Some(match k {
                "requests" => requests.clone(),
                "per" => per.clone(),
                "reserve" => reserve.clone(),
                "burst" => burst.clone(),
                _ => return None,
            })
        });
        let both = ["requests", "per"];
        with_keys(self, "limits", keys::LIMITS, |k| {
            Some(match k {
                "rate" => required(rate.clone(), &both),
                "quota" => required(quota.clone(), &both),
                "buckets" => map_of(
                    required(bucket.clone(), &both),
                    "Named rate buckets operations draw from.",
                ),
                _ => return None,
            })
        })
    }

    /// `defaults:` (only [`keys::POLICIES`]) or an operation (with more keys).
    fn policies(&mut self, keys: &[&str], section: &str) -> Value {
        let retry = with_keys(self, "retry", keys::RETRY, |k| {
            Some(match k {
                "attempts" => count("Attempts, the first included.", 1),
                "base" | "cap" => duration("Backoff's first wait, and its ceiling."),
                "on" => list_of(reference("status"), "Statuses to retry on."),
                _ => return None,
            })
        });
        let breaker = with_keys(self, "breaker", keys::BREAKER, |k| {
            Some(match k {
                "enabled" | "per_operation" => boolean("On or off."),
                "failure_rate" | "slow_call_rate" => share("A share of calls in the window."),
                "window" | "slow_call" | "open_for" => duration("A duration."),
                "min_calls" | "half_open_probes" => count("A number of calls.", 0),
                _ => return None,
            })
        });
        let rate_limit = with_keys(self, "rate_limit", keys::OP_RATE_LIMIT, |k| {
            Some(match k {
                "critical" => boolean("May use the reserve."),
                "bucket" => text("A bucket of limits.buckets."),
                _ => return None,
            })
        });
        let cache = with_keys(self, "fallback.cache", keys::FALLBACK_CACHE, |k| {
            Some(match k {
                "ttl" | "stale_if_error" => duration("How long an answer is served."),
                _ => return None,
            })
        });
        let fallback = with_keys(self, "fallback", keys::FALLBACK, |k| {
            Some(match k {
                "cache" => required(cache.clone(), &["ttl"]),
                "default" => json!({ "description": "A vendor body to answer with." }),
                "caller" => json!({ "const": true }),
                "mark" => text("The domain field marking a degraded answer."),
                _ => return None,
            })
        });
        let operation = operation_schema();
        with_keys(self, section, keys, |k| {
            Some(match k {
                "attempt_timeout" => duration("Each attempt's timeout."),
                "budget" => duration("The whole call's time, retries included."),
                "retry" => json!({ "anyOf": [{ "enum": ["none", false] }, retry.clone()] }),
                "breaker" => json!({ "anyOf": [{ "enum": ["off", false] }, breaker.clone()] }),
                "rate_limit" => rate_limit.clone(),
                "fallback" => json!({ "anyOf": [{ "const": "caller" }, fallback.clone()] }),
                other => return operation(other),
            })
        })
    }

    fn errors(&mut self) -> Value {
        with_keys(self, "errors", keys::ERRORS, |k| {
            Some(match k {
                "schema" => text("The spec's error schema."),
                "code" | "message" => {
                    text("Where the vendor's code or message is in its error body.")
                }
                "map" => reference("error_rules"),
                _ => return None,
            })
        })
    }

    fn value(&mut self) -> Value {
        let object = with_keys(self, "value", keys::VALUE, |k| {
            Some(match k {
                "from" => text("A path into the arguments, e.g. req.amount.value."),
                "via" => text("A function converting it, by Rust path."),
                "values" => map_of(
                    scalar("A variant name."),
                    "Vendor values for the variants of the domain enum it gives.",
                ),
                "const" => json!({ "description": "A constant value." }),
                "each" => map_of(
                    reference("value"),
                    "A list item's fields (or, from an Option of a struct, the optional object's), each a value.",
                ),
                "setting" => text("A setting of `settings:`."),
                "file_name" => {
                    json!({ "description": "A file part's name: an argument path or a quoted constant (multipart bodies)." })
                }
                "content_type" => {
                    json!({ "description": "A file part's content type: an argument path or a quoted constant (multipart bodies)." })
                }
                "credential" => json!({
                    "const": true,
                    "description": "The call's credential again, for a parameter the spec lists besides its security scheme.",
                }),
                _ => return None,
            })
        });
        // Fields written nested (`data: { name: task.name }`): no key is a value key.
        let nested = json!({
            "type": "object",
            "minProperties": 1,
            "propertyNames": { "not": { "enum": keys::VALUE } },
            "additionalProperties": reference("value"),
        });
        json!({
            "anyOf": [
                { "type": ["string", "number", "boolean", "null", "array"] },
                object,
                nested,
            ],
            "description": "An argument path (`req.amount`), a constant (a quoted string, number or list), { from, via }, { const }, { setting }, { from, each }, or an object's fields written nested.",
        })
    }

    fn operation(&mut self) -> Value {
        let all: Vec<&str> = keys::POLICIES
            .iter()
            .chain(keys::OPERATION)
            .copied()
            .collect();
        let operation = self.policies(&all, "operation");
        required_any(operation, &["call", "unsupported"])
    }

    fn field(&mut self) -> Value {
        let object = with_keys(self, "field", keys::FIELD, |k| {
            Some(match k {
                "from" => json!({
                    "anyOf": [text("A vendor field path."), list_of(text("A vendor field path."), "Paths tried in order.")],
                }),
                "via" => text("A function converting it, by Rust path."),
                "values" => map_of(scalar("A variant name."), "Vendor values to enum variants."),
                "each" => text("From a list of objects: the path read from every item."),
                "default" => json!({ "description": "The value when the vendor sends none." }),
                "required" => boolean("Require a field the spec marks optional (give a reason)."),
                "reason" => text("Why, for `required: true`."),
                "mark" => boolean("A degradation mark: true when the answer is a fallback."),
                _ => return None,
            })
        });
        json!({ "anyOf": [text("A vendor field path."), object] })
    }

    fn webhooks(&mut self) -> Value {
        let envelope = with_keys(self, "webhooks.envelope", keys::ENVELOPE, |k| {
            Some(match k {
                "schema" => text("The spec's schema of a delivery."),
                "items" => text("Where a batch's list of events is."),
                "item" => text("Where the event is inside each item."),
                "id" => json!({
                    "anyOf": [text("The event id's path."), list_of(text("A path."), "Paths whose values together make the id.")],
                }),
                "type" => text("The event type's path."),
                "object" => text("The event's object's path."),
                _ => return None,
            })
        });
        let event = with_keys(self, "webhooks.events", keys::EVENT, |k| {
            Some(match k {
                "variant" => text("The domain event variant."),
                "from" => text("The spec schema of the event's object."),
                "object" => text("The object's path, when not the envelope's."),
                "fields" => map_of(reference("field"), "Each field of the variant."),
                _ => return None,
            })
        });
        let signature = with_keys(self, "webhooks.signature", keys::SIGNATURE, |k| {
            Some(match k {
                "header" => text("The header carrying the signature."),
                "prefix" => text("Text before each signature in the header (v0=, sha256=)."),
                "signed" => text(
                    "What is signed: {body} once, {timestamp}, {header:Name}, other text as written.",
                ),
                "timestamp" => text("The header with the signed Unix timestamp."),
                "timestamp_piece" => text(
                    "The prefix of the signature header's piece that is the signed Unix timestamp (t=).",
                ),
                "id" => text("The header with the delivery's id."),
                "algorithm" => {
                    json!({ "enum": ["sha256", "sha1", "sha512"], "description": "The HMAC's hash." })
                }
                "encoding" => {
                    json!({ "enum": ["hex", "base64"], "description": "How the signature is written." })
                }
                "key" => {
                    json!({ "enum": ["raw", "hex", "base64"], "description": "How the secret becomes the key." })
                }
                _ => return None,
            })
        });
        let webhooks = with_keys(self, "webhooks", keys::WEBHOOKS, |k| {
            Some(match k {
                "spec" => text("A separate OpenAPI document describing the deliveries."),
                "scheme" => json!({
                    "enum": ["stripe", "square", "adyen", "github", "standard", "hmac"],
                    "description": "The signature scheme; hmac is described by `signature:`.",
                }),
                "signature" => required(signature.clone(), &["header"]),
                "secret" | "notification_url" => reference("secret"),
                "secrets" => list_of(reference("secret"), "Several secrets while rotating."),
                "tolerance" => duration("How old a signed delivery may be."),
                "max_body" => count("The largest body accepted, in bytes.", 1),
                "event" => text("The domain event enum."),
                "envelope" => required(envelope.clone(), &["id", "type"]),
                "events" => map_of(
                    required(event.clone(), &["variant", "from"]),
                    "Each event type the vendor sends.",
                ),
                "unknown" => text("`ignore`, or a variant taking the other event types."),
                _ => return None,
            })
        });
        required(webhooks, &["scheme", "event", "envelope", "events"])
    }
}

/// The keys only an operation takes; `None` for a key it does not know.
fn operation_schema() -> impl Fn(&str) -> Option<Value> {
    let idempotency = json!({
        "type": "object",
        "properties": {
            "header": text("The header the key goes in."),
            "body": text("The body field the key goes in."),
            "key": text("The argument path the key is derived from."),
        },
        "additionalProperties": false,
        "oneOf": [{ "required": ["header"] }, { "required": ["body"] }],
    });
    let reject = json!({
        "type": "object",
        "properties": {
            "field": text("The answer's field to look at."),
            "values": list_of(scalar("A value that means failure."), "Values that make the answer an error."),
            "message": text("Where the vendor's message is."),
        },
        "required": ["field", "values"],
        "additionalProperties": false,
    });
    let contract = json!({
        "type": "object",
        "properties": {
            "mismatches": map_of(
                { let mut t = text("Why this example does not become a domain value."); t["minLength"] = json!(1); t },
                "Examples the mapping knowingly refuses: \"<status> <example name>\": reason.",
            ),
            "args": map_of(scalar("The value."), "Arguments the contract tests call with, by path."),
        },
        "additionalProperties": false,
    });
    move |k| {
        Some(match k {
            "call" => text("The spec's operationId (or `METHOD /path`)."),
            "unsupported" => text("The domain error for a method the vendor cannot serve."),
            "idempotency" => idempotency.clone(),
            "params" | "request" => {
                map_of(reference("value"), "Each parameter or body field, by name.")
            }
            "body" => reference("value"),
            "response" => text("The domain type the answer becomes."),
            "errors" => reference("error_rules"),
            "unwrap" => {
                text("Where the result is in the answer (`data`, or `$` for the whole body).")
            }
            "reject" => reject.clone(),
            "status" => json!({
                "anyOf": [reference("status"), list_of(reference("status"), "Statuses.")],
                "description": "The success statuses this operation accepts.",
            }),
            "headers" => reference("headers"),
            "paginate" => paginate(),
            "fields" => map_of(
                json!({
                    "anyOf": [
                        text("An argument path."),
                        { "type": "object", "properties": { "from": text("An argument path.") }, "required": ["from"], "additionalProperties": false },
                    ],
                }),
                "Result fields taken from the arguments.",
            ),
            "contract" => contract.clone(),
            "read" => boolean("A POST that only reads: retried and cached as a GET is."),
            _ => return None,
        })
    }
}

/// `paginate:` with each style's own keys, from the decoder's lists.
fn paginate() -> Value {
    let every: Vec<&str> = keys::PAGINATE_COMMON
        .iter()
        .chain(
            keys::PAGINATE_STYLES
                .iter()
                .flat_map(|s| keys::paginate_style(s).iter()),
        )
        .copied()
        .collect();
    let mut properties = Map::new();
    for key in every {
        let value = match key {
            "style" => json!({ "enum": keys::PAGINATE_STYLES }),
            "max_items" => json!({ "anyOf": [
                count("The most items returned; reaching it stops the list.", 1),
                text("An unsigned integer argument of the method (or `Option` of one) that sets it per call."),
            ] }),
            "max_pages" => json!({ "anyOf": [
                count("The most pages fetched; a longer list is an error.", 1),
                text("An unsigned integer argument of the method (or `Option` of one) that sets it per call."),
            ] }),
            "first" => count("The first page's number.", 0),
            _ => text("A parameter name or a path into the answer."),
        };
        properties.insert(key.to_owned(), value);
    }
    let styles: Vec<Value> = keys::PAGINATE_STYLES
        .iter()
        .map(|style| {
            let allowed: Vec<&str> = keys::PAGINATE_COMMON
                .iter()
                .chain(keys::paginate_style(style))
                .copied()
                .collect();
            json!({
                "if": { "properties": { "style": { "const": style } } },
                "then": { "propertyNames": { "enum": allowed } },
            })
        })
        .collect();
    json!({
        "type": "object",
        "properties": properties,
        "required": ["style"],
        "additionalProperties": false,
        "allOf": styles,
    })
}

fn required(mut schema: Value, keys: &[&str]) -> Value {
    schema["required"] = json!(keys);
    schema
}

/// At least one of `keys` (an operation has `call:` or `unsupported:`).
fn required_any(mut schema: Value, keys: &[&str]) -> Value {
    let options: Vec<Value> = keys.iter().map(|k| json!({ "required": [k] })).collect();
    schema["anyOf"] = Value::Array(options);
    schema
}

/// The keys of `errors.map` and an operation's `errors:`.
fn error_key_pattern() -> String {
    format!(
        "^(_|[1-5][0-9][0-9](/.+)?|[1-5][xX][xX]|{})$",
        ERROR_KINDS.join("|")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_the_decoder_accepts_is_described() {
        let mut s = Schema::default();
        let _ = s.definitions();
        let _ = s.operation();
        assert!(s.undescribed.is_empty(), "undescribed: {:?}", s.undescribed);
    }

    #[test]
    fn the_decoder_takes_its_key_lists_only_from_keys_rs() {
        // An inline list would be a key the schema never hears of.
        for (file, source) in [
            ("auth.rs", include_str!("decode/auth.rs")),
            ("limits.rs", include_str!("decode/limits.rs")),
            ("mod.rs", include_str!("decode/mod.rs")),
            ("operations.rs", include_str!("decode/operations.rs")),
            ("paginate.rs", include_str!("decode/paginate.rs")),
            ("policies.rs", include_str!("decode/policies.rs")),
            ("settings.rs", include_str!("decode/settings.rs")),
            ("types.rs", include_str!("decode/types.rs")),
            ("webhooks.rs", include_str!("decode/webhooks.rs")),
        ] {
            assert!(
                !source.contains("Some(&["),
                "decode/{file} checks keys against a list of its own"
            );
        }
    }

    #[test]
    fn every_object_of_the_schema_is_closed() {
        fn walk(v: &Value, path: &str, open: &mut Vec<String>) {
            match v {
                Value::Object(o) => {
                    if o.get("type") == Some(&json!("object"))
                        && o.contains_key("properties")
                        && o.get("additionalProperties") != Some(&json!(false))
                    {
                        open.push(path.to_owned());
                    }
                    for (k, v) in o {
                        walk(v, &format!("{path}/{k}"), open);
                    }
                }
                Value::Array(items) => {
                    for (i, v) in items.iter().enumerate() {
                        walk(v, &format!("{path}/{i}"), open);
                    }
                }
                _ => {}
            }
        }
        let mut open = Vec::new();
        walk(&json_schema(), "#", &mut open);
        assert!(open.is_empty(), "objects that take unknown keys: {open:?}");
    }
}
