//! Path, query and header parameters.

use super::planner::Planner;
use super::*;
use crate::error::suggest;
use crate::load::mapping::{OperationMap, Spanned, ValueSpec};
use crate::load::openapi::location;
use crate::load::port::{PortMethod, Ty};
use crate::spec::view::{Kind, SRef, view};
use openapiv3::{Parameter, ParameterSchemaOrContent};

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    /// Substituted into the path.
    Path,
    /// In the query string.
    Query,
    /// A header.
    Header,
}

/// One parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamPlan {
    /// The name on the wire.
    pub wire_name: String,
    /// Where it goes.
    pub location: ParamLocation,
    /// The value.
    pub value: ValuePlan,
    /// For arrays: the name each item is sent under (`expand[]` for deepObject, else the name).
    pub array_item_name: Option<String>,
    /// For arrays sent as one value (`explode: false`): what joins the items (`,` for
    /// `form`, a space for `spaceDelimited`, `|` for `pipeDelimited`); `None` repeats
    /// the parameter once per item.
    pub array_separator: Option<&'static str>,
}

/// How a query parameter's array goes on the wire, as its `style` and `explode` say
/// (`explode` defaults to true for `form` only).
fn array_separator(p: &Parameter) -> Option<&'static str> {
    use openapiv3::QueryStyle;
    let Parameter::Query {
        style,
        parameter_data,
        ..
    } = p
    else {
        return None;
    };
    let explode = parameter_data
        .explode
        .unwrap_or(matches!(style, QueryStyle::Form));
    match (style, explode) {
        (_, true) | (QueryStyle::DeepObject, _) => None,
        (QueryStyle::Form, false) => Some(","),
        (QueryStyle::SpaceDelimited, false) => Some(" "),
        (QueryStyle::PipeDelimited, false) => Some("|"),
    }
}

