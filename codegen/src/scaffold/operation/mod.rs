//! One `operations:` entry: the call, its idempotency key, parameters and body fields
//! filled from arguments of the same name and a fitting type, and the response.

use super::out::{Out, PLACEHOLDER, yaml_key, yaml_value};
use super::shape::{describe, domain_word, list, norm, sends};
use super::types::Uses;
use super::{Request, error_catch_all};
use crate::load::port::{DomainStruct, PortMethod, Ty, VariantShape};
use crate::plan::variants::folded;
use crate::spec::media;
use crate::spec::responses;
use crate::spec::view::{Kind, SRef, View, view};
use openapiv3::{Parameter, ParameterSchemaOrContent};

mod envelope;
mod list;

use envelope::envelope;

/// Writes the entry of `pm`, mapped to `op_id` (or a FIXME `call:` when none was given).
pub(super) fn write<'a>(
    r: &Request<'a>,
    pm: &PortMethod,
    op_id: Option<&str>,
    own_errors: bool,
    auth_params: &[(&str, &String)],
    out: &mut Out,
    uses: &mut Uses<'a>,
) {
    let found = op_id.and_then(|o| r.spec.operation(o).map(|found| (o, found)));
    let Some((op_id, (oref, op))) = found else {
        out.line(&format!("  {}:", pm.name));
        out.entry(
            4,
            "call",
            PLACEHOLDER,
            Some(&format!(
                "no vendor operation was given for {}: write its operationId (scaffold --operations {}=<operationId>), or `unsupported: <Error>::<Variant>` instead of call:",
                pm.name, pm.name
            )),
        );
        if own_errors {
            out.line("    errors:");
            error_catch_all(r, pm, 6, out);
        }
        out.line("");
        return;
    };
    let mut entry = Entry {
        r,
        pm,
        args: argument_paths(r, pm),
        used: Vec::new(),
        method_notes: Vec::new(),
        call_notes: Vec::new(),
        blocked: None,
        parameters: Vec::new(),
        eliminated: Vec::new(),
    };
    let is_write = !matches!(oref.method.as_str(), "get" | "head" | "options");
    let params = r.spec.parameters(oref, op).unwrap_or_default();
    entry.parameters = params
        .iter()
        .map(|p| p.parameter_data_ref().name.clone())
        .collect();
    let key_header = params
        .iter()
        .filter(|p| matches!(p, Parameter::Header { .. }))
        .map(|p| p.parameter_data_ref().name.as_str())
        .find(|n| n.eq_ignore_ascii_case("idempotency-key"))
        .filter(|_| is_write)
        .map(str::to_string);
    let mut param_lines = Out::default();
    for p in &params {
        let name = &p.parameter_data_ref().name;
        if key_header.as_deref() == Some(name.as_str()) {
            continue;
        }
        // Trello lists its `key` and `token` as parameters of every operation, where its
        // schemes put them too: `auth:` sends the key there and the planner counts the
        // parameter as mapped, so an argument for it would be a second, wrong source.
        let location = crate::load::openapi::location(p);
        if auth_params
            .iter()
            .any(|(l, n)| crate::load::openapi::same_parameter(location, name, l, n))
        {
            continue;
        }
        entry.param(p, &mut param_lines);
    }
    let (key_field, body_lines) = entry.body(op_id, op, is_write && key_header.is_none());
    let query: Vec<&str> = params
        .iter()
        .filter(|p| matches!(p, Parameter::Query { .. }))
        .map(|p| p.parameter_data_ref().name.as_str())
        .collect();
    let response = entry.response(op_id, op, &query, uses);

    let method_line = format!("  {}:", pm.name);
    match entry.method_notes.is_empty() {
        true => out.line(&method_line),
        false => out.fixme(&method_line, &entry.method_notes.join("; ")),
    }
    if let Some(why) = &entry.blocked {
        // Planned, this operation would fail in the types it reaches: leave it out until decided.
        out.entry(4, "call", PLACEHOLDER, Some(&format!("{op_id} {why}")));
        if own_errors {
            out.line("    errors:");
            error_catch_all(r, pm, 6, out);
        }
        out.line("");
        return;
    }
    let call_line = format!("    call: {}", yaml_value(op_id));
    match entry.call_notes.is_empty() {
        true => out.line(&call_line),
        false => out.fixme(&call_line, &entry.call_notes.join("; ")),
    }
    if let Some(h) = &key_header {
        out.line(&format!("    idempotency: {{ header: {} }}", yaml_key(h)));
    } else if let Some(f) = &key_field {
        out.line(&format!("    idempotency: {{ body: {} }}", yaml_key(f)));
    }
    if !param_lines.is_empty() {
        out.line("    params:");
        out.append(param_lines);
    }
    if !body_lines.is_empty() {
        out.line("    request:");
        out.append(body_lines);
    }
    for line in response {
        out.line(&line);
    }
    if own_errors {
        out.line("    errors:");
        error_catch_all(r, pm, 6, out);
    }
    let unused: Vec<&str> = entry
        .args
        .iter()
        .filter(|(path, _, leaf)| {
            *leaf
                && !entry.used.iter().any(|u| {
                    u == path
                        || u.starts_with(&format!("{path}."))
                        || path.starts_with(&format!("{u}."))
                })
        })
        .map(|(p, _, _)| p.as_str())
        .collect();
    if !unused.is_empty() {
        out.note(
            4,
            &format!(
                "not sent to the vendor: {}. Map each under params: or request:, or delete this line if the vendor does not need it",
                unused.join(", ")
            ),
        );
    }
    out.line("");
}

