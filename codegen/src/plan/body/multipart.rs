//! A `multipart/form-data` body: each `request:` entry is one part, a file part where the
//! spec's property is binary (`format: binary`, or `byte`) and a text part otherwise.

use super::planner::Planner;
use super::*;
use crate::error::suggest;
use crate::load::mapping::{OperationMap, ValueSpec};
use crate::load::port::{PortMethod, Ty};
use crate::spec::view::{Kind, SRef, view};
use openapiv3::{SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty};

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq)]
pub struct PartPlan {
    /// The part's name (the spec's property).
    pub name: String,
    /// What it carries.
    pub value: PartValue,
}

/// What a part carries.
#[derive(Debug, Clone, PartialEq)]
pub enum PartValue {
    /// Text: the value, displayed (`Option`: the part is left out when `None`).
    Text(ValuePlan),
    /// A file.
    File {
        /// The bytes: a `Vec<u8>` or `bytes::Bytes` (`Option` when the part may be left out).
        bytes: ValuePlan,
        /// Its file name (default: the part's name).
        file_name: Option<ValuePlan>,
        /// Its content type: the mapping's, else the spec's `encoding.<part>.contentType`,
        /// else `application/octet-stream`.
        content_type: ValuePlan,
    },
}

impl<'a> Planner<'a> {
    pub(in crate::plan) fn multipart_body(
        &mut self,
        om: &OperationMap,
        pm: &PortMethod,
        media: &'a openapiv3::MediaType,
    ) -> Option<BodyPlan> {
        let Some(schema) = &media.schema else {
            self.err(
                om.call.span,
                format!("the multipart body of {} has no schema", om.call.value),
                "fix the spec",
            );
            return None;
        };
        let v = view(self.spec, SRef::Plain(schema)).ok()?;
        let Kind::Object {
            props, required, ..
        } = &v.kind
        else {
            self.err(
                om.call.span,
                format!(
                    "the multipart body of {} is {}, not an object of parts",
                    om.call.value,
                    v.describe()
                ),
                "fix the spec",
            );
            return None;
        };
        let mut parts = Vec::new();
        for (key, spec) in &om.request {
            let Some((_, prop)) = props.iter().find(|(n, _)| *n == key.value) else {
                let help = suggest(&key.value, props.iter().map(|(n, _)| *n));
                self.err(
                    key.span,
                    format!("unknown part '{}' of the multipart body", key.value),
                    help,
                );
                continue;
            };
            let is_required = required.contains(key.value.as_str());
            let what = format!("request.{}", key.value);
            let value = if self.is_binary(*prop) {
                let content_type = media
                    .encoding
                    .get(&key.value)
                    .and_then(|e| e.content_type.clone())
                    .map(|ct| ct.split(',').next().unwrap_or("").trim().to_owned())
                    .filter(|ct| !ct.is_empty() && !ct.contains('*'))
                    .unwrap_or_else(|| "application/octet-stream".to_owned());
                match self.file_part(pm, spec, is_required, &what, content_type) {
                    Some(v) => v,
                    None => continue,
                }
            } else {
                let Ok(pv) = view(self.spec, *prop) else {
                    continue;
                };
                if !matches!(
                    pv.kind,
                    Kind::Str { .. } | Kind::Int { .. } | Kind::Num | Kind::Bool
                ) {
                    self.err(
                        key.span,
                        format!(
                            "{what} is {} in the spec: only text and file parts can be built",
                            pv.describe()
                        ),
                        "map a text or a file part",
                    );
                    continue;
                }
                let Some(v) = self.value(pm, spec, &pv, is_required, &what) else {
                    continue;
                };
                PartValue::Text(v)
            };
            parts.push(PartPlan {
                name: key.value.clone(),
                value,
            });
        }
        for r in required {
            if !om.request.iter().any(|(k, _)| k.value == *r) {
                self.err(
                    om.method.span,
                    format!(
                        "part '{r}' of the multipart body is required by the vendor but not mapped"
                    ),
                    format!("add `{r}: <expression>` under `request:`"),
                );
            }
        }
        Some(BodyPlan {
            encoding: BodyEncoding::Multipart,
            root: BodyNode::Parts(parts),
        })
    }