impl<'a> Planner<'a> {
    pub(super) fn params(
        &mut self,
        om: &OperationMap,
        pm: &PortMethod,
        oref: &crate::load::openapi::OperationRef,
        op: &openapiv3::Operation,
    ) -> Vec<ParamPlan> {
        let spec_params = match self.spec.parameters(oref, op) {
            Ok(p) => p,
            Err(e) => {
                self.err(
                    om.call.span,
                    format!("the parameters of '{}' cannot be read: {e}", om.call.value),
                    "fix the spec",
                );
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for (name, spec) in &om.params {
            let Some(p) = spec_params
                .iter()
                .find(|p| p.parameter_data_ref().name == name.value)
            else {
                let help = suggest(
                    &name.value,
                    spec_params
                        .iter()
                        .map(|p| p.parameter_data_ref().name.as_str()),
                );
                self.err(
                    name.span,
                    format!("'{}' is not a parameter of {}", name.value, om.call.value),
                    help,
                );
                continue;
            };
            let data = p.parameter_data_ref();
            let loc = match p {
                Parameter::Path { .. } => ParamLocation::Path,
                Parameter::Query { .. } => ParamLocation::Query,
                Parameter::Header { .. } => ParamLocation::Header,
                Parameter::Cookie { .. } => {
                    self.err(
                        name.span,
                        format!(
                            "'{}' is a cookie parameter, which is not supported",
                            name.value
                        ),
                        "ask the vendor for a header or query alternative",
                    );
                    continue;
                }
            };
            let ParameterSchemaOrContent::Schema(schema) = &data.format else {
                self.err(
                    name.span,
                    format!(
                        "parameter '{}' is described by content, not a schema",
                        name.value
                    ),
                    "not supported yet",
                );
                continue;
            };
            let v = match view(self.spec, SRef::Plain(schema)) {
                Ok(v) => v,
                Err(e) => {
                    self.err(
                        name.span,
                        format!("parameter '{}': {e}", name.value),
                        "fix the spec",
                    );
                    continue;
                }
            };
            // What one value is checked against: the item schema of an array.
            let (target, array_item_name, target_schema) = match &v.kind {
                Kind::Array(Some(item)) if loc == ParamLocation::Query => {
                    let deep = matches!(
                        p,
                        Parameter::Query {
                            style: openapiv3::QueryStyle::DeepObject,
                            ..
                        }
                    );
                    let item_name = if deep {
                        format!("{}[]", data.name)
                    } else {
                        data.name.clone()
                    };
                    match view(self.spec, *item) {
                        Ok(iv) => (iv, Some(item_name), *item),
                        Err(_) => continue,
                    }
                }
                _ => (v.clone(), None, SRef::Plain(schema)),
            };
            let required = data.required || loc == ParamLocation::Path;
            let what = format!("parameter '{}'", data.name);
            if let ValueSpec::Credential(span) = spec {
                if self.is_auth_param_at(location(p), &data.name) {
                    // The scheme itself puts the key there (Trello's `token`): repeating
                    // it would send it twice.
                    self.warn(
                        *span,
                        format!("{what} is where `auth:` already sends the credential"),
                        "remove this line: the credential goes there once, from `auth:`",
                    );
                    continue;
                }
                // A spec that lists the token as a parameter besides its scheme (Slack's
                // `token`): the pipeline repeats each attempt's credential there.
                let fits = loc != ParamLocation::Path
                    && matches!(target.kind, Kind::Str { .. })
                    && array_item_name.is_none();
                if !fits {
                    self.err(
                        *span,
                        format!("{what} cannot carry the credential: only a string header or query parameter can"),
                        "map it from an argument or a setting",
                    );
                    continue;
                }
                if self.mapping.auth.is_none() {
                    self.err(
                        *span,
                        format!("{what} is the credential, but the mapping declares no `auth:`"),
                        "declare the auth the credential comes from",
                    );
                    continue;
                }
                out.push(ParamPlan {
                    wire_name: data.name.clone(),
                    location: loc,
                    value: ValuePlan::Credential,
                    array_item_name: None,
                    array_separator: None,
                });
                continue;
            }
            let value = if array_item_name.is_some() {
                // Arrays are checked item by item: the expression must be a Vec of the item type.
                match spec {
                    // A list of domain enums goes item by item as their wire values.
                    ValueSpec::Expr {
                        from,
                        via: None,
                        values,
                    } if values.is_some() || self.lists_enums(pm, from) => {
                        // Planned against the array (`v`), whose items it converts.
                        match self.value(pm, spec, &v, required, &what) {
                            Some(v) => v,
                            None => continue,
                        }
                    }
                    ValueSpec::Expr {
                        from,
                        via: None,
                        values: None,
                    } => match self.expr(pm, from) {
                        Some((access, Ty::Vec(_))) => ValuePlan::Expr {
                            access,
                            clone: true,
                            optional: false,
                            convert: None,
                            via: None,
                        },
                        Some((access, Ty::Option(inner)))
                            if !required && matches!(*inner, Ty::Vec(_)) =>
                        {
                            ValuePlan::Expr {
                                access,
                                clone: true,
                                optional: true,
                                convert: None,
                                via: None,
                            }
                        }
                        Some((_, t)) => {
                            self.err(
                                from.span,
                                format!("{what} is an array, but '{}' is {t}", from.value),
                                "map a Vec",
                            );
                            continue;
                        }
                        None => continue,
                    },
                    // A list of constants: each item is judged against the item schema.
                    ValueSpec::Const(c) if c.value.is_array() => {
                        let items = c.value.as_array().map(Vec::as_slice).unwrap_or_default();
                        let mut fine = true;
                        for item in items {
                            let one = ValueSpec::Const(crate::load::mapping::Spanned {
                                value: item.clone(),
                                span: c.span,
                            });
                            let scalar = !item.is_array() && !item.is_object();
                            fine &=
                                scalar && self.value(pm, &one, &target, required, &what).is_some();
                            if scalar {
                                self.check(pm, &one, target_schema, format!("query {}", data.name));
                            } else {
                                self.err(c.span, format!("{what} is a list of plain values, but the mapping gives {item} in it"), "write a list of plain values");
                            }
                        }
                        if !fine {
                            continue;
                        }
                        ValuePlan::Const(c.value.clone())
                    }
                    other => match self.value(pm, other, &target, required, &what) {
                        Some(v) => v,
                        None => continue,
                    },
                }
            } else {
                match self.value(pm, spec, &target, required, &what) {
                    Some(v) => {
                        self.request_via_returns(spec, super::via::Sent::Displayed);
                        let place = match loc {
                            ParamLocation::Path => "path",
                            ParamLocation::Query => "query",
                            ParamLocation::Header => "header",
                        };
                        self.check(
                            pm,
                            spec,
                            SRef::Plain(schema),
                            format!("{place} {}", data.name),
                        );
                        v
                    }
                    None => continue,
                }
            };
            let array_separator = array_item_name.as_ref().and_then(|_| array_separator(p));
            out.push(ParamPlan {
                wire_name: data.name.clone(),
                location: loc,
                value,
                array_item_name,
                array_separator,
            });
        }
        for p in &spec_params {
            let data = p.parameter_data_ref();
            let required = data.required || matches!(p, Parameter::Path { .. });
            // A page number or offset is sent by `paginate:` on every page, the first too
            // (Postmark's required `offset`).
            let paged = matches!(
                om.paginate.as_ref().map(|pg| &pg.style),
                Some(crate::load::mapping::PageStyle::Counted { param, .. }) if param.value == data.name
            );
            let by_auth = self.is_auth_param_at(location(p), &data.name);
            if required
                && !paged
                && !by_auth
                && !om.params.iter().any(|(n, _)| n.value == data.name)
            {
                self.err(
                    om.method.span,
                    format!(
                        "{} parameter '{}' of {} is required but not mapped",
                        location(p),
                        data.name,
                        om.call.value
                    ),
                    format!("add `params: {{ {}: <argument> }}`", data.name),
                );
            }
        }
        out
    }
}

impl Planner<'_> {
    /// Whether `from` is a list (or an optional list) of an enum of the port, looked
    /// up without reporting: the value itself is planned, and its mistakes reported, next.
    fn lists_enums(&mut self, pm: &PortMethod, from: &Spanned<String>) -> bool {
        let (reported, used) = (self.sink.items.len(), self.used_args.clone());
        let found = self.expr(pm, from);
        self.sink.items.truncate(reported);
        self.used_args = used;
        let Some((_, ty)) = found else {
            return false;
        };
        let list = match ty {
            Ty::Option(inner) => *inner,
            t => t,
        };
        matches!(list, Ty::Vec(item) if matches!(item.without_refs(), Ty::Named(n) if self.port.enums.contains_key(n)))
    }

    /// Whether the auth scheme puts its API key in the parameter `name` at `location`
    /// (`query`, `header`; header names are not case-sensitive).
    fn is_auth_param_at(&self, location: &str, name: &str) -> bool {
        self.auth_params
            .iter()
            .any(|(l, n)| crate::load::openapi::same_parameter(location, name, l, n))
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{Fixture, op};
    use super::*;

    /// Trello's spec lists `token` as a required query parameter of every operation, and
    /// its scheme puts the token there too: the parameter is covered by `auth:`, and a
    /// `{ credential: true }` there would send it twice (a warning, nothing planned).
    #[test]
    fn a_parameter_where_the_scheme_puts_the_key_is_the_credential() {
        let f = || {
            Fixture::default()
                .spec(
                    "    key: { type: apiKey, in: header, name: X-Api-Key }\n",
                    "    key: { type: apiKey, in: query, name: token }\n",
                )
                .spec(
                    "        - { name: expand, in: query,",
                    "        - { name: token, in: query, required: true, schema: { type: string } }\n        - { name: expand, in: query,",
                )
                .mapping("auth: { scheme: bearer, secret: { env: THINGS_TOKEN } }", "auth: { scheme: key, secret: { env: THINGS_TOKEN } }")
        };
        let plan = f().plan();
        assert!(
            !op(&plan, "get")
                .params
                .iter()
                .any(|p| p.wire_name == "token")
        );
        let twice = f().mapping(
            "params: { id: id }",
            "params: { id: id, token: { credential: true } }",
        );
        let plan = twice.plan();
        assert!(
            !op(&plan, "get")
                .params
                .iter()
                .any(|p| p.wire_name == "token"),
            "sent once, by auth:"
        );
        let warnings = twice.warnings();
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("already sends the credential")),
            "{warnings:?}"
        );
    }