struct Entry<'r, 'a> {
    r: &'r Request<'a>,
    pm: &'r PortMethod,
    /// The argument paths a value can come from, with their types, and whether they
    /// are leaves (not structs reached through): `req`, `req.order_id`.
    args: Vec<(String, Ty, bool)>,
    /// The argument paths written as certain.
    used: Vec<String>,
    /// Why the method's line needs a decision (the planner reports those there).
    method_notes: Vec<String>,
    /// Why the `call:` line needs a decision.
    call_notes: Vec<String>,
    /// Why the operation cannot be planned at all: its `call:` is left open.
    blocked: Option<String>,
    /// The names of the operation's parameters: an argument named like one goes there,
    /// so elimination must not send it to another first.
    parameters: Vec<String>,
    /// Path parameters filled by elimination, with the argument: `(id, pull_request_id)`.
    eliminated: Vec<(String, String)>,
}

impl<'a> Entry<'_, 'a> {
    /// The one argument path named like `wire` whose type fits the slot; otherwise why
    /// not, and which arguments would fit.
    fn argument(
        &self,
        wire: &str,
        v: &View<'_>,
        required: bool,
        within: Option<&str>,
    ) -> Result<String, (String, String)> {
        let named: Vec<&(String, Ty, bool)> = self
            .args
            .iter()
            .filter(|(p, _, _)| self.named_like(p, wire, within))
            .collect();
        let fitting: Vec<&str> = self
            .args
            .iter()
            .filter(|(_, t, _)| sends(self.r.spec, self.r.port, t, v, required).is_ok())
            .map(|(p, _, _)| p.as_str())
            .collect();
        let others = if fitting.is_empty() {
            format!(
                "no argument of {} fits as it is: convert one with {{ from: …, via: path::to::fn }}, or write {{ const: … }}",
                self.pm.name
            )
        } else {
            format!(
                "arguments that fit: {}; or write {{ const: … }}",
                list(&fitting, 6)
            )
        };
        let shape = describe(self.r.spec, v);
        let why = match named.as_slice() {
            [(path, ty, _)] => match sends(self.r.spec, self.r.port, ty, v, required) {
                Ok(()) => return Ok(path.clone()),
                Err(it) => format!("{wire} is {shape}, but the argument {path} is {it}"),
            },
            [] => format!(
                "{wire} is {shape}, and no argument of {} is named {wire}",
                self.pm.name
            ),
            several => {
                let names: Vec<&str> = several.iter().map(|(p, _, _)| p.as_str()).collect();
                format!(
                    "{wire} is {shape}, and several arguments are named so: {}",
                    names.join(", ")
                )
            }
        };
        Err((why, others))
    }

    fn param(&mut self, p: &Parameter, lines: &mut Out) {
        let data = p.parameter_data_ref();
        let required = data.required || matches!(p, Parameter::Path { .. });
        let where_ = crate::load::openapi::location(p);
        if matches!(p, Parameter::Cookie { .. }) {
            if required {
                self.method_notes.push(format!(
                    "the vendor requires the cookie parameter {}, which the runtime cannot send",
                    data.name
                ));
            }
            return;
        }
        let ParameterSchemaOrContent::Schema(schema) = &data.format else {
            if required {
                lines.entry(6, &data.name, PLACEHOLDER, Some(&format!("the {where_} parameter {} is described by content, not a schema, which the planner does not support", data.name)));
            }
            return;
        };
        let Ok(v) = view(self.r.spec, SRef::Plain(schema)) else {
            if required {
                lines.entry(
                    6,
                    &data.name,
                    PLACEHOLDER,
                    Some(&format!(
                        "the schema of the {where_} parameter {} cannot be read",
                        data.name
                    )),
                );
            }
            return;
        };
        let named = self.argument(&data.name, &v, required, None);
        let by_elimination = named.is_err();
        match named.or_else(|e| self.sole_path_argument(p, &v).ok_or(e)) {
            Ok(path) => {
                if by_elimination {
                    self.eliminated.push((path.clone(), data.name.clone()));
                }
                lines.entry(6, &data.name, &path, None);
                self.used.push(path);
            }
            Err((why, others)) if required => {
                lines.entry(
                    6,
                    &data.name,
                    PLACEHOLDER,
                    Some(&format!("the {where_} parameter {why}; {others}")),
                );
            }
            Err(_) => {}
        }
    }

    /// The `request:` lines, and the body field that carries the idempotency key.
    fn body(
        &mut self,
        op_id: &str,
        op: &'a openapiv3::Operation,
        key_in_body: bool,
    ) -> (Option<String>, Out) {
        let mut lines = Out::default();
        let Some(rb) = op
            .request_body
            .as_ref()
            .and_then(|b| self.r.spec.resolve_request_body(b).ok())
        else {
            return (None, lines);
        };
        let media_schema = media::find_json(&rb.content)
            .or_else(|| media::find_form(&rb.content))
            .map(|(_, m)| m.schema.as_ref());
        let schema = match media_schema {
            Some(Some(s)) => s,
            Some(None) => {
                if rb.required {
                    self.call_notes
                        .push(format!("the request body of {op_id} has no schema"));
                }
                return (None, lines);
            }
            None => {
                if rb.required {
                    let types: Vec<&str> = rb.content.keys().map(String::as_str).collect();
                    self.call_notes.push(format!(
                        "the body is {}, not JSON or a form: map it whole with `body: <expression>` (bytes or text), see docs/mapping.md",
                        types.join(", ")
                    ));
                }
                return (None, lines);
            }
        };
        let Ok(v) = view(self.r.spec, SRef::Plain(schema)) else {
            self.method_notes
                .push(format!("the request body schema of {op_id} cannot be read"));
            return (None, lines);
        };
        let Kind::Object { props, .. } = &v.kind else {
            if rb.required {
                self.method_notes.push(format!(
                    "the request body is {}, which has no fields to fill one by one: see docs/mapping.md (request:, body:)",
                    describe(self.r.spec, &v)
                ));
            }
            return (None, lines);
        };
        let key_field = props
            .iter()
            .find(|(n, p)| {
                key_in_body
                    && norm(n) == "idempotency_key"
                    && view(self.r.spec, *p).is_ok_and(|pv| matches!(pv.kind, Kind::Str { .. }))
            })
            .map(|(n, _)| n.to_string());
        self.fields(&mut lines, "", &v, None, key_field.as_deref());
        (key_field, lines)
    }

    /// The `request:` lines of one object: certain when an argument of the same name fits
    /// (inside `within`, the struct argument an object field is filled from), else a
    /// FIXME for a required field. An object field is filled field by field from a struct
    /// argument of its name when every required field of it is certain. Returns whether
    /// every required field was written as certain.
    fn fields(
        &mut self,
        lines: &mut Out,
        prefix: &str,
        v: &View<'a>,
        within: Option<&str>,
        skip: Option<&str>,
    ) -> bool {
        let Kind::Object {
            props, required, ..
        } = &v.kind
        else {
            return false;
        };
        let mut all = true;
        for (name, p) in props {
            if skip == Some(*name) {
                continue;
            }
            let key = format!("{prefix}{}", body_key(name));
            let is_required = required.contains(name);
            let Ok(pv) = view(self.r.spec, *p) else {
                if is_required {
                    all = false;
                    lines.entry(
                        6,
                        &key,
                        PLACEHOLDER,
                        Some(&format!("the schema of {name} cannot be read")),
                    );
                }
                continue;
            };
            let named = self.argument(name, &pv, is_required, within).and_then(|path| {
                // Bitbucket's comment: `id` went to `{pull_request_id}` as the one loose
                // argument; the body's `id` (the comment's own) is not it too.
                match self.eliminated.iter().find(|(arg, _)| *arg == path) {
                    Some((_, param)) => Err((
                        format!("is named like {path}, which already names the path's {param}"),
                        format!("if {path} is the path's, leave {name} out; if it is this field's, map {param} from another value"),
                    )),
                    None => Ok(path),
                }
            });
            let err = match named {
                Ok(path) => {
                    lines.entry(6, &key, &path, None);
                    self.used.push(path);
                    continue;
                }
                Err(e) => e,
            };
            // An object from a struct argument of the same name, field by field.
            if let (Kind::Object { .. }, Some(arg), true) = (
                &pv.kind,
                self.struct_argument(name, within),
                prefix.matches('.').count() < 3,
            ) {
                let mut sub = Out::default();
                let used = self.used.len();
                if self.fields(&mut sub, &format!("{key}."), &pv, Some(&arg), None)
                    && !sub.is_empty()
                {
                    lines.append(sub);
                    continue;
                }
                self.used.truncate(used);
            }
            if let Some((entry, note, path)) = self.enum_values_entry(name, &pv, within) {
                lines.entry(6, &key, &entry, Some(&note));
                self.used.push(path);
                all = false;
                continue;
            }
            if !is_required {
                continue;
            }
            all = false;
            let (why, others) = err;
            let how = match &pv.kind {
                Kind::Object { props, .. } if !props.is_empty() => format!(
                    ": set its fields one by one ({key}.{}: <argument>)",
                    props[0].0
                ),
                Kind::Array(Some(item))
                    if view(self.r.spec, *item)
                        .is_ok_and(|iv| matches!(iv.kind, Kind::Object { .. })) =>
                {
                    ": build it from a Vec with { from: <argument>, each: { field: item.x } }"
                        .to_string()
                }
                Kind::Union(parts)
                    if parts.iter().all(|p| {
                        view(self.r.spec, *p).is_ok_and(|pv| matches!(pv.kind, Kind::Object { .. }))
                    }) =>
                {
                    format!(
                        ": set the fields of one variant ({key}.<field>: …); the fields and constants you map choose it"
                    )
                }
                _ => String::new(),
            };
            lines.entry(
                6,
                &key,
                PLACEHOLDER,
                Some(&format!("the body field {why}{how}; {others}")),
            );
        }
        all
    }

    /// For a path parameter no argument is named like (`domainId`, the method's `id`):
    /// the one argument of the method itself, not a field of one, that fits and is not
    /// sent elsewhere. A path names the resource, and the method's one loose scalar is
    /// what names it; with two candidates it stays a FIXME.
    fn sole_path_argument(&self, p: &Parameter, v: &View<'_>) -> Option<String> {
        if !matches!(p, Parameter::Path { .. })
            || self
                .args
                .iter()
                .any(|(a, _, _)| self.named_like(a, &p.parameter_data_ref().name, None))
        {
            return None;
        }
        let fitting: Vec<&String> = self
            .args
            .iter()
            .filter(|(a, t, leaf)| {
                *leaf
                    && !a.contains('.')
                    && !self.used.contains(a)
                    // Named like a parameter still to come (CircleCI's `name` beside
                    // `username`): it is that one's, not a leftover.
                    && !self
                        .parameters
                        .iter()
                        .any(|other| self.named_like(a, other, None))
                    && sends(self.r.spec, self.r.port, t, v, true).is_ok()
            })
            .map(|(a, _, _)| a)
            .collect();
        match fitting.as_slice() {
            [one] => Some((*one).clone()),
            _ => None,
        }
    }

    /// The one struct argument path named like `wire` (inside `within`).
    fn struct_argument(&self, wire: &str, within: Option<&str>) -> Option<String> {
        let named: Vec<&String> = self
            .args
            .iter()
            .filter(|(p, _, leaf)| !leaf && self.named_like(p, wire, within))
            .map(|(p, _, _)| p)
            .collect();
        match named.as_slice() {
            [one] => Some((*one).clone()),
            _ => None,
        }
    }

    /// Whether argument path `p` is named like `wire`: its last segment, directly inside
    /// `within` when given.
    ///
    /// A wire field `type` is also named like `kind`: Rust reserves `type`, so that is
    /// what a port calls it.
    fn named_like(&self, p: &str, wire: &str, within: Option<&str>) -> bool {
        let (parent, last) = p.rsplit_once('.').map_or(("", p), |(a, b)| (a, b));
        let (last, wire) = (norm(last), norm(wire));
        (last == wire || (wire == "type" && last == "kind")) && within.is_none_or(|w| parent == w)
    }

    /// A domain enum argument named like `wire` whose variants are not all named like the
    /// string values the spec lists: the `{ from: …, values: { … } }` to complete, each
    /// value paired with the variant of its name where one is, and the note saying what
    /// to decide.
    fn enum_values_entry(
        &self,
        wire: &str,
        v: &View<'_>,
        within: Option<&str>,
    ) -> Option<(String, String, String)> {
        let Kind::Str { values } = &v.kind else {
            return None;
        };
        let named: Vec<&(String, Ty, bool)> = self
            .args
            .iter()
            .filter(|(p, _, _)| self.named_like(p, wire, within))
            .collect();
        let [(path, Ty::Named(name), _)] = named.as_slice() else {
            return None;
        };
        let variants = self.r.port.enums.get(name)?;
        if values.is_empty() || values.len() > 12 {
            return None;
        }
        let unit: Vec<&str> = variants
            .iter()
            .filter(|(_, shape)| *shape == VariantShape::Unit)
            .map(|(v, _)| v.as_str())
            .collect();
        let pairs: Vec<String> = values
            .iter()
            .map(|value| {
                let same = unit.iter().find(|u| folded(u) == folded(value));
                format!(
                    "{}: {}",
                    yaml_value(value),
                    same.map_or(PLACEHOLDER.to_string(), |u| u.to_string())
                )
            })
            .collect();
        let entry = format!("{{ from: {path}, values: {{ {} }} }}", pairs.join(", "));
        let note = format!(
            "{wire} is one of {}, and {name}'s variants ({}) are not all named like them: write the variant each value is, and delete the values no variant is sent as",
            list(&values.iter().map(String::as_str).collect::<Vec<_>>(), 6),
            unit.join(", ")
        );
        Some((entry, note, path.clone()))
    }

    /// The `unwrap:` and `response:` lines, and the uses of the result type; an answer the
    /// planner cannot build the result from blocks the operation instead.
    fn response(
        &mut self,
        op_id: &str,
        op: &'a openapiv3::Operation,
        query: &[&str],
        uses: &mut Uses<'a>,
    ) -> Vec<String> {
        let ok = &self.pm.ok;
        if *ok == Ty::Unit {
            return Vec::new();
        }
        let schemas: Vec<View<'a>> = responses::successes(op)
            .into_iter()
            .filter_map(|(_, resp)| {
                let resp = self.r.spec.resolve_response(resp).ok()?;
                let s = responses::json_schema(resp)?;
                view(self.r.spec, SRef::Plain(s)).ok()
            })
            .collect();
        if schemas.is_empty() {
            self.call_notes.push(format!(
                "{op_id} has no JSON success response to build {ok} from: map another operation, or make {} return ()",
                self.pm.name
            ));
            return Vec::new();
        }
        let (name, list) = match ok.without_refs() {
            Ty::Named(n) => (n, false),
            // A get that may find nothing: the vendor's 404 is `None`.
            Ty::Option(inner) if matches!(inner.without_refs(), Ty::Named(_)) => {
                match inner.without_refs() {
                    Ty::Named(n) => (n, false),
                    _ => return Vec::new(),
                }
            }
            Ty::Vec(inner) => match inner.without_refs() {
                Ty::Named(n) => (n, true),
                _ => {
                    self.method_notes.push(format!(
                        "{} returns {ok}; a list is built of a domain struct (Vec<YourStruct>)",
                        self.pm.name
                    ));
                    return Vec::new();
                }
            },
            _ => {
                self.method_notes.push(format!(
                    "{} returns {ok}; only a domain struct, an Option or a Vec of one (or ()) is built from a response",
                    self.pm.name
                ));
                return Vec::new();
            }
        };
        if list && !matches!(self.r.port.structs.get(name), Some(DomainStruct::Named(_))) {
            self.method_notes.push(format!(
                "{} returns {ok}; a list is built of a domain struct with named fields (Vec<YourStruct>)",
                self.pm.name
            ));
            return Vec::new();
        }
        if !matches!(self.r.port.structs.get(name), Some(DomainStruct::Named(_))) {
            self.method_notes.push(format!(
                "{} returns {}; only a domain struct with named fields (or ()) is built from a response",
                self.pm.name,
                domain_word(self.r.port, ok)
            ));
            return Vec::new();
        }
        if list {
            return self.list_response(op_id, &schemas, name, query, uses);
        }
        let mut lines = Vec::new();
        // An envelope (`{ "payment": {...}, "errors": [...] }`) around an object named like the result.
        let unwrap = envelope(self.r.spec, &schemas[0], name);
        let mut inner = Vec::new();
        for s in &schemas {
            let v = match &unwrap {
                Some(e) => e.inner(self.r.spec, s),
                None => Some(s.clone()),
            };
            match v {
                Some(v) => inner.push(v),
                None => {
                    self.blocked = Some(format!(
                        "answers several success bodies, and not all of them have '{}': the planner cannot build {name} from each",
                        unwrap
                            .as_ref()
                            .map(|e| e.field.as_str())
                            .unwrap_or_default()
                    ));
                    return Vec::new();
                }
            }
        }
        if let Some(e) = &unwrap {
            lines.push(format!("    unwrap: {}", e.path()));
        }
        let not_object: Vec<String> = inner
            .iter()
            .filter(|v| !matches!(v.kind, Kind::Object { .. }))
            .map(|v| describe(self.r.spec, v))
            .collect();
        if let Some(what) = not_object.first() {
            // A union whose forms wrap objects (DigitalOcean's create: `{ droplet }` or
            // `{ droplets: [...] }`): `unwrap:` reads the form that holds one.
            let wrapped: Vec<&str> = inner
                .iter()
                .filter_map(|v| match &v.kind {
                    Kind::Union(parts) => Some(parts),
                    _ => None,
                })
                .flatten()
                .filter_map(|p| view(self.r.spec, *p).ok())
                .filter_map(|pv| match pv.kind {
                    Kind::Object { props, .. } => Some(props),
                    _ => None,
                })
                .flatten()
                .filter(|(_, p)| {
                    view(self.r.spec, *p).is_ok_and(|v| matches!(v.kind, Kind::Object { .. }))
                })
                .map(|(n, _)| n)
                .collect();
            let way = match wrapped.first() {
                Some(field) => format!(
                    "if one form holds it, read that one with `unwrap: {field}` beside call: (forms of the union that hold an object: {}; another form is then a contract error, see docs/mapping.md, unwrap:)",
                    wrapped.join(", ")
                ),
                None => format!("map another operation for {}", self.pm.name),
            };
            self.blocked = Some(format!(
                "answers {what}, which the planner cannot build {name} from (it needs an object): {way}, or write `unsupported: <Error>::<Variant>` instead of call:"
            ));
            return Vec::new();
        }
        let response = format!("    response: {name}");
        lines.push(response);
        for v in inner {
            uses.add(name, v, op_id);
        }
        lines
    }
}

/// A body key: a vendor name with a dot is written in brackets, as paths spell it.
fn body_key(name: &str) -> String {
    if name.contains('.') {
        format!("[{name}]")
    } else {
        name.to_string()
    }
}

/// Every argument path a value can come from, with its type and whether it is a leaf:
/// each argument, and the fields of domain structs reached through it (three levels
/// down at most).
fn argument_paths(r: &Request<'_>, pm: &PortMethod) -> Vec<(String, Ty, bool)> {
    fn walk(
        r: &Request<'_>,
        path: String,
        ty: &Ty,
        depth: usize,
        out: &mut Vec<(String, Ty, bool)>,
    ) {
        let fields = match ty.without_refs() {
            Ty::Named(t) if depth < 3 => match r.port.structs.get(t) {
                Some(DomainStruct::Named(fields)) => Some(fields),
                _ => None,
            },
            _ => None,
        };
        out.push((path.clone(), ty.without_refs().clone(), fields.is_none()));
        for f in fields.into_iter().flatten() {
            walk(r, format!("{path}.{}", f.name), &f.ty, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    for (name, ty) in &pm.args {
        walk(r, name.clone(), ty, 0, &mut out);
    }
    out
}
