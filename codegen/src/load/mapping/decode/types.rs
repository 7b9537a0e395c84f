//! `types:`: how each domain type is built from a vendor schema.

use super::{Decoder, keys};
use crate::load::mapping::model::*;
use crate::load::yaml::{Node, Value};

impl Decoder<'_> {
    pub(super) fn types(&mut self, node: &Node) -> Vec<TypeMap> {
        let mut out = Vec::new();
        for (name, body) in self.entries(node, "types", None) {
            let what = format!("type '{}'", name.value);
            let e = self.entries(body, &what, Some(keys::TYPE));
            let from = e
                .iter()
                .find(|(k, _)| k.value == "from")
                .and_then(|(_, n)| self.string(n, "from"));
            let mut fields = Vec::new();
            if let Some((_, f)) = e.iter().find(|(k, _)| k.value == "fields") {
                for (fname, spec) in self.entries(f, &format!("{what} fields"), None) {
                    if let Some(fm) = self.field(fname, spec) {
                        fields.push(fm);
                    }
                }
            }
            out.push(TypeMap { name, from, fields });
        }
        out
    }

    pub(super) fn field(&mut self, name: Spanned<String>, node: &Node) -> Option<FieldMap> {
        let mut fm = FieldMap {
            name,
            from: Vec::new(),
            via: None,
            values: None,
            each: None,
            default: None,
            required: false,
            reason: None,
            mark: false,
        };
        if let Some(s) = node.as_str() {
            fm.from.push(Spanned::new(s.to_string(), node.span));
            return Some(fm);
        }
        let what = format!("field '{}'", fm.name.value);
        let e = self.entries(node, &what, Some(keys::FIELD));
        for (k, v) in &e {
            match k.value.as_str() {
                "from" => match &v.value {
                    Value::Seq(items) => {
                        fm.from = items
                            .iter()
                            .filter_map(|i| self.string(i, "from"))
                            .collect()
                    }
                    _ => fm.from = self.string(v, "from").into_iter().collect(),
                },
                "via" => fm.via = self.string(v, "via"),
                "each" => fm.each = self.string(v, "each"),
                "values" => fm.values = Some(self.variant_values(v)),
                "default" => fm.default = Some(Spanned::new(v.to_json(), v.span)),
                "mark" => fm.mark = self.boolean(v, "mark").unwrap_or(false),
                "reason" => fm.reason = self.string(v, "reason"),
                _ => fm.required = self.boolean(v, "required").unwrap_or(false),
            }
        }
        if fm.mark {
            if e.len() > 1 {
                self.err(
                    fm.name.span,
                    format!("{what} is a degradation mark, so it reads no vendor field"),
                    "write only `{ mark: true }`",
                );
            }
            return Some(fm);
        }
        if fm.from.is_empty() {
            self.err(
                fm.name.span,
                format!("{what} needs `from:` (the vendor field path)"),
                "write `from: vendor_field`",
            );
            return None;
        }
        Some(fm)
    }

    /// `values:` (vendor value → variant name), on a type's field or a request value.
    pub(super) fn variant_values(
        &mut self,
        node: &Node,
    ) -> Vec<(Spanned<String>, Spanned<String>)> {
        let mut pairs = Vec::new();
        for (wire, variant) in self.entries(node, "values", None) {
            if let Some(variant) = self.string(variant, "a variant name") {
                pairs.push((wire, variant));
            }
        }
        pairs
    }
}
