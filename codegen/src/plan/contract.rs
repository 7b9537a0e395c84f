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
    let operations = plan
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
                params.push(json!({
                    "name": p["name"], "in": p["in"],
                    "required": p["required"].as_bool().unwrap_or(p["in"] == "path"),
                    "schema": samples::inline(root, &p["schema"]),
                }));
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
                for ex in samples::examples(root, media, true) {
                    responses.push((code, ex));
                }
                if responses::is_success(code) && media.get("schema").is_some() {
                    synthesised.push((code, samples::sample(root, &media["schema"])));
                }
            }
            let args = port
                .method(op.method.trim_start_matches("r#"))
                .ok_or_else(|| format!("the port has no method {}", op.method))
                .and_then(|m| {
                    m.args
                        .iter()
                        .map(|(name, ty)| domain_value(port, &module, ty, name, 0))
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
    ContractPlan {
        operations,
        stem: crate::ident::snake(&plan.adapter)
            .trim_start_matches("r#")
            .to_owned(),
    }
}

/// A sample domain value of `ty`, as Rust source (checked by rustc with everything else).
fn domain_value(
    port: &Port,
    module: &str,
    ty: &Ty,
    name: &str,
    depth: usize,
) -> Result<String, String> {
    if depth > 8 {
        return Err(format!("`{name}` nests too deeply to synthesise"));
    }
    let text = if name.to_ascii_lowercase().ends_with("currency") {
        "usd".to_owned()
    } else {
        format!("{name}-1")
    };
    Ok(match ty {
        Ty::Unit => "()".into(),
        Ty::Ref(inner) if matches!(&**inner, Ty::Named(n) if n == "str") => format!("{text:?}"),
        Ty::Ref(inner) => format!("&{}", domain_value(port, module, inner, name, depth + 1)?),
        Ty::Option(inner) => format!(
            "::core::option::Option::Some({})",
            domain_value(port, module, inner, name, depth + 1)?
        ),
        Ty::Vec(inner) => format!(
            "::std::vec![{}]",
            domain_value(port, module, inner, name, depth + 1)?
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
                    domain_value(port, module, inner, name, depth + 1)?
                ),
                (Some(DomainStruct::Named(fields)), _) => {
                    let fs = fields
                        .iter()
                        .map(|f| {
                            domain_value(port, module, &f.ty, &f.name, depth + 1)
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
                                .map(|t| domain_value(port, module, t, name, depth + 1))
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