    /// The fixture's `expand` parameter with another style.
    fn expand_styled(style: &str) -> Fixture {
        Fixture::default()
            .spec(
                "{ name: expand, in: query, schema:",
                &format!("{{ name: expand, in: query, {style} schema:"),
            )
            .mapping(
                "params: { id: id }",
                "params: { id: id, expand: { const: [a, b] } }",
            )
    }

    #[test]
    fn explode_and_style_decide_how_an_array_is_sent() {
        let separator = |style: &str| {
            let plan = expand_styled(style).plan();
            op(&plan, "get").params[1].array_separator
        };
        assert_eq!(separator(""), None, "form explodes by default");
        assert_eq!(separator("explode: true,"), None);
        assert_eq!(separator("explode: false,"), Some(","));
        assert_eq!(separator("style: spaceDelimited,"), Some(" "));
        assert_eq!(separator("style: pipeDelimited,"), Some("|"));
        assert_eq!(separator("style: pipeDelimited, explode: true,"), None);
    }

    #[test]
    fn a_list_of_constants_is_judged_item_by_item() {
        let plan = expand_styled("").plan();
        assert_eq!(
            op(&plan, "get").params[1].value,
            ValuePlan::Const(serde_json::json!(["a", "b"]))
        );
        expand_styled("")
            .mapping("const: [a, b]", "const: [a, 3]")
            .refused_with("parameter 'expand' is a string in the spec, but the mapping gives 3");
        expand_styled("")
            .mapping("const: [a, b]", "const: [a, { b: 1 }]")
            .refused_with("is a list of plain values, but the mapping gives {\"b\":1} in it");
    }

