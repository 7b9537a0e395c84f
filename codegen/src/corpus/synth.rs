//! A port and a mapping that cover every operation of a spec, for the corpus runner.
//!
//! Each operation becomes a port method taking one request struct (its parameters and
//! the required scalar fields of its body, nested objects flattened) and returning a
//! struct of the response's scalar fields, all `Option` so that any vendor data fits.
//! Operations whose shape this cannot express are left out with the construct and its
//! JSON pointer; the rest of the spec still generates.

use crate::ident::{Namer, camel, snake};
use crate::load::openapi::Spec;
use crate::spec::media;
use crate::spec::refs::escape_pointer;
use crate::spec::responses::{self, Status};
use crate::spec::view::{Kind, SRef, View, view};
use openapiv3::{Parameter, ParameterSchemaOrContent};
use quote::{format_ident, quote};
use serde_json::{Map, Value, json};

/// An operation the synthesized port leaves out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    /// The operation (operationId or `METHOD /path`).
    pub operation: String,
    /// The construct it needs, e.g. `cookie parameter`.
    pub construct: String,
    /// Where in the spec, as a JSON pointer.
    pub pointer: String,
}

/// A port and mapping for a whole spec.
#[derive(Debug, Clone)]
pub struct Synthesized {
    /// The port's Rust source.
    pub port: String,
    /// Per operation kept: its key and the mapping entry (JSON).
    pub operations: Vec<(String, Value)>,
    /// Domain type entries of the mapping.
    pub types: Map<String, Value>,
    /// Response type → the operation (mapping key) it belongs to.
    pub type_owner: std::collections::BTreeMap<String, String>,
    /// Operations left out.
    pub left_out: Vec<LeftOut>,
}

impl Synthesized {
    /// The mapping document (JSON is YAML), over `spec_ref` and `port_ref`, for the given operations.
    pub fn mapping(&self, spec_ref: &str, port_ref: &str, keep: &dyn Fn(&str) -> bool) -> String {
        let mut ops = Map::new();
        for (k, v) in &self.operations {
            if keep(k) {
                ops.insert(k.clone(), v.clone());
            }
        }
        let doc = json!({
            "version": 1,
            "adapter": "CorpusAdapter",
            "implements": { "port": "Api", "source": port_ref, "module": "crate::domain" },
            "spec": spec_ref,
            "base_url": "https://vendor.invalid",
            "errors": { "map": { "_": "ApiError::Failed" } },
            "operations": ops,
            "types": self.types,
        });
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    }
}

enum Scalar {
    Str,
    Int,
    Num,
    Bool,
}

fn scalar_of(k: &Kind<'_>) -> Option<Scalar> {
    match k {
        Kind::Str { .. } => Some(Scalar::Str),
        Kind::Int { .. } => Some(Scalar::Int),
        Kind::Num => Some(Scalar::Num),
        Kind::Bool => Some(Scalar::Bool),
        _ => None,
    }
}

fn rust_ty(s: &Scalar) -> proc_macro2::TokenStream {
    match s {
        Scalar::Str => quote!(String),
        Scalar::Int => quote!(i64),
        Scalar::Num => quote!(f64),
        Scalar::Bool => quote!(bool),
    }
}

/// The required parts of a multipart form as (name, domain type): `Vec<u8>` for a file
/// (`format: binary` or `byte`), a scalar's type otherwise; the construct left out when
/// a required part is neither.
fn multipart_parts(
    spec: &Spec,
    schema: &openapiv3::ReferenceOr<openapiv3::Schema>,
) -> Result<Vec<(String, proc_macro2::TokenStream)>, String> {
    use openapiv3::{SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty};
    let Ok(View {
        kind: Kind::Object {
            props, required, ..
        },
        ..
    }) = view(spec, SRef::Plain(schema))
    else {
        return Err("multipart body that is not an object of parts".to_owned());
    };
    let mut out = Vec::new();
    for (name, p) in props {
        if !required.contains(name) {
            continue;
        }
        let resolved = p.resolve(spec);
        let binary = matches!(
            resolved.map(|(s, _)| &s.schema_kind),
            Ok(SchemaKind::Type(Type::String(t)))
                if matches!(t.format, VariantOrUnknownOrEmpty::Item(StringFormat::Binary | StringFormat::Byte))
        );
        let ty = if binary {
            quote!(Vec<u8>)
        } else {
            match view(spec, p).ok().and_then(|v| scalar_of(&v.kind)) {
                Some(s) => rust_ty(&s),
                None => {
                    return Err("required multipart part that is not a file or a scalar".to_owned());
                }
            }
        };
        out.push((name.to_string(), ty));
    }
    Ok(out)
}

