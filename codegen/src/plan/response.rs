//! Success responses: the wire type and converter each 2xx body is decoded with, through
//! `unwrap:`, and `reject:` for a 2xx that is really a refusal.

use super::planner::Planner;
use super::wire::scalar_wire;
use super::*;
use crate::error::{Span, suggest};
use crate::ident::camel;
use crate::load::mapping::{OperationMap, Spanned};
use crate::load::openapi::Spec;
use crate::load::port::{DomainStruct, PortMethod, Ty};
pub use crate::spec::responses::is_success;
use crate::spec::responses::{self, Status};
use crate::spec::view::{Kind, SRef, view};
use openapiv3::ReferenceOr;

/// A success response.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponsePlan {
    /// The status; `None` for a `2XX` range.
    pub status: Option<u16>,
    /// Wire type and converter, or `None` for an empty body.
    pub decode: Option<(String, String)>,
    /// The value converted is a list: the converter builds each item (the wire type is
    /// then the item's, or the root's when `unwrap` names the list inside it).
    pub list: bool,
    /// The read from the body's root to the domain object (`unwrap:`), when it is nested.
    pub unwrap: Option<Read>,
    /// Refusal check on a decoded 2xx body.
    pub reject: Option<RejectPlan>,
    /// The body is a list the spec says may be `null` (3.1's `type: [array, "null"]`):
    /// a `null` is no items.
    pub null_is_empty: bool,
}

/// A 2xx body field whose values mean the vendor refused the request.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectPlan {
    /// The field.
    pub field: Read,
    /// The values that mean refused; the value becomes the error's code.
    pub values: Vec<String>,
    /// The field holding the vendor's reason.
    pub message: Option<Read>,
    /// A boolean flag (Slack's `ok: false`) rather than a result code: the error's
    /// code and message are read from the raw body at these paths (the mapping's
    /// `errors.code`, and `reject.message` or `errors.message`), since the failure
    /// body is another schema than the success one.
    pub flag: Option<RejectFlag>,
}

/// How a boolean `reject.field` refuses an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectFlag {
    /// The flag's value that means refused.
    pub refused: bool,
    /// Where the vendor's code is, by segment.
    pub code: Option<Vec<String>>,
    /// Where the vendor's message is, by segment.
    pub message: Option<Vec<String>>,
}

