//! The response side of the mapped surface: every vendor field a `types:` entry reads,
//! following nested domain structs (and lists of them) the way the planner does.

use super::surface::{Side, Slot, Values, display_path, walk};
use crate::load::mapping::{Mapping, TypeMap};
use crate::load::port::{DomainStruct, Port, Ty};
use crate::spec::{media, refs};
use serde_json::Value;
use std::collections::BTreeMap;

/// Nested domain types deeper than this are not followed (a cycle in the mapping).
const MAX_NESTING: usize = 8;

/// The JSON schema of one response.
pub(crate) fn schema<'a>(doc: &'a Value, raw_op: &'a Value, status: &str) -> Option<&'a Value> {
    let resp = raw_op.get("responses")?.get(status)?;
    let resp = refs::target(doc, resp);
    let content = resp.get("content")?.as_object()?;
    content
        .iter()
        .find(|(k, _)| media::is_json(k))
        .and_then(|(_, m)| m.get("schema"))
}

pub(crate) struct Ctx<'a> {
    pub doc: &'a Value,
    pub mapping: &'a Mapping,
    pub port: &'a Port,
}

impl Ctx<'_> {
    /// Slots for every field of `tm`, read from `schema` under `prefix`.
    pub(crate) fn slots(
        &self,
        tm: &TypeMap,
        schema: &Value,
        prefix: &[String],
        domain: &str,
        depth: usize,
        out: &mut BTreeMap<String, Slot>,
    ) {
        let fields = match self.port.structs.get(&tm.name.value) {
            Some(DomainStruct::Named(f)) => f.clone(),
            _ => Vec::new(),
        };
        for fm in &tm.fields {
            let domain_field = format!("{domain}.{}", fm.name.value);
            for (i, from) in fm.from.iter().enumerate() {
                let mut path = prefix.to_vec();
                path.extend(crate::load::mapping::split_path(&from.value));
                // `each:` reads a field of every item: that field is what is mapped.
                let span = match &fm.each {
                    Some(each) => {
                        path.push("[]".into());
                        path.extend(crate::load::mapping::split_path(&each.value));
                        each.span
                    }
                    None => from.span,
                };
                let key = format!("response {domain_field}#{i}");
                if out.contains_key(&key) {
                    continue;
                }
                let mapped = fm.values.as_ref().map(|vals| Values {
                    domain_enum: fields
                        .iter()
                        .find(|f| f.name == fm.name.value)
                        .map(|f| type_name(&f.ty))
                        .unwrap_or_default(),
                    arms: vals
                        .iter()
                        .filter(|(w, _)| w.value != "_")
                        .map(|(w, v)| (w.value.clone(), v.value.clone(), w.span))
                        .collect(),
                    catch_all: vals
                        .iter()
                        .find(|(w, _)| w.value == "_")
                        .map(|(w, v)| (v.value.clone(), w.span)),
                });
                out.insert(
                    key,
                    Slot {
                        side: Side::Response,
                        label: format!("response field '{}' ({domain_field})", display_path(&path)),
                        reach: walk(self.doc, schema, &path, &BTreeMap::new()),
                        path,
                        mapped,
                        constant: None,
                        span,
                    },
                );
            }
            // A field that is itself a mapped struct (or a list of them) is read further down.
            if fm.via.is_some() || fm.values.is_some() || fm.from.len() != 1 || depth >= MAX_NESTING
            {
                continue;
            }
            let Some(ty) = fields
                .iter()
                .find(|f| f.name == fm.name.value)
                .map(|f| &f.ty)
            else {
                continue;
            };
            let Some((inner, list)) = nested(ty) else {
                continue;
            };
            let Some(sub) = self.mapping.types.iter().find(|t| t.name.value == inner) else {
                continue;
            };
            let mut path = prefix.to_vec();
            path.extend(crate::load::mapping::split_path(&fm.from[0].value));
            if let Some(each) = &fm.each {
                path.push("[]".into());
                path.extend(crate::load::mapping::split_path(&each.value));
            } else if list {
                path.push("[]".into());
            }
            self.slots(sub, schema, &path, &domain_field, depth + 1, out);
        }
    }
}

/// The domain struct a field holds, and whether through a `Vec`.
fn nested(ty: &Ty) -> Option<(String, bool)> {
    match ty.without_refs() {
        Ty::Option(inner) => nested(inner),
        Ty::Vec(inner) => nested(inner).map(|(n, _)| (n, true)),
        Ty::Named(n) => Some((n.clone(), false)),
        _ => None,
    }
}

fn type_name(ty: &Ty) -> String {
    match ty.without_refs() {
        Ty::Option(inner) | Ty::Vec(inner) => type_name(inner),
        Ty::Named(n) => n.clone(),
        other => other.to_string(),
    }
}