struct Field {
    name: String,
    ty: proc_macro2::TokenStream,
}

/// Synthesizes the port and mapping.
pub fn synthesize(spec: &Spec) -> Synthesized {
    let mut methods = Vec::new();
    let mut structs = Vec::new();
    let mut out = Synthesized {
        port: String::new(),
        operations: Vec::new(),
        types: Map::new(),
        type_owner: std::collections::BTreeMap::new(),
        left_out: Vec::new(),
    };
    let mut method_names = Namer::default();
    let mut type_names = Namer::default();
    type_names.claim("ApiError");
    type_names.claim("Api");
    for (key, oref) in &spec.operations {
        let Some((_, op)) = spec.operation(key) else {
            continue;
        };
        let pointer = format!("#/paths/{}/{}", escape_pointer(&oref.path), oref.method);
        let left = |construct: String, at: String| LeftOut {
            operation: key.clone(),
            construct,
            pointer: at,
        };
        let method = method_names.claim(snake(key).trim_start_matches("r#"));
        let req_type = type_names.claim(&format!("{}Request", camel(key)));
        let mut req_fields: Vec<Field> = Vec::new();
        let mut field_names = Namer::default();
        let mut params = Map::new();
        let mut request = Map::new();
        let mut fail = None;
        let mut raw_body: Option<Value> = None;

        match spec.parameters(oref, op) {
            Err(e) => {
                fail = Some(left(
                    format!("parameter: {e}"),
                    format!("{pointer}/parameters"),
                ))
            }
            Ok(list) => {
                for (i, p) in list.iter().enumerate() {
                    let data = p.parameter_data_ref();
                    let required = data.required || matches!(p, Parameter::Path { .. });
                    let at = format!("{pointer}/parameters/{i}");
                    let is_cookie = matches!(p, Parameter::Cookie { .. });
                    let ty = match &data.format {
                        ParameterSchemaOrContent::Schema(s) if !is_cookie => {
                            match view(spec, SRef::Plain(s)) {
                                Ok(v) => param_type(spec, &v, matches!(p, Parameter::Query { .. })),
                                Err(_) => None,
                            }
                        }
                        _ => None,
                    };
                    match ty {
                        Some(ty) => {
                            let f = field_names.claim(&snake(&data.name));
                            let ty = if required { ty } else { quote!(Option<#ty>) };
                            params.insert(
                                data.name.clone(),
                                json!({ "from": format!("req.{}", f.trim_start_matches("r#")) }),
                            );
                            req_fields.push(Field { name: f, ty });
                        }
                        None if required => {
                            let what = if is_cookie {
                                "cookie parameter"
                            } else {
                                "parameter that is not a scalar or a list of scalars"
                            };
                            fail = Some(left(format!("required {what} '{}'", data.name), at));
                            break;
                        }
                        None => {}
                    }
                }
            }
        }

        if fail.is_none() {
            if let Some(rb) = &op.request_body {
                match spec.resolve_request_body(rb) {
                    Err(e) => {
                        fail = Some(left(
                            format!("request body: {e}"),
                            format!("{pointer}/requestBody"),
                        ))
                    }
                    Ok(rb) => {
                        let media =
                            media::find_json(&rb.content).or_else(|| media::find_form(&rb.content));
                        let json_root = media
                            .filter(|(k, _)| media::is_json(k))
                            .and_then(|(_, m)| m.schema.as_ref());
                        match media.and_then(|(_, m)| m.schema.as_ref()) {
                            Some(s)
                                if rb.required && json_root.is_some() && !object_root(spec, s) =>
                            {
                                let mut body = Body {
                                    binder: "req",
                                    owner: req_type.clone(),
                                    names: std::mem::take(&mut field_names),
                                    fields: std::mem::take(&mut req_fields),
                                    request: Map::new(),
                                };
                                let r = root_body(
                                    spec,
                                    s,
                                    &format!("{pointer}/requestBody"),
                                    &mut body,
                                    &mut structs,
                                    &mut type_names,
                                );
                                field_names = body.names;
                                req_fields = body.fields;
                                match r {
                                    Ok(v) => raw_body = Some(v),
                                    Err(l) => fail = Some(left(l.0, l.1)),
                                }
                            }
                            Some(s) => {
                                let at = format!("{pointer}/requestBody");
                                let mut body = Body {
                                    binder: "req",
                                    owner: req_type.clone(),
                                    names: std::mem::take(&mut field_names),
                                    fields: std::mem::take(&mut req_fields),
                                    request: Map::new(),
                                };
                                let r = body_fields(
                                    spec,
                                    SRef::Plain(s),
                                    "",
                                    rb.required,
                                    &at,
                                    &mut body,
                                    &mut structs,
                                    &mut type_names,
                                    0,
                                );
                                field_names = body.names;
                                req_fields = body.fields;
                                request = body.request;
                                if let Err(l) = r {
                                    fail = Some(left(l.0, l.1));
                                }
                            }
                            None if rb.required
                                && rb.content.iter().any(|(k, m)| {
                                    media::essence(k) == "multipart/form-data" && m.schema.is_some()
                                }) =>
                            {
                                // A multipart form: its required parts, files as bytes.
                                let schema = rb
                                    .content
                                    .iter()
                                    .find(|(k, _)| media::essence(k) == "multipart/form-data")
                                    .and_then(|(_, m)| m.schema.as_ref());
                                match schema.map(|s| multipart_parts(spec, s)) {
                                    Some(Ok(parts)) => {
                                        for (part, ty) in parts {
                                            let f = field_names.claim(&snake(&part));
                                            // A part's name is its key as written: the body is not JSON.
                                            request.insert(
                                                part.clone(),
                                                json!({ "from": format!("req.{}", f.trim_start_matches("r#")) }),
                                            );
                                            req_fields.push(Field { name: f, ty });
                                        }
                                    }
                                    Some(Err(construct)) => {
                                        fail = Some(left(
                                            construct,
                                            format!("{pointer}/requestBody/content"),
                                        ))
                                    }
                                    None => {}
                                }
                            }
                            None if rb.required => {
                                let kinds: Vec<&str> =
                                    rb.content.keys().map(String::as_str).collect();
                                if kinds.iter().any(|k| media::is_multipart(k)) || kinds.is_empty()
                                {
                                    fail = Some(left(
                                        format!("request body of media type {}", kinds.join(", ")),
                                        format!("{pointer}/requestBody/content"),
                                    ));
                                } else {
                                    // Files, texts, XML: the whole body as bytes.
                                    let f = field_names.claim("body");
                                    raw_body = Some(
                                        json!({ "from": format!("req.{}", f.trim_start_matches("r#")) }),
                                    );
                                    req_fields.push(Field {
                                        name: f,
                                        ty: quote!(Vec<u8>),
                                    });
                                }
                            }
                            None => {}
                        }
                    }
                }
            }
        }
        if let Some(f) = fail {
            out.left_out.push(f);
            continue;
        }

        // The response: scalar properties of the first JSON 2xx object, all optional.
        let mut resp_type = None;
        let mut resp_status = None;
        let first = responses::successes(op).into_iter().next();
        let first = first.and_then(|(status, r)| {
            let r = spec.resolve_response(r).ok()?;
            Some((status, responses::json_schema(r)?))
        });
        if let Some((status, s)) = first {
            if let Ok(View {
                kind: Kind::Object { props, .. },
                ..
            }) = view(spec, SRef::Plain(s))
            {
                let mut fields = Vec::new();
                let mut mapped = Map::new();
                let mut names = Namer::default();
                for (name, p) in props {
                    if name.is_empty() || !spellable(name) {
                        continue;
                    }
                    let Some(sc) = view(spec, p).ok().and_then(|v| scalar_of(&v.kind)) else {
                        continue;
                    };
                    let f = names.claim(&snake(name));
                    let ty = rust_ty(&sc);
                    mapped.insert(
                        f.trim_start_matches("r#").to_string(),
                        Value::String(crate::load::mapping::path_segment(name)),
                    );
                    fields.push(Field {
                        name: f,
                        ty: quote!(Option<#ty>),
                    });
                }
                if !fields.is_empty() {
                    let t = type_names.claim(&format!("{}Response", camel(key)));
                    out.types.insert(t.clone(), json!({ "fields": mapped }));
                    out.type_owner
                        .insert(t.clone(), method.trim_start_matches("r#").to_string());
                    structs.push((t.clone(), fields));
                    resp_type = Some(t);
                    if let Status::Code(c) = status {
                        resp_status = Some(c);
                    }
                }
            }
        }

        let mut entry = Map::new();
        entry.insert("call".into(), Value::String(key.clone()));
        if !params.is_empty() {
            entry.insert("params".into(), Value::Object(params));
        }
        if !request.is_empty() {
            entry.insert("request".into(), Value::Object(request));
        }
        if let Some(b) = raw_body {
            entry.insert("body".into(), b);
        }
        if let Some(c) = resp_status {
            entry.insert("status".into(), json!(c));
        }
        out.operations.push((
            method.trim_start_matches("r#").to_string(),
            Value::Object(entry),
        ));
        let m = format_ident!("{}", method.trim_start_matches("r#"));
        let rt_ident = format_ident!("{}", req_type);
        let ret = match &resp_type {
            Some(t) => {
                let t = format_ident!("{}", t);
                quote!(#t)
            }
            None => quote!(()),
        };
        let (args, req_struct) = if req_fields.is_empty() {
            (quote!(), None)
        } else {
            (
                quote!(, req: #rt_ident),
                Some((req_type.clone(), std::mem::take(&mut req_fields))),
            )
        };
        methods.push(quote! {
            fn #m(&self #args) -> impl std::future::Future<Output = Result<#ret, ApiError>> + Send;
        });
        if let Some(s) = req_struct {
            structs.push(s);
        }
    }
    let structs = structs.iter().map(|(name, fields)| {
        let n = format_ident!("{}", name);
        let fs = fields.iter().map(|f| {
            let id = ident(&f.name);
            let ty = &f.ty;
            quote!(pub #id: #ty,)
        });
        quote! {
            #[derive(Debug, Clone, PartialEq)]
            pub struct #n { #(#fs)* }
        }
    });
    let file = quote! {
        #![allow(missing_docs, dead_code)]
        #(#structs)*
        #[derive(Debug, Clone, PartialEq)]
        pub enum ApiError { Failed(String) }
        pub trait Api: Send + Sync {
            #(#methods)*
        }
    };
    out.port = match syn::parse2::<syn::File>(file) {
        Ok(f) => prettyplease::unparse(&f),
        Err(e) => format!("// port synthesis failed: {e}\n"),
    };
    out
}

fn ident(s: &str) -> proc_macro2::Ident {
    match s.strip_prefix("r#") {
        Some(raw) => proc_macro2::Ident::new_raw(raw, proc_macro2::Span::call_site()),
        None => proc_macro2::Ident::new(s, proc_macro2::Span::call_site()),
    }
}

fn param_type(spec: &Spec, v: &View<'_>, query: bool) -> Option<proc_macro2::TokenStream> {
    if let Some(s) = scalar_of(&v.kind) {
        return Some(rust_ty(&s));
    }
    match &v.kind {
        Kind::Array(Some(item)) if query => {
            let iv = view(spec, *item).ok()?;
            let s = scalar_of(&iv.kind)?;
            let t = rust_ty(&s);
            Some(quote!(Vec<#t>))
        }
        _ => None,
    }
}

/// Whether a body schema is an object (or a union with an object variant).
fn object_root(spec: &Spec, s: &openapiv3::ReferenceOr<openapiv3::Schema>) -> bool {
    match view(spec, SRef::Plain(s)).map(|v| v.kind) {
        Ok(Kind::Object { .. }) => true,
        Ok(Kind::Union(parts)) => parts
            .iter()
            .any(|p| matches!(view(spec, *p).map(|v| v.kind), Ok(Kind::Object { .. }))),
        _ => false,
    }
}

/// A JSON body that is a list or a scalar: the whole body from one request field.
fn root_body(
    spec: &Spec,
    s: &openapiv3::ReferenceOr<openapiv3::Schema>,
    at: &str,
    body: &mut Body<'_>,
    structs: &mut Vec<(String, Vec<Field>)>,
    type_names: &mut Namer,
) -> Result<Value, (String, String)> {
    let v = view(spec, SRef::Plain(s))
        .map_err(|e| (format!("request body schema: {e}"), at.to_string()))?;
    if let Some(sc) = scalar_of(&v.kind) {
        let f = body.names.claim("body");
        body.fields.push(Field {
            name: f.clone(),
            ty: rust_ty(&sc),
        });
        return Ok(json!({ "from": format!("req.{}", f.trim_start_matches("r#")) }));
    }
    let Kind::Array(Some(item_ref)) = &v.kind else {
        return Err((
            format!("a request body that is {}, not an object", v.describe()),
            at.to_string(),
        ));
    };
    let item =
        view(spec, *item_ref).map_err(|e| (format!("request body items: {e}"), at.to_string()))?;
    let f = body.names.claim("body");
    if let Some(sc) = scalar_of(&item.kind) {
        let t = rust_ty(&sc);
        body.fields.push(Field {
            name: f.clone(),
            ty: quote!(Vec<#t>),
        });
        return Ok(json!({ "from": format!("req.{}", f.trim_start_matches("r#")) }));
    }
    if !matches!(item.kind, Kind::Object { .. } | Kind::Union(_)) {
        return Err((
            format!("a request body that is a list of {}", item.describe()),
            format!("{at}/items"),
        ));
    }
    let item_type = type_names.claim(&format!("{}Item", body.owner));
    let (ty, each) = item_struct(
        spec,
        *item_ref,
        item_type,
        &format!("{at}/items"),
        structs,
        type_names,
        1,
    )?;
    body.fields.push(Field {
        name: f.clone(),
        ty,
    });
    Ok(json!({ "from": format!("req.{}", f.trim_start_matches("r#")), "each": each }))
}

/// The struct of one item of a list of objects: its fields join `structs`; returns the
/// field type (`Vec<Item>`) and the `each:` mapping of the item.
fn item_struct(
    spec: &Spec,
    item_ref: SRef<'_>,
    item_type: String,
    at: &str,
    structs: &mut Vec<(String, Vec<Field>)>,
    type_names: &mut Namer,
    depth: usize,
) -> Result<(proc_macro2::TokenStream, Map<String, Value>), (String, String)> {
    let mut inner = Body {
        binder: "item",
        owner: item_type.clone(),
        names: Namer::default(),
        fields: Vec::new(),
        request: Map::new(),
    };
    body_fields(
        spec, item_ref, "", true, at, &mut inner, structs, type_names, depth,
    )?;
    let t = format_ident!("{}", item_type);
    structs.push((item_type, inner.fields));
    Ok((quote!(Vec<#t>), inner.request))
}

/// Where synthesized request fields go: the struct's fields, the mapping entries, and
/// item structs for lists of objects.
struct Body<'b> {
    /// `req` for the request struct, `item` inside a list.
    binder: &'b str,
    /// The struct the fields are added to, for naming item structs.
    owner: String,
    names: Namer,
    fields: Vec<Field>,
    request: Map<String, Value>,
}

/// The required scalar fields of a body, flattened (`a.b` becomes field `a_b`); required
/// lists of objects become `Vec`s of item structs mapped with `each:`.
#[allow(clippy::too_many_arguments)]
fn body_fields(
    spec: &Spec,
    s: SRef<'_>,
    prefix: &str,
    required_here: bool,
    at: &str,
    body: &mut Body<'_>,
    structs: &mut Vec<(String, Vec<Field>)>,
    type_names: &mut Namer,
    depth: usize,
) -> Result<(), (String, String)> {
    if depth > 8 {
        return Err((
            "required fields nested deeper than 8 levels".into(),
            at.to_string(),
        ));
    }
    let v = view(spec, s).map_err(|e| (format!("request body schema: {e}"), at.to_string()))?;
    let v = match &v.kind {
        Kind::Union(parts) => match parts.iter().find_map(|p| {
            view(spec, *p)
                .ok()
                .filter(|pv| matches!(pv.kind, Kind::Object { .. }))
        }) {
            Some(pv) => pv,
            None if required_here => {
                return Err((
                    "a oneOf/anyOf request body without an object variant".into(),
                    at.to_string(),
                ));
            }
            None => return Ok(()),
        },
        _ => v,
    };
    let Kind::Object {
        props, required, ..
    } = &v.kind
    else {
        if required_here && prefix.is_empty() {
            return Err((
                format!("a request body that is {}, not an object", v.describe()),
                at.to_string(),
            ));
        }
        return Ok(());
    };
    for (name, p) in props {
        if !required.contains(name) {
            continue;
        }
        let here = format!("{at}/properties/{}", escape_pointer(name));
        if name.is_empty() || !spellable(name) {
            return Err((
                format!("a required body field named '{name}', which a mapping path cannot spell"),
                here,
            ));
        }
        let segment = crate::load::mapping::path_segment(name);
        let path = if prefix.is_empty() {
            segment
        } else {
            format!("{prefix}.{segment}")
        };
        let pv = view(spec, *p).map_err(|e| (format!("body field: {e}"), here.clone()))?;
        let binder = body.binder;
        if let Some(sc) = scalar_of(&pv.kind) {
            let f = body.names.claim(&snake(&path.replace('.', "_")));
            body.request.insert(
                path,
                json!({ "from": format!("{binder}.{}", f.trim_start_matches("r#")) }),
            );
            body.fields.push(Field {
                name: f,
                ty: rust_ty(&sc),
            });
            continue;
        }
        let item = match &pv.kind {
            Kind::Array(Some(item)) => view(spec, *item).ok(),
            _ => None,
        };
        let item_scalar = item.as_ref().and_then(|v| scalar_of(&v.kind));
        match &pv.kind {
            Kind::Object { .. } | Kind::Union(_) => {
                let before = body.request.len();
                body_fields(
                    spec,
                    *p,
                    &path,
                    true,
                    &here,
                    body,
                    structs,
                    type_names,
                    depth + 1,
                )?;
                if body.request.len() == before {
                    // A required object none of whose fields is required: send it empty.
                    body.request.insert(path, json!({ "const": {} }));
                }
            }
            Kind::Array(Some(_)) if item_scalar.is_some() => {
                let f = body.names.claim(&snake(&path.replace('.', "_")));
                let ty = rust_ty(item_scalar.as_ref().unwrap_or(&Scalar::Str));
                body.request.insert(
                    path,
                    json!({ "from": format!("{binder}.{}", f.trim_start_matches("r#")) }),
                );
                body.fields.push(Field {
                    name: f,
                    ty: quote!(Vec<#ty>),
                });
            }
            Kind::Array(Some(item_ref))
                if matches!(
                    item.as_ref().map(|v| &v.kind),
                    Some(Kind::Object { .. } | Kind::Union(_))
                ) =>
            {
                // A list of objects: a Vec of an item struct, mapped item by item.
                let item_type = type_names.claim(&format!(
                    "{}{}Item",
                    body.owner,
                    camel(&path.replace('.', "_"))
                ));
                let (ty, each) = item_struct(
                    spec,
                    *item_ref,
                    item_type,
                    &format!("{here}/items"),
                    structs,
                    type_names,
                    depth + 1,
                )?;
                let f = body.names.claim(&snake(&path.replace('.', "_")));
                body.request.insert(
                    path,
                    json!({ "from": format!("{binder}.{}", f.trim_start_matches("r#")), "each": each }),
                );
                body.fields.push(Field { name: f, ty });
            }
            other => {
                let what = match other {
                    Kind::Array(_) => "a list of lists or untyped values",
                    Kind::Any => "an untyped value",
                    _ => "a value",
                };
                return Err((format!("required body field '{path}' is {what}"), here));
            }
        }
    }
    Ok(())
}

/// Whether a mapping path can spell this name: brackets quote a name with dots, so a
/// name that needs brackets cannot also contain `]`.
fn spellable(name: &str) -> bool {
    let needs_brackets = name.contains('.') || name.starts_with('[');
    !(needs_brackets && name.contains(']'))
}
