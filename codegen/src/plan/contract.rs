//! What the contract tests of an adapter need beyond the plan: per operation, the
//! spec's request schema (`$ref`s inlined, for the runtime's request validator), the
//! examples of every declared response (synthesised where the spec has none), and
//! sample arguments built from the port's types.
//!
//! Built on request only ([`crate::Builder::contract_tests`]), from the plan, the spec's
//! raw document and the port; `emit::contract` renders the tests from it.

use super::Plan;
use super::samples::{self, Example};
use crate::load::openapi::Spec;
use crate::load::port::{DomainStruct, Port, Ty, VariantShape};
use crate::spec::media;
use crate::spec::refs::{self, escape_pointer};
use crate::spec::responses::{self, Status};
use serde_json::{Value, json};

/// What the contract tests need beyond the plan, one entry per planned operation.
#[derive(Debug, Clone)]
pub struct ContractPlan {
    /// In the plan's operation order.
    pub operations: Vec<OperationContract>,
    /// The adapter's file stem (`stripe_gateway`), naming its cassette directory.
    pub stem: String,
    /// One synthesised delivery per mapped webhook event type, in the mapping's order.
    pub events: Vec<EventContract>,
    /// The value each setting of the adapter takes in the tests: a text that fits the
    /// parameters it fills (Twilio's `AccountSid` is `AC` and 32 hex digits), else
    /// `test_<name>`.
    pub settings: Vec<(String, String)>,
}

/// A delivery of one mapped event type, built around a sample of its object's schema.
#[derive(Debug, Clone)]
pub struct EventContract {
    /// The vendor's event type.
    pub event_type: String,
    /// The variant it must become, rendered.
    pub variant: String,
    /// The delivery's body.
    pub body: Value,
    /// The same delivery with the event's object drifted to a number, when the object
    /// is not the event itself.
    pub drifted: Option<Value>,
    /// The field a drifted delivery must be refused for, as the decoder names it.
    pub object_field: String,
}

/// `value` placed at `path` inside an object (the path's segments become keys).
fn nest(path: &[String], value: Value) -> Value {
    path.iter()
        .rev()
        .fold(value, |inner, key| json!({ key.as_str(): inner }))
}

/// Sets `path` in `target` to `value`, making the objects on the way.
fn put(target: &mut Value, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        *target = value;
        return;
    };
    let mut cur = target;
    for key in parents {
        if !cur.get(key).is_some_and(Value::is_object) {
            cur[key.as_str()] = json!({});
        }
        cur = &mut cur[key.as_str()];
    }
    if cur.is_object() {
        cur[last.as_str()] = value;
    }
}

/// Synthesised deliveries for the mapped event types of `plan`.
fn event_contracts(plan: &Plan, root: &Value) -> Vec<EventContract> {
    let Some(w) = &plan.webhooks else {
        return Vec::new();
    };
    w.events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let schema =
                json!({ "$ref": format!("#/components/schemas/{}", escape_pointer(&e.schema)) });
            let mut event = if e.object.is_empty() {
                samples::sample(root, &schema)
            } else {
                nest(&e.object, samples::sample(root, &schema))
            };
            for (j, id) in w.id.iter().enumerate() {
                put(
                    &mut event,
                    id,
                    Value::String(format!("evt_contract_{i}_{j}")),
                );
            }
            put(
                &mut event,
                &w.event_type,
                Value::String(e.event_type.clone()),
            );
            let wrap = |event: Value| {
                let event = nest(&w.item, event);
                match &w.items {
                    Some(items) => nest(items, Value::Array(vec![event])),
                    None => event,
                }
            };
            let drifted = (!e.object.is_empty()).then(|| {
                let mut d = event.clone();
                put(&mut d, &e.object, json!(42));
                wrap(d)
            });
            let prefix = match &w.items {
                Some(items) if w.item.is_empty() => format!("{}[0]", items.join(".")),
                Some(items) => format!("{}[0].{}", items.join("."), w.item.join(".")),
                None => w.item.join("."),
            };
            let object_field = [prefix, e.object_text.clone()]
                .into_iter()
                .filter(|p| !p.is_empty() && p != "$")
                .collect::<Vec<_>>()
                .join(".");
            EventContract {
                event_type: e.event_type.clone(),
                variant: e.variant.clone(),
                body: wrap(event),
                drifted,
                object_field,
            }
        })
        .collect()
}