impl<'a> Planner<'a> {
    pub(super) fn responses(
        &mut self,
        om: &OperationMap,
        pm: &PortMethod,
        op: &'a openapiv3::Operation,
        op_id: &str,
    ) -> (Vec<ResponsePlan>, Option<ErrorBodyPlan>) {
        let errors_before = self.sink.items.len();
        let mut out = Vec::new();
        let mut error_schemas: Vec<SRef<'a>> = Vec::new();
        if let Some(r) = &om.response {
            let ok_name = match &pm.ok {
                Ty::Named(n) => n.clone(),
                other => other.to_string(),
            };
            if r.value != ok_name {
                self.err(
                    r.span,
                    format!("{} returns {}, not {}", pm.name, ok_name, r.value),
                    format!("write `response: {ok_name}` or leave it out"),
                );
            }
        }
        for (status, resp) in responses::sorted(op) {
            let success = status.is_success();
            let code = match status {
                Status::Code(c) => Some(c),
                Status::Range(_) => None,
            };
            let spec: &'a Spec = self.spec;
            let Ok(resp) = spec.resolve_response(resp) else {
                continue;
            };
            let schema = responses::json_schema(resp);
            let chosen = match (&om.status, code) {
                (Some(list), Some(c)) => list.iter().any(|s| s.value == c),
                (Some(_), None) => false,
                (None, _) => true,
            };
            if success && !chosen {
                // A 2xx the mapping does not build from: the emitter answers it with a contract error.
                out.push(ResponsePlan {
                    status: code,
                    decode: None,
                    list: false,
                    unwrap: None,
                    reject: None,
                    null_is_empty: false,
                });
                continue;
            }
            if success {
                let decode = match (&pm.ok, schema) {
                    (Ty::Unit, _) => None,
                    (_, None) => None,
                    (ok, Some(s)) => {
                        let what = format!(
                            "{op_id} response {}",
                            code.map(|c| c.to_string()).unwrap_or_else(|| "2XX".into())
                        );
                        let span = om
                            .response
                            .as_ref()
                            .map(|r| r.span)
                            .unwrap_or(om.method.span);
                        let one_struct = matches!(ok.without_refs(), Ty::Named(n) if self.port.structs.contains_key(n));
                        if !om.given.is_empty() && one_struct {
                            let names = om.given.iter().map(|(f, _)| f.value.clone()).collect();
                            self.given_top = Some((om.method.value.clone(), names));
                        }
                        let decoded = self.success_decode(om, ok, SRef::Plain(s), &what, span);
                        self.given_top = None;
                        match decoded {
                            Some(d) => Some(d),
                            None => continue,
                        }
                    }
                };
                let (decode, list, unwrap, reject) = match decode {
                    Some((d, l, u, r)) => (Some(d), l, u, r),
                    None => (None, false, None, None),
                };
                let null_is_empty = list
                    && unwrap.is_none()
                    && schema
                        .is_some_and(|s| view(self.spec, SRef::Plain(s)).is_ok_and(|v| v.nullable));
                out.push(ResponsePlan {
                    status: code,
                    decode,
                    list,
                    unwrap,
                    reject,
                    null_is_empty,
                });
            } else if let Some(s) = schema {
                error_schemas.push(SRef::Plain(s));
            }
        }
        for s in om.status.iter().flatten() {
            let declared = op
                .responses
                .responses
                .keys()
                .any(|k| Status::of(k) == Status::Code(s.value));
            if !declared || !responses::is_success(s.value) {
                let codes: Vec<String> = op
                    .responses
                    .responses
                    .keys()
                    .map(ToString::to_string)
                    .collect();
                self.err(
                    s.span,
                    format!("{} declares no success status {}", om.call.value, s.value),
                    format!("declared: {}", codes.join(", ")),
                );
            }
        }
        if let Some(default) = &op.responses.default {
            let spec: &'a Spec = self.spec;
            if let Some(s) = spec
                .resolve_response(default)
                .ok()
                .and_then(responses::json_schema)
            {
                error_schemas.push(SRef::Plain(s));
            }
        }
        // The error body the code and message are read from: the first that has the
        // mapping's `errors.code` where one is given (DigitalOcean's 400 body has no `id`,
        // its 401 and default ones do), else the first declared.
        let mut error_schema = match &self.mapping.errors.code {
            Some(code) => error_schemas
                .iter()
                .find(|s| has_path(self.spec, **s, &code.value))
                .or(error_schemas.first())
                .copied(),
            None => error_schemas.first().copied(),
        };
        // Said only when nothing else was: a success body whose shape was refused above
        // is the cause, and "no JSON success response" would send the user looking for
        // one that is there.
        if pm.ok != Ty::Unit
            && !out.iter().any(|r| r.decode.is_some())
            && self.sink.items.len() == errors_before
        {
            self.err(
                om.call.span,
                format!(
                    "{} has no JSON success response to build {} from",
                    om.call.value, pm.ok
                ),
                "map an operation that returns a body, or make the port method return ()",
            );
        }
        let spec: &'a Spec = self.spec;
        if let Some(name) = &self.mapping.errors.schema {
            match spec.component_schema(&name.value) {
                Some((n, s)) => error_schema = Some(SRef::Component(n, s)),
                None => {
                    let names = spec
                        .api
                        .components
                        .as_ref()
                        .map(|c| c.schemas.keys().map(String::as_str).collect::<Vec<_>>())
                        .unwrap_or_default();
                    let help = suggest(&name.value, names.iter().copied());
                    self.err(
                        name.span,
                        format!("schema '{}' is not in the spec's components", name.value),
                        help,
                    );
                }
            }
        }
        let error_body = error_schema.and_then(|s| self.error_body(s, op_id));
        (out, error_body)
    }

