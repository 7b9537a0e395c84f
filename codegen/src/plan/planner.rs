//! The planner's core: its state, the diagnostics sink, and the pass that visits every
//! part of the mapping. Each noun is planned in its own file (`auth.rs`, `params.rs`,
//! `body/`, `response.rs`, …); all of them report into one sink and keep going, so the
//! user sees every mistake at once.

use super::*;
use crate::error::{Diagnostic, Error, Sink, Span, suggest};
use crate::ident::Namer;
use crate::load::mapping::{Mapping, Spanned};
use crate::load::openapi::Spec;
use crate::load::port::{Port, PortMethod};
use std::collections::{BTreeMap, HashMap};

/// Checks the mapping against the spec and the port, and plans the adapter.
pub fn build(spec: &Spec, mapping: &Mapping, port: &Port) -> Result<Plan, Error> {
    let mut b = Planner {
        spec,
        mapping,
        port,
        module: mapping.implements.module.value.clone(),
        sink: Sink::default(),
        wire: BTreeMap::new(),
        wire_ids: HashMap::new(),
        namer: Namer::with_reserved(&super::wire::RESERVED),
        converters: BTreeMap::new(),
        conv_ids: HashMap::new(),
        marks: BTreeMap::new(),
        used_args: std::collections::BTreeSet::new(),
        checks: Vec::new(),
        given_top: None,
        warnings: Vec::new(),
        auth_params: Vec::new(),
        sources: super::via::Sources::new(
            &mapping.dir().join(&mapping.implements.source.value),
            &mapping.implements.module.value,
        ),
    };
    let plan = b.plan();
    b.sink.finish(plan)
}

/// The planner's state while it walks the mapping: the inputs, the diagnostics so far,
/// and the wire types and converters created on the way.
pub(super) struct Planner<'a> {
    pub(super) spec: &'a Spec,
    pub(super) mapping: &'a Mapping,
    pub(super) port: &'a Port,
    pub(super) module: String,
    pub(super) sink: Sink,
    pub(super) wire: BTreeMap<String, WireType>,
    /// (request side?, schema identity) → wire type name.
    pub(super) wire_ids: HashMap<(bool, String), String>,
    pub(super) namer: Namer,
    pub(super) converters: BTreeMap<String, Converter>,
    /// (domain type, schema identity) → converter name.
    pub(super) conv_ids: HashMap<(String, String), String>,
    /// Domain type → its fields that mark a degraded answer (a fallback's `mark:`).
    pub(super) marks: BTreeMap<String, BTreeMap<String, MarkKind>>,
    /// Arguments of the method being planned that an expression reads: an argument no
    /// value reads would be an unused variable in the generated method.
    pub(super) used_args: std::collections::BTreeSet<String>,
    /// Values of the operation being planned to check before sending.
    pub(super) checks: Vec<super::CheckPlan>,
    /// For the next top-level converter: the operation and the result's fields its
    /// arguments give (`fields:`); that converter is the operation's own.
    pub(super) given_top: Option<(String, Vec<String>)>,
    /// Accepted, but worth saying: rules that can never match.
    pub(super) warnings: Vec<Diagnostic>,
    /// Where the auth scheme puts an API key (`query`/`header`, name): a parameter of
    /// the spec there is the credential, already sent.
    pub(super) auth_params: Vec<(String, String)>,
    /// The user's crate beside the port, read for `via:` functions' signatures.
    pub(super) sources: super::via::Sources,
}

impl<'a> Planner<'a> {
    /// One diagnostic per mistake: a `types:` line that every operation building the
    /// type reads, each from its own vendor schema, is one mistake at one place with one
    /// fix, said once (DigitalOcean's `ip_adress` was reported for three schemas).
    pub(super) fn err(&mut self, span: Span, msg: impl Into<String>, help: impl Into<String>) {
        let d = Diagnostic::new(&self.mapping.path, Some(span), msg).help(help);
        // The same words up to the schema they name (`… in DropletsListItemV4`).
        let stem = |m: &str| {
            m.rsplit_once(" in ")
                .map_or(m.to_owned(), |(a, _)| a.to_owned())
        };
        let same = |e: &Diagnostic| {
            e.span == d.span
                && (e.message == d.message
                    || (e.help == d.help && stem(&e.message) == stem(&d.message)))
        };
        if !self.sink.items.iter().any(same) {
            self.sink.push(d);
        }
    }

    pub(super) fn warn(&mut self, span: Span, msg: impl Into<String>, help: impl Into<String>) {
        let d = Diagnostic::new(&self.mapping.path, Some(span), msg).help(help);
        if !self
            .warnings
            .iter()
            .any(|e| e.span == d.span && e.message == d.message)
        {
            self.warnings.push(d);
        }
    }

    pub(super) fn domain(&self, name: &str) -> String {
        format!("{}::{}", self.module, name)
    }

