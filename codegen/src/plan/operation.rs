//! One port method bound to one vendor operation, and port methods the vendor cannot
//! serve: the pieces of the other files put together.

use super::planner::Planner;
use super::*;
use crate::error::suggest;
use crate::load::mapping::{KeyPlacement, OperationMap};
use crate::load::openapi::Spec;
use crate::load::port::{PortMethod, Ty};

impl<'a> Planner<'a> {
    /// Whether the operation is marked `read: true`: a POST that only reads (Plaid's
    /// `/accounts/get`), sent as one so it is retried and may be cached as a GET is.
    /// On a read method the mark says nothing (a warning); with an idempotency key it
    /// contradicts itself (an error).
    fn read_only(&mut self, om: &OperationMap, http_method: &str) -> bool {
        let Some(read) = om.read.as_ref().filter(|r| r.value) else {
            return false;
        };
        if matches!(http_method, "GET" | "HEAD" | "OPTIONS") {
            self.warn(
                read.span,
                format!("'{}' is a {http_method}, already a read", om.method.value),
                "remove `read: true`",
            );
            return false;
        }
        if om.idempotency.is_some() {
            self.err(
                read.span,
                format!(
                    "'{}' is marked `read: true`, and a read needs no idempotency key",
                    om.method.value
                ),
                "remove `idempotency:` if the call changes nothing, else remove `read: true`: a retried write must carry its key",
            );
        }
        true
    }

    pub(super) fn operation(
        &mut self,
        om: &OperationMap,
        pm: &PortMethod,
    ) -> Option<OperationPlan> {
        // `Option<T>` of a domain struct: the call is planned as building `T`, and the
        // port's method answers a 404 with `None` (a get that may find nothing).
        let absent = match pm.ok.without_refs() {
            Ty::Option(inner)
                if matches!(inner.without_refs(), Ty::Named(n) if self.port.structs.contains_key(n))
                    && !matches!(pm.style, crate::load::port::MethodStyle::Stream { .. }) =>
            {
                Some(PortMethod {
                    ok: inner.without_refs().clone(),
                    ..pm.clone()
                })
            }
            _ => None,
        };
        let port_ok = pm.ok.render(self.port, &self.module);
        let pm = absent.as_ref().unwrap_or(pm);
        let spec: &'a Spec = self.spec;
        self.used_args.clear();
        self.checks.clear();
        let errors_before = self.sink.items.len();
        let Some((oref, op)) = spec.operation(&om.call.value) else {
            let help = suggest(
                &om.call.value,
                self.spec.operations.keys().map(String::as_str),
            );
            self.err(
                om.call.span,
                format!("operation '{}' is not in the spec", om.call.value),
                help,
            );
            return None;
        };
        let op_id = op
            .operation_id
            .clone()
            .unwrap_or_else(|| om.call.value.clone());
        let http_method = oref.method.to_ascii_uppercase();
        let read_only = self.read_only(om, &http_method);
        let is_write = !read_only && !matches!(oref.method.as_str(), "get" | "head" | "options");
        let params = self.params(om, pm, oref, op);
        let headers = self.static_headers(&om.headers, false);
        let idem = om
            .idempotency
            .as_ref()
            .and_then(|i| self.idempotency(om, pm, i, oref, op));
        let body = self.body(om, pm, op, &op_id);
        if let Some(i) = &om.idempotency {
            if let KeyPlacement::Body(path) = &i.placement {
                if body.is_none() {
                    self.err(
                        path.span,
                        "the idempotency key goes in the body, but this operation sends none",
                        "use `header:` instead",
                    );
                }
            }
        }
        let given = self.given(om, pm);
        let contract_args = self.contract_args(om, pm);
        let (responses, error_body) = self.responses(om, pm, op, &op_id);
        if let (Some((field, _)), true) = (
            om.given.first(),
            !given.is_empty() && responses.iter().all(|r| r.decode.is_none()),
        ) {
            self.err(
                field.span,
                format!(
                    "{op_id} has no success body to build {} from, so `fields:` fills nothing",
                    pm.ok
                ),
                "remove `fields:`, or map an operation whose answer has a JSON body",
            );
        }
        let error_paths = match error_body {
            Some(_) => None,
            None => self.error_paths(),
        };
        let has_code = error_body.as_ref().is_some_and(|b| b.code.is_some())
            || error_paths.as_ref().is_some_and(|p| p.code.is_some());
        let error_in_success = self.error_signal(op, error_body.as_ref(), error_paths.as_ref());
        let error_rules = self.error_rules(om, pm, has_code);
        let fallback = self.fallback_plan(om, pm, op, &http_method, is_write);
        let paginate = self.paginate_plan(om, pm, oref, op, &responses, &params);
        if matches!(pm.style, crate::load::port::MethodStyle::Stream { .. })
            && om.paginate.is_none()
        {
            self.err(
                om.call.span,
                format!(
                    "{} returns a stream, but {op_id} is not paginated: a stream is read page by page",
                    pm.name
                ),
                "declare how pages follow (`paginate: { style: … }`), or return `Result<Vec<T>, E>` from an async method",
            );
        }
        // A caller fallback receives every argument; otherwise an argument no value reads
        // would be an unused variable, which the generated code may not have. Only said
        // when nothing else in this operation is wrong: a misspelt argument is the cause.
        if self.sink.items.len() == errors_before
            && !matches!(
                fallback,
                Some(FallbackPlan {
                    strategy: FallbackStrategy::Caller,
                    ..
                })
            )
        {
            for (name, _) in &pm.args {
                if !self.used_args.contains(name) {
                    self.err(
                        om.call.span,
                        format!("argument '{name}' of {} is not used by this mapping", pm.name),
                        format!(
                            "map it where the vendor takes it (`params: {{ <parameter>: {name} }}` or `request: {{ <field>: {name} }}`); a quoted \"{name}\" is a constant, not the argument"
                        ),
                    );
                }
            }
        }
        Some(OperationPlan {
            method: pm.name.clone(),
            style: style_of(pm.style),
            args: pm
                .args
                .iter()
                .map(|(n, t)| (n.clone(), t.render(self.port, &self.module)))
                .collect(),
            ok_type: port_ok,
            none_on_404: absent.is_some(),
            err_type: pm.err.render(self.port, &self.module),
            operation_id: op_id,
            http_method,
            path: oref.path.clone(),
            is_write,
            read_only,
            params,
            headers,
            body,
            checks: std::mem::take(&mut self.checks),
            mismatches: om
                .mismatches
                .iter()
                .map(|(k, r)| (k.value.clone(), r.value.clone()))
                .collect(),
            contract_args,
            idempotency: idem,
            responses,
            error_body,
            error_paths,
            error_in_success,
            error_rules,
            policies: super::policies::resolve(&self.mapping.defaults, Some(&om.policies)),
            anonymous: self.anonymous(om, op),
            fallback,
            paginate,
            given,
        })
    }