    /// `fields:` of an operation: each domain field of the result it names comes from
    /// an argument path, checked against the port like a request value and against the
    /// field's type.
    pub(super) fn given(&mut self, om: &OperationMap, pm: &PortMethod) -> Vec<GivenPlan> {
        let Some((first, _)) = om.given.first() else {
            return Vec::new();
        };
        let fields = match pm.ok.without_refs() {
            Ty::Named(n) => match self.port.structs.get(n) {
                Some(DomainStruct::Named(fields)) => Some((n.clone(), fields.clone())),
                _ => None,
            },
            _ => None,
        };
        let Some((tname, fields)) = fields else {
            self.err(
                first.span,
                format!(
                    "{} returns {}, so the call's arguments cannot fill its fields",
                    pm.name, pm.ok
                ),
                "use `fields:` on a method that returns one struct with named fields",
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (field, from) in &om.given {
            let Some(f) = fields.iter().find(|f| f.name == field.value) else {
                let help = suggest(&field.value, fields.iter().map(|f| f.name.as_str()));
                self.err(
                    field.span,
                    format!("{tname} has no field '{}'", field.value),
                    help,
                );
                continue;
            };
            let Some((access, arg_ty)) = self.expr(pm, from) else {
                continue;
            };
            let want = f.ty.without_refs();
            // A `&str` argument fills a `String` field (or its `Option`) as an owned copy.
            let is_str = matches!(arg_ty.without_refs(), Ty::Named(n) if n == "str");
            let string = Ty::Named("String".into());
            let to_owned = is_str
                && (*want == string
                    || matches!(want, Ty::Option(inner) if *inner.without_refs() == string));
            let arg_ty = if to_owned { string } else { arg_ty };
            let some = match want {
                t if *t == arg_ty => false,
                Ty::Option(inner) if *inner.without_refs() == arg_ty => true,
                _ => {
                    self.err(
                        from.span,
                        format!(
                            "'{}' is {arg_ty}, but {tname}.{} is {}",
                            from.value, field.value, f.ty
                        ),
                        "name an argument value of the field's type",
                    );
                    continue;
                }
            };
            out.push(GivenPlan {
                param: format!("given_{}", f.name.trim_start_matches("r#")),
                access,
                some,
                to_owned,
            });
        }
        out
    }

    /// The wire type and converter of a success body, whether it builds a list, through
    /// `unwrap:` and with `reject:`. `unwrap: $` names the whole body (the default).
    #[allow(clippy::type_complexity)]
    pub(super) fn success_decode(
        &mut self,
        om: &OperationMap,
        ok: &Ty,
        schema: SRef<'a>,
        what: &str,
        span: Span,
    ) -> Option<((String, String), bool, Option<Read>, Option<RejectPlan>)> {
        let root_view = match view(self.spec, schema) {
            Ok(v) => v,
            Err(e) => {
                self.err(span, format!("{what}: {e}"), "fix the spec");
                return None;
            }
        };
        let unwrap = om.unwrap.as_ref().filter(|u| u.value != "$");
        // A body that is one of several objects (DigitalOcean's create answers one
        // droplet or several): `unwrap:` names a field of the variant the method reads,
        // and the body is decoded as that variant; another variant is a contract error.
        let picked = match (&root_view.kind, unwrap) {
            (Kind::Union(parts), Some(u)) => {
                let first = crate::load::mapping::split_path(&u.value)
                    .into_iter()
                    .next()
                    .unwrap_or_default();
                crate::spec::view::variant_with(self.spec, parts, &first)
            }
            _ => None,
        };
        let (root_view, schema) = picked.unwrap_or((root_view, schema));
        if let Kind::Array(_) = root_view.kind {
            // A top-level list: the body itself is what the method returns.
            if let Some(r) = &om.reject {
                self.err(
                    r.field.span,
                    format!(
                        "{what} is a list, so it has no field '{}' to reject by",
                        r.field.value
                    ),
                    "remove `reject:`",
                );
                return None;
            }
            if let Some(u) = unwrap {
                self.err(
                    u.span,
                    format!("{what} is a list, so it has no field '{}'", u.value),
                    "leave `unwrap:` out (or write `unwrap: $`): the whole body is the list",
                );
                return None;
            }
            let (w, c, list) = self.converter_for(ok, schema, what, span, None)?;
            return Some(((w, c), list, None, None));
        }
        let base = format!("{}Response", type_stem(what));
        let root_wire = self.wire_struct(&root_view, &base, false)?;
        let reject = match &om.reject {
            Some(r) => Some(self.reject_plan(r, schema, &root_wire)?),
            None => None,
        };
        let Some(path) = unwrap else {
            let (w, c, list) = self.converter_for(ok, schema, what, span, None)?;
            return Some(((w, c), list, None, reject));
        };
        let (read, inner) = self.unwrap_read(schema, path, &root_wire)?;
        let inner = match self.form_of(inner, ok) {
            Ok(inner) => inner,
            Err(kinds) => {
                // Said once, here: each field of the type would otherwise fail alone.
                self.err(
                    path.span,
                    format!(
                        "'{}' is a union (anyOf/oneOf) of {}, with no one form for {what} to read",
                        path.value,
                        kinds.join(", ")
                    ),
                    "narrow the schema to the form this call answers with an overlay (`overlays:` in docs/mapping.md)",
                );
                return None;
            }
        };
        // Named like the structs the read made on its way down (`{parent}{Field}`).
        let inline_name = crate::load::mapping::split_path(&path.value)
            .iter()
            .filter(|seg| seg.parse::<usize>().is_err())
            .fold(root_wire.clone(), |name, seg| name + &camel(seg));
        let (inner_wire, conv, list) =
            self.converter_for(ok, inner, what, path.span, Some(inline_name))?;
        let ty = WireTy::Named(inner_wire);
        let ty = if list { WireTy::Vec(Box::new(ty)) } else { ty };
        self.set_leaf_ty(&read, &root_wire, ty);
        Some(((root_wire, conv), list, Some(read), reject))
    }

    /// What `unwrap:` reaches, when it is a union of different kinds (Vercel's
    /// `created`: one variable as an object, or several as an array): its one variant
    /// of the kind the method returns (the array for a `Vec`, else the object), which
    /// the answer is decoded as; an answer in another form is a contract error, as for
    /// a body of several objects. A union of objects (read as one) and anything else
    /// are left as they are. `Err` holds the variants' kinds when no single one fits.
    fn form_of(&self, inner: SRef<'a>, ok: &Ty) -> Result<SRef<'a>, Vec<&'static str>> {
        let Ok(crate::spec::view::View {
            kind: Kind::Union(parts),
            ..
        }) = view(self.spec, inner)
        else {
            return Ok(inner);
        };
        if crate::spec::view::merged_objects(self.spec, &parts).is_some() {
            return Ok(inner);
        }
        let list = match ok {
            Ty::Option(t) => matches!(**t, Ty::Vec(_)),
            t => matches!(t, Ty::Vec(_)),
        };
        let views: Vec<(SRef<'a>, Option<crate::spec::view::View<'a>>)> = parts
            .iter()
            .map(|p| (*p, view(self.spec, *p).ok()))
            .collect();
        let fitting: Vec<SRef<'a>> = views
            .iter()
            .filter(|(_, v)| match v.as_ref().map(|v| &v.kind) {
                Some(Kind::Array(_)) => list,
                Some(Kind::Object { .. }) => !list,
                _ => false,
            })
            .map(|(p, _)| *p)
            .collect();
        match fitting.as_slice() {
            [one] => Ok(*one),
            _ => Err(views
                .iter()
                .filter_map(|(_, v)| v.as_ref().map(|v| v.describe()))
                .collect()),
        }
    }

    /// `unwrap:`'s read from the body's root: a path to the object or list the method
    /// returns, or to one item of a list (`Invoices.0`, for a vendor that answers one
    /// object in a list of one). A missing item is a contract error, as a missing
    /// field is.
    fn unwrap_read(
        &mut self,
        schema: SRef<'a>,
        path: &Spanned<String>,
        root_wire: &str,
    ) -> Option<(Read, SRef<'a>)> {
        let item = path
            .value
            .rsplit_once('.')
            .and_then(|(list, index)| Some((list, index.parse::<usize>().ok()?)));
        let Some((list, index)) = item else {
            let (read, _, inner) = self.read(schema, &path.value, path.span, false, root_wire)?;
            return Some((read, inner));
        };
        let (mut read, list_view, _) = self.read(schema, list, path.span, false, root_wire)?;
        let Kind::Array(Some(item)) = list_view.kind else {
            self.err(
                path.span,
                format!(
                    "'{}' indexes '{list}', which is {}, not a list",
                    path.value,
                    list_view.describe()
                ),
                format!("unwrap the field itself (`unwrap: {list}`)"),
            );
            return None;
        };
        read.steps.push(Step {
            field: String::new(),
            optional: true,
            pick: None,
            boxed: false,
            index: Some(index),
        });
        read.json_path = format!("$.{}", path.value);
        Some((read, item))
    }

    pub(super) fn reject_plan(
        &mut self,
        r: &crate::load::mapping::Reject,
        schema: SRef<'a>,
        root_wire: &str,
    ) -> Option<RejectPlan> {
        let (field, leaf, _) = self.read(schema, &r.field.value, r.field.span, false, root_wire)?;
        if let Kind::Bool = &leaf.kind {
            let refused = match r.values.as_slice() {
                [v] if v.value == "false" => false,
                [v] if v.value == "true" => true,
                _ => {
                    self.err(
                        r.field.span,
                        format!(
                            "reject.field '{}' is a boolean: give the one value that means refused",
                            r.field.value
                        ),
                        "write `values: [false]`",
                    );
                    return None;
                }
            };
            self.set_leaf_ty(&field, root_wire, WireTy::Bool);
            let split = |p: &crate::load::mapping::Spanned<String>| {
                crate::load::mapping::split_path(&p.value)
            };
            let errors = &self.mapping.errors;
            return Some(RejectPlan {
                field,
                values: Vec::new(),
                message: None,
                flag: Some(RejectFlag {
                    refused,
                    code: errors.code.as_ref().map(split),
                    message: r.message.as_ref().or(errors.message.as_ref()).map(split),
                }),
            });
        }
        let Kind::Str { values: known } = &leaf.kind else {
            self.err(
                r.field.span,
                format!(
                    "reject.field '{}' is {}, not a string",
                    r.field.value,
                    leaf.describe()
                ),
                "name a string field such as a result code, or a boolean flag such as `ok`",
            );
            return None;
        };
        for v in &r.values {
            if !known.is_empty() && !known.contains(&v.value) {
                let help = suggest(&v.value, known.iter().map(String::as_str));
                self.err(
                    v.span,
                    format!("'{}' is not a value of {}", v.value, r.field.value),
                    help,
                );
            }
        }
        self.set_leaf_ty(&field, root_wire, WireTy::String);
        let message = match &r.message {
            Some(m) => {
                let (read, leaf, _) = self.read(schema, &m.value, m.span, false, root_wire)?;
                self.set_leaf_ty(&read, root_wire, scalar_wire(&leaf.kind));
                if !matches!(leaf.kind, Kind::Str { .. }) {
                    self.err(
                        m.span,
                        format!(
                            "reject.message '{}' is {}, not a string",
                            m.value,
                            leaf.describe()
                        ),
                        "name a string field",
                    );
                    return None;
                }
                Some(read)
            }
            None => None,
        };
        Some(RejectPlan {
            field,
            values: r.values.iter().map(|v| v.value.clone()).collect(),
            message,
            flag: None,
        })
    }
}

/// The first success response the mapping builds from, with its JSON schema.
/// The type-name stem of the operation `what` ("getThing response 200") names. An
/// operation without an operationId is called by method and path ("GET /servers/{id}"),
/// so the stem is everything before " response", not the first word: two such
/// operations must not share one wire type.
pub(super) fn type_stem(what: &str) -> String {
    camel(what.rsplit_once(" response ").map_or(what, |(op, _)| op))
}

pub(super) fn success_schema<'a>(
    om: &OperationMap,
    op: &'a openapiv3::Operation,
    spec: &'a Spec,
) -> Option<(u16, &'a ReferenceOr<openapiv3::Schema>)> {
    responses::successes(op)
        .into_iter()
        .find_map(|(status, resp)| {
            let code = match status {
                Status::Code(c) => c,
                Status::Range(_) => 200,
            };
            if let Some(list) = &om.status {
                if !list.iter().any(|s| s.value == code) {
                    return None;
                }
            }
            let resp = spec.resolve_response(resp).ok()?;
            let schema = responses::json_schema(resp)?;
            Some((code, schema))
        })
}

/// Whether the body `schema` has a value at the dotted `path` (through objects only).
fn has_path(spec: &Spec, schema: SRef<'_>, path: &str) -> bool {
    let mut at = schema;
    for seg in path.split('.') {
        let Ok(v) = view(spec, at) else {
            return false;
        };
        let Kind::Object { props, .. } = v.kind else {
            return false;
        };
        match props.iter().find(|(n, _)| *n == seg) {
            Some((_, p)) => at = *p,
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{ARRAY, Fixture, WRAPPED, op};
    use crate::plan::{WireKind, WireTy};

    #[test]
    fn a_success_response_is_decoded_by_its_wire_type_and_converter() {
        let plan = Fixture::default().plan();
        let get = op(&plan, "get");
        assert_eq!(get.responses.len(), 1);
        let r = &get.responses[0];
        assert_eq!(r.status, Some(200));
        assert_eq!(
            r.decode,
            Some(("Thing".to_string(), "thing_from_thing".to_string()))
        );
        assert_eq!((r.unwrap.clone(), r.reject.clone()), (None, None));
    }

    /// Xero answers one invoice as a list of one: `unwrap: Invoices.0` reads its first
    /// item; an index of something that is not a list is refused.
    #[test]
    fn unwrap_may_read_the_first_item_of_a_list() {
        let listed = |unwrap: &str| {
            Fixture::default()
                .spec("        \"200\":\n          description: ok\n          content: { application/json: { schema: { $ref: \"#/components/schemas/Thing\" } } }",
                      "        \"200\":\n          description: ok\n          content: { application/json: { schema: { type: object, properties: { things: { type: array, items: { $ref: \"#/components/schemas/Thing\" } }, count: { type: integer } } } } }")
                .mapping("params: { id: id }", &format!("params: {{ id: id }}\n    unwrap: {unwrap}"))
        };
        let plan = listed("things.0").plan();
        let r = &op(&plan, "get").responses[0];
        let u = r.unwrap.as_ref().expect("an unwrap read");
        assert_eq!(u.json_path, "$.things.0");
        assert_eq!(u.steps.last().and_then(|s| s.index), Some(0));
        assert!(!r.list);
        listed("count.0")
            .refused_with("'count.0' indexes 'count', which is an integer, not a list");
    }

    /// Vercel's `created` is one variable as an object or several as an array: a
    /// method that returns one object unwraps the object form (another form is then
    /// a contract error); two objects beside the array leave nothing to choose.
    #[test]
    fn unwrap_into_a_union_of_forms_reads_the_one_the_method_returns() {
        let forms = |variants: &str| {
            Fixture::default()
                .spec("        \"200\":\n          description: ok\n          content: { application/json: { schema: { $ref: \"#/components/schemas/Thing\" } } }",
                      &format!("        \"200\":\n          description: ok\n          content: {{ application/json: {{ schema: {{ type: object, properties: {{ created: {{ oneOf: [{variants}] }} }} }} }} }}"))
                .mapping("params: { id: id }", "params: { id: id }\n    unwrap: created")
        };
        let thing = "{ $ref: \"#/components/schemas/Thing\" }";
        let many = "{ type: array, items: { $ref: \"#/components/schemas/Thing\" } }";
        let plan = forms(&format!("{thing}, {many}")).plan();
        let r = &op(&plan, "get").responses[0];
        assert_eq!(
            r.decode.as_ref().map(|d| d.1.as_str()),
            Some("thing_from_thing")
        );
        let created = plan
            .wire
            .iter()
            .find_map(|w| match &w.kind {
                WireKind::Struct(fs) => fs.iter().find(|f| f.wire_name == "created"),
                _ => None,
            })
            .expect("the envelope has created");
        assert_eq!(created.ty, WireTy::Named("Thing".into()));
        forms(&format!("{many}, {{ type: string }}")).refused_with(
            "'created' is a union (anyOf/oneOf) of an array, a string, with no one form",
        );
    }

    /// Hetzner's spec has no operationIds: its operations are called by method and
    /// path, and each must still decode into a type of its own.
    #[test]
    fn operations_without_an_operation_id_get_types_of_their_own() {
        let plan = Fixture::default()
            .spec("        \"200\":\n          description: ok\n          content: { application/json: { schema: { $ref: \"#/components/schemas/Thing\" } } }",
                  "        \"200\":\n          description: ok\n          content: { application/json: { schema: { type: object, properties: { thing: { $ref: \"#/components/schemas/Thing\" } } } } }")
            .mapping("params: { id: id }", "params: { id: id }\n    unwrap: thing")
            .spec("      operationId: getThing\n", "")
            .spec("      operationId: createThing\n", "")
            .mapping("call: getThing", "call: \"GET /things/{id}\"")
            .mapping("call: createThing", "call: \"POST /things\"")
            .plan();
        let names: Vec<&str> = plan.wire.iter().map(|w| w.name.as_str()).collect();
        assert!(names.contains(&"GetThingsIdResponse"), "{names:?}");
        // Its name is its method and path: the summary and docs do not repeat them.
        assert_eq!(op(&plan, "get").vendor_name(), None);
        assert!(
            !plan.summary().contains("(GET /things/{id})"),
            "{}",
            plan.summary()
        );
        assert!(
            !names
                .iter()
                .any(|n| *n == "GetResponse" || *n == "PostResponse"),
            "{names:?}"
        );
        assert_eq!(
            super::type_stem("GET /servers/{id} response 200"),
            "GetServersId"
        );
        assert_eq!(super::type_stem("getThing response 2XX"), "GetThing");
    }

    #[test]
    fn codes_come_before_the_range_of_their_class() {
        let plan = Fixture::default()
            .spec(
                "        \"201\":\n          description: created\n",
                "        \"2XX\":\n          description: accepted\n          content: { application/json: { schema: { $ref: \"#/components/schemas/Thing\" } } }\n        \"200\":\n          description: replayed\n          content: { application/json: { schema: { $ref: \"#/components/schemas/Thing\" } } }\n        \"201\":\n          description: created\n",
            )
            .plan();
        let statuses: Vec<Option<u16>> = op(&plan, "create")
            .responses
            .iter()
            .map(|r| r.status)
            .collect();
        // The generated `match` follows this order: `201` after `200..=299` never matched.
        assert_eq!(statuses, [Some(200), Some(201), None]);
    }

    #[test]
    fn statuses_and_response_names_are_checked() {
        Fixture::default()
            .mapping("params: { id: id }", "params: { id: id }\n    status: 204")
            .refused_with("getThing declares no success status 204");
        Fixture::default()
            .mapping(
                "params: { id: id }",
                "params: { id: id }\n    response: Things",
            )
            .refused_with("get returns Thing, not Things");
        Fixture::default()
            .spec("content: { application/json: { schema: { $ref: \"#/components/schemas/Thing\" } } }", "content: { text/plain: { schema: { type: string } } }")
            .refused_with("getThing has no JSON success response to build Thing from");
    }

    #[test]
    fn a_refusal_in_a_success_body_and_an_unwrapped_object() {
        let plan = Fixture::default()
            .mapping(
                "params: { id: id }",
                "params: { id: id }\n    reject: { field: status, values: [gone] }",
            )
            .plan();
        let reject = op(&plan, "get").responses[0]
            .reject
            .clone()
            .expect("reject");
        assert_eq!(reject.values, ["gone"]);
        assert_eq!(reject.field.json_path, "$.status");
        Fixture::default()
            .mapping(
                "params: { id: id }",
                "params: { id: id }\n    reject: { field: status, values: [gon] }",
            )
            .refused_with("'gon' is not a value of status");
        let plan = Fixture::default()
            .spec("        \"200\":\n          description: ok\n          content: { application/json: { schema: { $ref: \"#/components/schemas/Thing\" } } }",
                  "        \"200\":\n          description: ok\n          content: { application/json: { schema: { type: object, properties: { thing: { $ref: \"#/components/schemas/Thing\" } } } } }")
            .mapping("params: { id: id }", "params: { id: id }\n    unwrap: thing")
            .plan();
        let r = &op(&plan, "get").responses[0];
        assert_eq!(
            r.unwrap.as_ref().map(|u| u.json_path.as_str()),
            Some("$.thing")
        );
        assert_eq!(
            r.decode.as_ref().map(|d| d.0.as_str()),
            Some("GetThingResponse")
        );
    }

    /// DigitalOcean's shape: an inline envelope around an inline object. The two are
    /// distinct wire types; named alike, they became one struct that read neither.
    #[test]
    fn an_inline_object_in_an_inline_envelope_is_its_own_type() {
        let inline = "{ type: object, required: [id, status], properties: { id: { type: string }, status: { type: string, enum: [active, gone] }, amount: { type: integer } } }";
        let plan = Fixture::default()
            .spec("        \"200\":\n          description: ok\n          content: { application/json: { schema: { $ref: \"#/components/schemas/Thing\" } } }",
                  &format!("        \"200\":\n          description: ok\n          content: {{ application/json: {{ schema: {{ type: object, properties: {{ thing: {inline} }} }} }} }}"))
            .mapping("params: { id: id }", "params: { id: id }\n    unwrap: thing")
            .mapping("    from: Thing\n", "")
            .plan();
        let fields = |name: &str| -> Vec<(String, WireTy)> {
            let w = plan.wire.iter().find(|w| w.name == name).expect(name);
            match &w.kind {
                WireKind::Struct(f) => f
                    .iter()
                    .map(|f| (f.wire_name.clone(), f.ty.clone()))
                    .collect(),
                other => panic!("{name} is {other:?}"),
            }
        };
        assert_eq!(
            fields("GetThingResponse"),
            [(
                "thing".to_string(),
                WireTy::Named("GetThingResponseThing".to_string())
            )]
        );
        let inner: Vec<String> = fields("GetThingResponseThing")
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert!(
            inner.contains(&"id".to_string()) && inner.contains(&"status".to_string()),
            "{inner:?}"
        );
    }

    #[test]
    fn unwrap_picks_the_variant_of_a_union_body_that_has_the_field() {
        let union = "{ oneOf: [ { type: object, required: [thing], properties: { thing: { $ref: \"#/components/schemas/Thing\" } } }, { type: object, required: [things], properties: { things: { type: array, items: { $ref: \"#/components/schemas/Thing\" } } } } ] }";
        let with_union = Fixture::default().spec(
            "        \"200\":\n          description: ok\n          content: { application/json: { schema: { $ref: \"#/components/schemas/Thing\" } } }",
            &format!("        \"200\":\n          description: ok\n          content: {{ application/json: {{ schema: {union} }} }}"),
        );
        let plan = with_union
            .clone()
            .mapping(
                "params: { id: id }",
                "params: { id: id }\n    unwrap: thing",
            )
            .plan();
        let r = &op(&plan, "get").responses[0];
        assert_eq!(
            r.unwrap.as_ref().map(|u| u.json_path.as_str()),
            Some("$.thing")
        );
        // A field no variant has is still refused; the help names the variants' fields.
        let nothing = with_union.mapping(
            "params: { id: id }",
            "params: { id: id }\n    unwrap: nothing",
        );
        nothing.refused_with("unknown field 'nothing' in GetThingResponse");
        nothing.helped_with("thing");
    }

    #[test]
    fn unwrap_at_a_scalar_is_said_once_at_unwrap() {
        let fixture = Fixture::default().mapping(
            "params: { id: id }",
            "params: { id: id }\n    unwrap: status",
        );
        let errors = fixture.errors();
        assert_eq!(
            errors,
            [
                "getThing response 200: the vendor's value is a string, not an object to build Thing from"
            ],
        );
    }

    #[test]
    fn a_field_no_union_variant_has_gets_a_suggestion() {
        let union = "{ oneOf: [ { type: object, properties: { next: { type: string } } }, { type: object, properties: { prev: { type: string } } } ] }";
        Fixture::default()
            .spec(
                "        owner: { $ref: \"#/components/schemas/Owner\" }\n",
                &format!("        owner: {{ $ref: \"#/components/schemas/Owner\" }}\n        links: {union}\n"),
            )
            .port("pub amount: Option<i64> }", "pub amount: Option<i64>, pub next: Option<String> }")
            .mapping("      amount: amount\n", "      amount: amount\n      next: links.nxt\n")
            .helped_with("did you mean 'next'?");
    }

    #[test]
    fn from_over_an_inline_schema_is_told_to_go() {
        let inline = "{ type: object, required: [id, status], properties: { id: { type: string }, status: { type: string, enum: [active, gone] } } }";
        Fixture::default()
            .spec("        \"200\":\n          description: ok\n          content: { application/json: { schema: { $ref: \"#/components/schemas/Thing\" } } }",
                  &format!("        \"200\":\n          description: ok\n          content: {{ application/json: {{ schema: {inline} }} }}"))
            .helped_with("remove `from:`: the vendor's value here is an inline schema");
    }

    #[test]
    fn a_top_level_list_is_converted_item_by_item() {
        let plan = Fixture::listing(ARRAY).plan();
        let r = &op(&plan, "list").responses[0];
        assert!(r.list);
        assert_eq!(
            r.decode,
            Some(("Thing".to_string(), "thing_from_thing".to_string()))
        );
        assert_eq!(r.unwrap, None);
        // `$` names the whole body: the same plan.
        let same = Fixture::listing(ARRAY)
            .mapping("call: listThings\n", "call: listThings\n    unwrap: $\n")
            .plan();
        assert_eq!(&op(&same, "list").responses[0], r);
    }

    #[test]
    fn a_list_inside_an_object_is_named_by_unwrap() {
        let plan = Fixture::listing(WRAPPED)
            .mapping("call: listThings\n", "call: listThings\n    unwrap: data\n")
            .plan();
        let r = &op(&plan, "list").responses[0];
        assert!(r.list);
        assert_eq!(
            r.unwrap.as_ref().map(|u| u.json_path.as_str()),
            Some("$.data")
        );
        assert_eq!(
            r.decode.as_ref().map(|d| d.0.as_str()),
            Some("ListThingsResponse")
        );
    }

    #[test]
    fn lists_and_single_values_do_not_mix() {
        Fixture::listing(WRAPPED).refused_with(
            "the port returns Vec<Thing>, but the vendor's value is an object, not a list",
        );
        Fixture::listing(ARRAY)
            .port(
                "async fn list(&self) -> Result<Vec<Thing>, ThingError>",
                "async fn list(&self) -> Result<Thing, ThingError>",
            )
            .refused_with("the vendor answers a list, but the port returns Thing");
        Fixture::listing(ARRAY)
            .mapping("call: listThings\n", "call: listThings\n    unwrap: data\n")
            .refused_with("is a list, so it has no field 'data'");
        Fixture::listing("{ type: array, items: { type: string } }")
            .refused_with("the items of the list are a string, not objects");
        // The refused shape is the one diagnostic: the success body is there.
        let errors =
            Fixture::listing("{ type: array, items: { items: { type: object } } }").errors();
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(
            errors[0].contains("the items of the list are an array, not objects"),
            "{errors:#?}"
        );
    }
}