/// One operation's examples, request schema and sample arguments.
#[derive(Debug, Clone)]
pub struct OperationContract {
    /// The port method.
    pub method: String,
    /// `{operation, path, parameters, body}` with `$ref`s inlined, as
    /// `portcullis_runtime::testing::contract::validate_request` reads it.
    pub request_spec: Value,
    /// Examples of each declared response, with their status (`2XX` is served as 200).
    pub responses: Vec<(u16, Example)>,
    /// A synthesised body per 2xx response, the base of the drift tests when no
    /// example of the spec becomes a domain value.
    pub samples: Vec<(u16, Value)>,
    /// Rust expressions for the method's arguments, or why they cannot be built.
    pub args: Result<Vec<String>, String>,
}

/// Gathers the examples, request schemas and sample arguments for `plan`'s operations.
pub fn build(plan: &Plan, spec: &Spec, port: &Port) -> ContractPlan {
    let module = plan
        .port_trait
        .rsplit_once("::")
        .map_or("crate", |(m, _)| m)
        .to_owned();
    let root = &spec.raw;
    let operations: Vec<OperationContract> = plan
        .operations
        .iter()
        .map(|op| {
            let raw_path = refs::pointer(root, &format!("#/paths/{}", escape_pointer(&op.path)))
                .unwrap_or(&Value::Null);
            let raw_op = &raw_path[op.http_method.to_ascii_lowercase()];
            let mut params = Vec::new();
            for p in raw_path["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .chain(raw_op["parameters"].as_array().into_iter().flatten())
            {
                let p = refs::target(root, p);
                // An operation-level parameter overrides the path-level one of that name.
                params.retain(|q: &Value| !(q["name"] == p["name"] && q["in"] == p["in"]));
                let mut param = json!({
                    "name": p["name"], "in": p["in"],
                    "required": p["required"].as_bool().unwrap_or(p["in"] == "path"),
                    "schema": samples::inline(root, &p["schema"]),
                });
                // How an array is written on the wire, for the check to read it back.
                for key in ["style", "explode"] {
                    if let (Some(v), Some(obj)) = (p.get(key), param.as_object_mut()) {
                        obj.insert(key.to_string(), v.clone());
                    }
                }
                params.push(param);
            }
            let body = refs::target(root, &raw_op["requestBody"]);
            let body = match body.get("content").and_then(Value::as_object) {
                Some(content) => json!({
                    "required": body["required"].as_bool().unwrap_or(false),
                    "content": content.iter().map(|(k, m)| (k.clone(), samples::inline(root, &m["schema"]))).collect::<serde_json::Map<_, _>>(),
                }),
                None => Value::Null,
            };
            let request_spec = json!({
                "operation": op.operation_id, "path": op.path, "parameters": params, "body": body,
            });
            let mut responses = Vec::new();
            let mut synthesised = Vec::new();
            for (status, resp) in raw_op["responses"].as_object().into_iter().flatten() {
                let code = match Status::parse(status) {
                    Some(Status::Code(c)) => c,
                    Some(Status::Range(2)) => 200,
                    // `default` and the error ranges have no status to serve.
                    _ => continue,
                };
                let resp = refs::target(root, resp);
                let Some((_, media)) = resp
                    .get("content")
                    .and_then(Value::as_object)
                    .and_then(media::find_json)
                else {
                    continue;
                };
                // A synthesised body carries every path the mapping reads of it.
                let reads = op
                    .responses
                    .iter()
                    .find(|r| r.status.is_none_or(|s| s == code))
                    .map(|r| read_paths(plan, r))
                    .unwrap_or_default();
                for ex in samples::examples(root, media, Some(&reads)) {
                    responses.push((code, ex));
                }
                if responses::is_success(code) && media.get("schema").is_some() {
                    synthesised.push((
                        code,
                        samples::sample_reading(root, &media["schema"], &reads),
                    ));
                }
            }
            let args = port
                .method(op.method.trim_start_matches("r#"))
                .ok_or_else(|| format!("the port has no method {}", op.method))
                .and_then(|m| {
                    m.args
                        .iter()
                        .map(|(name, ty)| {
                            let at = Sample {
                                path: vec![name.clone()],
                                given: &op.contract_args,
                                checks: &op.checks,
                            };
                            domain_value(port, &module, ty, name, 0, &at)
                        })
                        .collect::<Result<Vec<_>, _>>()
                });
            OperationContract {
                method: op.method.clone(),
                request_spec,
                responses,
                samples: synthesised,
                args,
            }
        })
        .collect();
    let settings = setting_values(plan, &operations);
    ContractPlan {
        operations,
        settings,
        events: event_contracts(plan, root),
        stem: crate::ident::snake(&plan.adapter)
            .trim_start_matches("r#")
            .to_owned(),
    }
}

/// The paths from the body's root of every value a response's converters read (a
/// list's items through index 0), so a synthesised sample carries them however deep.
fn read_paths(plan: &Plan, r: &super::ResponsePlan) -> Vec<Vec<String>> {
    fn segments(json_path: &str) -> Vec<String> {
        json_path
            .trim_start_matches('$')
            .split('.')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
    fn walk(plan: &Plan, name: &str, prefix: &[String], depth: usize, out: &mut Vec<Vec<String>>) {
        let Some(conv) = plan.converters.iter().find(|c| c.name == name) else {
            return;
        };
        if depth > 8 {
            return;
        }
        for f in &conv.fields {
            match &f.value {
                super::ConvValue::Read { read, leaf, .. } => {
                    let path = [prefix, &segments(&read.json_path)].concat();
                    let mut inner = leaf;
                    while let super::Leaf::Some(l)
                    | super::Leaf::Newtype(_, l)
                    | super::Leaf::Each(l) = inner
                    {
                        inner = l;
                    }
                    if let super::Leaf::Nested(c) = inner {
                        walk(plan, c, &path, depth + 1, out);
                    }
                    out.push(path);
                }
                super::ConvValue::Via { reads, .. } => {
                    out.extend(
                        reads
                            .iter()
                            .map(|r| [prefix, &segments(&r.json_path)].concat()),
                    );
                }
                _ => {}
            }
        }
    }
    let Some((_, conv)) = &r.decode else {
        return Vec::new();
    };
    let mut prefix = r
        .unwrap
        .as_ref()
        .map(|u| segments(&u.json_path))
        .unwrap_or_default();
    if r.list {
        prefix.push("0".into());
    }
    let mut out = Vec::new();
    walk(plan, conv, &prefix, 0, &mut out);
    out
}

/// The test value of each setting: fitted to the first parameter it fills that states
/// constraints (read from the request spec the tests validate against).
fn setting_values(plan: &Plan, operations: &[OperationContract]) -> Vec<(String, String)> {
    plan.settings
        .iter()
        .map(|setting| {
            let fitted = plan.operations.iter().zip(operations).find_map(|(op, c)| {
                let param = op.params.iter().find(
                    |p| matches!(&p.value, super::ValuePlan::Setting(n) if *n == setting.name),
                )?;
                let schema = c.request_spec["parameters"]
                    .as_array()?
                    .iter()
                    .find(|p| p["name"] == param.wire_name.as_str())
                    .map(|p| &p["schema"])?;
                let constraints = super::constraints::Constraints {
                    max_length: schema["maxLength"]
                        .as_u64()
                        .and_then(|n| usize::try_from(n).ok()),
                    min_length: schema["minLength"]
                        .as_u64()
                        .and_then(|n| usize::try_from(n).ok()),
                    pattern: schema["pattern"].as_str().map(str::to_owned),
                    uuid: schema["format"] == "uuid",
                    values: schema["enum"]
                        .as_array()
                        .map(|v| {
                            v.iter()
                                .filter_map(|x| x.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default(),
                    ..Default::default()
                };
                (!constraints.is_empty()).then(|| {
                    super::samples::fitting_text(&constraints, &format!("test_{}", setting.name))
                })
            });
            let value = fitted.unwrap_or_else(|| format!("test_{}", setting.name));
            (setting.name.clone(), value)
        })
        .collect()
}

/// Where a sample value sits in the method's arguments, and the values the mapping
/// gives for some paths (`contract.args`).
struct Sample<'p> {
    path: Vec<String>,
    given: &'p [(Vec<String>, Value)],
    /// The operation's checks before sending, whose constraints a sample must meet.
    checks: &'p [super::CheckPlan],
}

impl Sample<'_> {
    fn at(&self, segment: &str) -> Self {
        let mut path = self.path.clone();
        path.push(segment.to_owned());
        Sample {
            path,
            given: self.given,
            checks: self.checks,
        }
    }

    /// The constraints of the slot the value at this path fills, if it is checked.
    fn constraints(&self) -> Option<&super::constraints::Constraints> {
        // A check inside a list's items (`each:`, a `Vec<String>` argument) names its
        // value from `item`: its place in the arguments is the list's, then the rest.
        let place = |c: &super::CheckPlan| match c.each.last() {
            Some((list, _)) => {
                let mut p = list.clone();
                p.extend(c.access.iter().skip(1).cloned());
                p
            }
            None => c.access.clone(),
        };
        self.checks
            .iter()
            .filter(|c| c.value != super::CheckedValue::List)
            .find(|c| place(c) == self.path)
            .map(|c| &c.constraints)
    }

    fn given(&self) -> Option<&Value> {
        self.given
            .iter()
            .find(|(p, _)| *p == self.path)
            .map(|(_, v)| v)
    }
}

/// The value the mapping gives, as Rust source of type `ty` (the planner checked that
/// the type takes it).
fn given_value(ty: &Ty, v: &Value) -> String {
    match (ty, v) {
        (Ty::Ref(inner), Value::String(s)) if matches!(&**inner, Ty::Named(n) if n == "str") => {
            format!("{s:?}")
        }
        (Ty::Ref(inner), _) => format!("&{}", given_value(inner, v)),
        (Ty::Option(inner), _) => {
            format!("::core::option::Option::Some({})", given_value(inner, v))
        }
        (_, Value::String(s)) => format!("::std::string::String::from({s:?})"),
        (Ty::Named(n), Value::Number(x)) if n.starts_with('f') && !x.to_string().contains('.') => {
            format!("{x}.0")
        }
        (_, other) => other.to_string(),
    }
}

/// A sample domain value of `ty`, as Rust source (checked by rustc with everything else).
fn domain_value(
    port: &Port,
    module: &str,
    ty: &Ty,
    name: &str,
    depth: usize,
    at: &Sample<'_>,
) -> Result<String, String> {
    if depth > 8 {
        return Err(format!("`{name}` nests too deeply to synthesise"));
    }
    if let Some(v) = at.given() {
        return Ok(given_value(ty, v));
    }
    let lower = name.to_ascii_lowercase();
    let text = if lower.ends_with("currency") {
        "usd".to_owned()
    } else if lower.ends_with("media_type")
        || lower.ends_with("content_type")
        || lower.ends_with("mime_type")
    {
        // A multipart file part's content type must parse as one.
        "application/octet-stream".to_owned()
    } else {
        format!("{name}-1")
    };
    // A value the spec constrains (a pattern, lengths, an enum) is drawn to fit, so the
    // adapter's own checks before sending do not refuse the contract test's call.
    let text = match at.constraints() {
        Some(c) => super::samples::fitting_text(c, &text),
        None => text,
    };
    Ok(match ty {
        Ty::Unit => "()".into(),
        Ty::Ref(inner) if matches!(&**inner, Ty::Named(n) if n == "str") => format!("{text:?}"),
        Ty::Ref(inner) => format!(
            "&{}",
            domain_value(port, module, inner, name, depth + 1, at)?
        ),
        Ty::Option(inner) => format!(
            "::core::option::Option::Some({})",
            domain_value(port, module, inner, name, depth + 1, at)?
        ),
        Ty::Vec(inner) => format!(
            "::std::vec![{}]",
            domain_value(port, module, inner, name, depth + 1, at)?
        ),
        Ty::Named(n) => match n.as_str() {
            "String" => format!("::std::string::String::from({text:?})"),
            "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64"
            | "u128" | "usize" => "1".into(),
            "f32" | "f64" => "1.0".into(),
            "bool" => "true".into(),
            _ => match (port.structs.get(n), port.enums.get(n)) {
                (Some(DomainStruct::Newtype(inner)), _) => format!(
                    "{module}::{n}({})",
                    domain_value(port, module, inner, name, depth + 1, &at.at("0"))?
                ),
                (Some(DomainStruct::Named(fields)), _) => {
                    let fs = fields
                        .iter()
                        .map(|f| {
                            domain_value(port, module, &f.ty, &f.name, depth + 1, &at.at(&f.name))
                                .map(|v| format!("{}: {v}", crate::ident::raw_if_keyword(&f.name)))
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    format!("{module}::{n} {{ {} }}", fs.join(", "))
                }
                (_, Some(variants)) => {
                    let (v, shape) = variants
                        .iter()
                        .find(|(_, s)| *s == VariantShape::Unit)
                        .or_else(|| variants.first())
                        .ok_or_else(|| format!("`{n}` has no variants"))?;
                    match shape {
                        VariantShape::Unit => format!("{module}::{n}::{v}"),
                        VariantShape::Tuple(tys) => {
                            let vs = tys
                                .iter()
                                .map(|t| domain_value(port, module, t, name, depth + 1, at))
                                .collect::<Result<Vec<_>, _>>()?;
                            format!("{module}::{n}::{v}({})", vs.join(", "))
                        }
                        VariantShape::Struct => {
                            return Err(format!("cannot synthesise the struct variant {n}::{v}"));
                        }
                    }
                }
                _ => return Err(format!("cannot synthesise a `{n}` (not in the port file)")),
            },
        },
        Ty::Other(s) => return Err(format!("cannot synthesise a `{s}`")),
    })
}