    /// A port method the vendor cannot serve.
    pub(super) fn unsupported(
        &mut self,
        u: &crate::load::mapping::Unsupported,
        pm: &PortMethod,
    ) -> Option<UnsupportedPlan> {
        let Ty::Named(err_name) = &pm.err else {
            self.err(
                u.method.span,
                format!(
                    "{}'s error type {} is not an enum of the port",
                    pm.name, pm.err
                ),
                "use a domain error enum",
            );
            return None;
        };
        let Some(variants) = self.port.enums.get(err_name).cloned() else {
            self.err(
                u.method.span,
                format!(
                    "{}'s error type {err_name} is not an enum in the port source",
                    pm.name
                ),
                "declare the error enum next to the trait",
            );
            return None;
        };
        let (target, build) = self.error_target(pm, err_name, &variants, &u.error)?;
        Some(UnsupportedPlan {
            method: pm.name.clone(),
            style: style_of(pm.style),
            args: pm
                .args
                .iter()
                .map(|(n, t)| (n.clone(), t.render(self.port, &self.module)))
                .collect(),
            ok_type: pm.ok.render(self.port, &self.module),
            err_type: pm.err.render(self.port, &self.module),
            target,
            build,
        })
    }
}

/// The port's method style as plan data.
fn style_of(s: crate::load::port::MethodStyle) -> MethodStyle {
    match s {
        crate::load::port::MethodStyle::Async => MethodStyle::Async,
        crate::load::port::MethodStyle::ImplFuture => MethodStyle::ImplFuture,
        crate::load::port::MethodStyle::Stream {
            send,
            unpin,
            elided,
        } => MethodStyle::Stream {
            send,
            unpin,
            elided,
        },
    }
}