    pub(super) fn plan(&mut self) -> Plan {
        let m = self.mapping;
        // Every port method is mapped, and every mapped method exists.
        for pm in &self.port.methods {
            let unsupported = m.unsupported.iter().any(|u| u.method.value == pm.name);
            if !unsupported && !m.operations.iter().any(|o| o.method.value == pm.name) {
                self.err(
                    m.implements.port.span,
                    format!(
                        "port method '{}' of {} is not mapped",
                        pm.name, self.port.trait_name
                    ),
                    format!(
                        "add `{}: {{ call: <operationId> }}` under `operations:`",
                        pm.name
                    ),
                );
            }
        }
        let auth = self.auth();
        for part in auth.parts() {
            if let AuthPlan::ApiKey { location, name, .. } = part {
                self.auth_params.push((location.clone(), name.clone()));
            }
        }
        let settings = self.settings();
        let headers = self.static_headers(&m.headers, true);
        self.limit_checks();
        self.fallback_marks();
        let mut operations = Vec::new();
        for om in &m.operations {
            if let Some(pm) = self.port_method(&om.method) {
                operations.extend(self.operation(om, pm));
            }
        }
        self.codes_to_match(&operations);
        let mut unsupported = Vec::new();
        for u in &m.unsupported {
            if let Some(pm) = self.port_method(&u.method) {
                unsupported.extend(self.unsupported(u, pm));
            }
        }
        for t in &m.types {
            if !self.port.structs.contains_key(&t.name.value) {
                let help = suggest(&t.name.value, self.port.structs.keys().map(String::as_str));
                self.err(
                    t.name.span,
                    format!("type '{}' is not a struct in the port source", t.name.value),
                    help,
                );
            }
        }
        let webhooks = self.webhooks();
        self.box_cycles();
        let mut plan = Plan {
            adapter: m.adapter.value.clone(),
            port_trait: self.domain(&self.port.trait_name),
            vendor_title: self.spec.api.info.title.clone(),
            spec_file: m.spec.value.clone(),
            spec_sha256: self.spec.sha256.clone(),
            mapping_file: m
                .path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default(),
            mapping_sha256: m.sha256.clone(),
            base_url: m.base_url.value.clone(),
            warnings: std::mem::take(&mut self.warnings),
            auth_declared: auth != AuthPlan::None
                && m.auth.as_ref().is_some_and(|a| a.scheme.is_none()),
            auth,
            settings,
            headers,
            limits: super::limits::limits(&m.limits),
            health: m.health.as_ref().map(HealthPlan::from),
            defaults: super::policies::resolve(&m.defaults, None),
            operations,
            unsupported,
            wire: std::mem::take(&mut self.wire).into_values().collect(),
            converters: std::mem::take(&mut self.converters).into_values().collect(),
            webhooks,
            secret_fields: super::secrets::secret_fields(&self.spec.api),
        };
        super::merge::merge(&mut plan);
        self.via_signatures(&plan);
        plan
    }

    /// The port method a mapping entry names, or a diagnostic with the nearest name.
    pub(super) fn port_method(&mut self, name: &Spanned<String>) -> Option<&'a PortMethod> {
        let port: &'a Port = self.port;
        let found = port.method(&name.value);
        if found.is_none() {
            let help = suggest(&name.value, port.methods.iter().map(|m| m.name.as_str()));
            self.err(
                name.span,
                format!("'{}' is not a method of {}", name.value, port.trait_name),
                help,
            );
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::Fixture;

    #[test]
    fn every_mistake_is_reported_in_one_pass() {
        let errors = Fixture::default()
            .mapping("scheme: bearer", "scheme: bearr")
            .mapping("params: { id: id }", "params: { idd: id }")
            .mapping("      id: id\n", "      id: idd\n")
            .mapping("types:\n", "types:\n  Nothing: { fields: {} }\n")
            .errors();
        let all = errors.join("\n");
        for want in [
            "security scheme 'bearr' is not in the spec",
            "'idd' is not a parameter of getThing",
            "unknown field 'idd' in Thing",
            "type 'Nothing' is not a struct in the port source",
        ] {
            assert!(all.contains(want), "{want:?} not in:\n{all}");
        }
    }

    /// `get` builds `Thing` from its schema and `list` from an inline copy: a mistake on
    /// one of its lines is one diagnostic, not one per vendor schema.
    #[test]
    fn a_mistake_read_by_several_operations_is_said_once() {
        let errors = Fixture::listing("{ type: array, items: { type: object, required: [id, status], properties: { id: { type: string }, status: { type: string }, amount: { type: integer } } } }")
            .mapping("      amount: amount\n", "      amount: amountt\n")
            .errors();
        let about: Vec<&String> = errors.iter().filter(|e| e.contains("amountt")).collect();
        assert_eq!(about.len(), 1, "{errors:?}");
    }
}