    #[test]
    fn path_and_array_query_parameters() {
        let plan = Fixture::default()
            .port(
                "async fn get(&self, id: &str)",
                "async fn get(&self, id: &str, expand: Vec<String>)",
            )
            .mapping("params: { id: id }", "params: { id: id, expand: expand }")
            .plan();
        let params = &op(&plan, "get").params;
        assert_eq!(params[0].location, ParamLocation::Path);
        assert_eq!(params[0].wire_name, "id");
        assert_eq!(params[1].location, ParamLocation::Query);
        assert_eq!(params[1].array_item_name.as_deref(), Some("expand"));
        assert!(matches!(
            &params[1].value,
            ValuePlan::Expr { clone: true, .. }
        ));
    }

    #[test]
    fn unknown_and_missing_parameters_are_reported() {
        let errors = Fixture::default()
            .mapping("params: { id: id }", "params: { idd: id }")
            .errors()
            .join("\n");
        assert!(
            errors.contains("'idd' is not a parameter of getThing"),
            "{errors}"
        );
        assert!(
            errors.contains("path parameter 'id' of getThing is required but not mapped"),
            "{errors}"
        );
        Fixture::default()
            .mapping("params: { id: id }", "params: { id: id, expand: id }")
            .refused_with("parameter 'expand' is an array, but 'id' is str");
    }
}