impl Planner<'_> {
    /// `contract.args`: each path names an argument value of the method (checked like a
    /// request value, without counting as a use of the argument) whose type takes the
    /// value given.
    fn contract_args(
        &mut self,
        om: &OperationMap,
        pm: &PortMethod,
    ) -> Vec<(Vec<String>, serde_json::Value)> {
        let used = self.used_args.clone();
        let mut out = Vec::new();
        for (path, value) in &om.contract_args {
            let Some((access, ty)) = self.expr(pm, path) else {
                continue;
            };
            let mut base = &ty;
            while let Ty::Option(inner) = base {
                base = inner.without_refs();
            }
            let fits = match (&value.value, base) {
                (serde_json::Value::String(_), Ty::Named(n)) => n == "String" || n == "str",
                (serde_json::Value::Bool(_), Ty::Named(n)) => n == "bool",
                (serde_json::Value::Number(x), Ty::Named(n)) => match n.as_str() {
                    "f32" | "f64" => true,
                    "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => x.is_i64(),
                    "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => x.is_u64(),
                    _ => false,
                },
                _ => false,
            };
            if !fits {
                self.err(
                    value.span,
                    format!(
                        "contract.args: '{}' is {ty}, which does not take {}",
                        path.value, value.value
                    ),
                    "point at a text, number or boolean argument value of that type",
                );
                continue;
            }
            out.push((access, value.value.clone()));
        }
        self.used_args = used;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{Fixture, op};
    use super::*;

    #[test]
    fn an_operation_carries_its_method_path_and_signature() {
        let plan = Fixture::default().plan();
        let get = op(&plan, "get");
        assert_eq!(
            (get.http_method.as_str(), get.path.as_str(), get.is_write),
            ("GET", "/things/{id}", false)
        );
        assert_eq!(get.args, [("id".to_string(), "&str".to_string())]);
        assert_eq!(get.ok_type, "crate::domain::Thing");
        let create = op(&plan, "create");
        assert!(create.is_write);
        assert_eq!(create.operation_id, "createThing");
    }

    /// A POST that only reads (Plaid's `/accounts/get`), marked `read: true`: not a
    /// write, sent `read_only`, and a cache fallback is allowed; the mark on a GET says
    /// nothing, and beside an idempotency key it contradicts itself.
    #[test]
    fn read_true_makes_a_post_a_read() {
        let stale = |f: Fixture| {
            f.port(
                "pub amount: Option<i64> }",
                "pub amount: Option<i64>, pub stale: bool }",
            )
        };
        let marked = stale(Fixture::default()).mapping(
            "    idempotency: { header: Idempotency-Key, key: req.order }\n",
            "    read: true\n    fallback: { cache: { ttl: 30s, stale_if_error: 5m }, mark: stale }\n",
        );
        let plan = marked.plan();
        let create = op(&plan, "create");
        assert!(!create.is_write && create.read_only);
        assert!(create.fallback.is_some());
        stale(Fixture::default())
            .mapping(
                "    idempotency: { header: Idempotency-Key, key: req.order }\n",
                "    fallback: { cache: { ttl: 30s, stale_if_error: 5m }, mark: stale }\n",
            )
            .refused_with("'create' is a POST, and a cache fallback would answer it");
        Fixture::default()
            .mapping("    idempotency: {", "    read: true\n    idempotency: {")
            .refused_with("'create' is marked `read: true`, and a read needs no idempotency key");
        let on_get = Fixture::default().mapping(
            "    params: { id: id }",
            "    params: { id: id }\n    read: true",
        );
        assert_eq!(on_get.warnings(), ["'get' is a GET, already a read"],);
        assert!(!op(&on_get.plan(), "get").read_only);
    }

    #[test]
    fn an_argument_no_value_reads_is_refused() {
        // Found by the compile property: a quoted value is a constant, so the argument
        // went unused and the generated method failed rustc under deny(warnings).
        Fixture::default()
            .mapping("params: { id: id }", "params: { id: \"id\" }")
            .refused_with("argument 'id' of get is not used by this mapping");
    }

    #[test]
    fn unknown_calls_and_unmapped_methods_are_reported_together() {
        let errors = Fixture::default()
            .mapping("call: getThing", "call: getThng")
            .mapping("  create:\n", "  creat:\n")
            .errors();
        let all = errors.join("\n");
        assert!(
            all.contains("operation 'getThng' is not in the spec"),
            "{all}"
        );
        assert!(all.contains("'creat' is not a method of Things"), "{all}");
        assert!(
            all.contains("port method 'create' of Things is not mapped"),
            "{all}"
        );
    }

    #[test]
    fn an_unsupported_method_fails_with_its_variant() {
        let plan = Fixture::default()
            .mapping(
                "  create:\n    call: createThing\n",
                "  create:\n    unsupported: ThingError::Upstream\n  unused:\n    call: createThing\n",
            )
            .port("    async fn create", "    async fn unused(&self, req: NewThing) -> Result<Thing, ThingError>;\n    async fn create")
            .plan();
        let u = &plan.unsupported[0];
        assert_eq!(u.method, "create");
        assert_eq!(u.target, "crate::domain::ThingError::Upstream");
        assert_eq!(u.build, VariantBuild::Message);
    }
}