    /// A file part: the bytes from a `Vec<u8>` or `bytes::Bytes` argument, the file name
    /// and content type from the mapping (a path or a quoted constant).
    fn file_part(
        &mut self,
        pm: &PortMethod,
        spec: &ValueSpec,
        is_required: bool,
        what: &str,
        spec_content_type: String,
    ) -> Option<PartValue> {
        let (from, file_name, content_type) = match spec {
            ValueSpec::Expr {
                from,
                via: None,
                values: None,
            } => (from, None, None),
            ValueSpec::File {
                from,
                file_name,
                content_type,
            } => (from, file_name.as_deref(), content_type.as_deref()),
            _ => {
                self.err(
                    self.mapping.adapter.span,
                    format!("{what} is a file in the spec: map it from bytes with `from:`"),
                    "write `{ from: req.bytes, file_name: req.name, content_type: \"application/pdf\" }`",
                );
                return None;
            }
        };
        let (mut access, ty) = self.expr(pm, from)?;
        let (optional, ty) = match ty {
            Ty::Option(inner) => (true, inner.without_refs().clone()),
            t => (false, t),
        };
        if optional && self.is_newtype(&ty) {
            self.newtype_in_option(from, &ty);
            return None;
        }
        let ty = self.unwrap_newtype(ty, &mut access);
        let bytes_like = match &ty {
            Ty::Vec(inner) => **inner == Ty::Named("u8".into()),
            Ty::Named(n) => n == "Bytes" || n == "bytes::Bytes",
            _ => false,
        };
        if !bytes_like {
            self.err(
                from.span,
                format!("{what} is a file in the spec, but '{}' is {ty}", from.value),
                "map a Vec<u8> or a bytes::Bytes",
            );
            return None;
        }
        if optional && is_required {
            self.err(
                from.span,
                format!(
                    "{what} is required by the vendor, but '{}' is an Option",
                    from.value
                ),
                "map bytes that are always present",
            );
            return None;
        }
        let text =
            |d: &mut Self, v: Option<&ValueSpec>, label: &str| -> Option<Option<ValuePlan>> {
                let Some(v) = v else { return Some(None) };
                let target = crate::spec::view::View {
                    name: None,
                    nullable: false,
                    kind: Kind::Str { values: Vec::new() },
                    integer_text: false,
                };
                d.value(pm, v, &target, true, &format!("{what}.{label}"))
                    .map(Some)
            };
        let file_name = text(self, file_name, "file_name")?;
        let content_type = text(self, content_type, "content_type")?.unwrap_or(ValuePlan::Const(
            serde_json::Value::String(spec_content_type),
        ));
        Some(PartValue::File {
            bytes: ValuePlan::Expr {
                access,
                clone: true,
                optional,
                convert: None,
                via: None,
            },
            file_name,
            content_type,
        })
    }

    /// Whether a property is a file: `type: string` with `format: binary` or `byte`.
    fn is_binary(&self, schema: SRef<'_>) -> bool {
        let resolved = schema.resolve(self.spec);
        matches!(
            resolved.map(|(s, _)| &s.schema_kind),
            Ok(SchemaKind::Type(Type::String(t)))
                if matches!(t.format, VariantOrUnknownOrEmpty::Item(StringFormat::Binary | StringFormat::Byte))
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::fixture::{Fixture, op};

    /// The fixture's create as a multipart upload: a binary `memo`, a text `amount`.
    fn multipart() -> Fixture {
        Fixture::default()
            .spec(
                "          application/json:\n            schema:\n              type: object\n              required: [amount]",
                "          multipart/form-data:\n            schema:\n              type: object\n              required: [amount]",
            )
            .spec("memo: { type: string }", "memo: { type: string, format: binary }")
            .mapping("    idempotency: { header: Idempotency-Key, key: req.order }\n", "")
            .port("pub order: String }", "pub order: String, pub scan: Vec<u8> }")
    }

    #[test]
    fn binary_properties_are_file_parts_and_the_rest_text() {
        let plan = multipart()
            .mapping(
                "memo: req.memo }",
                "memo: { from: req.scan, file_name: req.order, content_type: \"image/png\" } }",
            )
            .plan();
        let body = op(&plan, "create").body.clone().expect("a body");
        assert_eq!(body.encoding, BodyEncoding::Multipart);
        let BodyNode::Parts(parts) = &body.root else {
            panic!("parts: {body:?}");
        };
        let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["amount", "memo"]);
        assert!(matches!(parts[0].value, PartValue::Text(_)));
        assert!(matches!(
            &parts[1].value,
            PartValue::File { content_type: ValuePlan::Const(c), file_name: Some(_), .. } if c == "image/png"
        ));
    }

    #[test]
    fn a_file_part_takes_bytes_and_parts_are_checked_like_fields() {
        multipart()
            .mapping("memo: req.memo }", "memo: req.order }")
            .refused_with("request.memo is a file in the spec, but 'req.order' is String");
        multipart()
            .mapping("memo: req.memo }", "memo: req.scan, note: req.order }")
            .refused_with("unknown part 'note' of the multipart body");
        multipart()
            .mapping("amount: req.amount, memo: req.memo }", "memo: req.scan }")
            .refused_with(
                "part 'amount' of the multipart body is required by the vendor but not mapped",
            );
    }
}
