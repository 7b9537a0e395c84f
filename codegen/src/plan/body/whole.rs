//! `body:` maps the whole body from one value: bytes or text for files, texts and XML,
//! or a JSON body that is not an object (a list, a scalar).

use super::planner::Planner;
use super::*;
use crate::error::Span;
use crate::ident::camel;
use crate::load::mapping::{OperationMap, ValueSpec};
use crate::load::port::{PortMethod, Ty};
use crate::spec::media;
use crate::spec::view::{SRef, view};

impl<'a> Planner<'a> {
    /// `body: req.file`: the whole body from bytes or text, for files, texts and XML.
    pub(in crate::plan) fn raw_body(
        &mut self,
        om: &OperationMap,
        pm: &PortMethod,
        rb: &'a openapiv3::RequestBody,
        raw: &ValueSpec,
    ) -> Option<BodyPlan> {
        let span = match raw {
            ValueSpec::Expr { from, .. } | ValueSpec::Each { from, .. } => from.span,
            ValueSpec::Const(c) => c.span,
            ValueSpec::Setting(s) => s.span,
            ValueSpec::Credential(span) => *span,
            ValueSpec::File { from, .. } => from.span,
        };
        if let Some((k, _)) = om.request.first() {
            self.err(
                k.span,
                "an operation maps either `request:` fields or the whole `body:`, not both",
                "keep one of them",
            );
            return None;
        }
        // Bytes or text go as they are, in the declared media type that is not JSON, a
        // form or multipart; a structured value (a list, a struct, a number) as JSON when
        // the spec offers it. Else the first declared type.
        let raw_first = self.is_bytes_or_text(pm, raw);
        let sent_as_is =
            |k: &&String| !media::is_json(k) && !media::is_form(k) && !media::is_multipart(k);
        let json = |k: &&String| media::is_json(k);
        let preferred = if raw_first {
            rb.content
                .keys()
                .find(sent_as_is)
                .or_else(|| rb.content.keys().find(json))
        } else {
            rb.content
                .keys()
                .find(json)
                .or_else(|| rb.content.keys().find(sent_as_is))
        };
        let Some(content_type) = preferred.or_else(|| rb.content.keys().next()).cloned() else {
            self.err(
                span,
                format!("{} declares no media type for its body", om.call.value),
                "fix the spec",
            );
            return None;
        };
        if media::is_json(&content_type) {
            return self.json_root_body(om, pm, rb, &content_type, raw, span);
        }
        if media::is_multipart(&content_type) {
            self.err(
                span,
                format!(
                    "{} sends {content_type}, which is built part by part, not from one `body:` value",
                    om.call.value
                ),
                "map each part under `request:` (a file part from Vec<u8> or Bytes, text parts from fields)",
            );
            return None;
        }
        let value = match raw {
            ValueSpec::Expr {
                values: Some(_),
                from,
                ..
            } => {
                self.err(
                    from.span,
                    "the body is sent as it is, so `values:` (a domain enum's wire values) does not apply",
                    "map a Vec<u8> or a String, or map the enum into a field under `request:`",
                );
                return None;
            }
            ValueSpec::Expr {
                from,
                via: None,
                values: None,
            } => {
                let (mut access, ty) = self.expr(pm, from)?;
                let ty = self.unwrap_newtype(ty, &mut access);
                let fits = match &ty {
                    Ty::Named(n) => matches!(n.as_str(), "String" | "str"),
                    Ty::Vec(inner) => **inner == Ty::Named("u8".into()),
                    _ => false,
                };
                if !fits {
                    self.err(
                        from.span,
                        format!("the body is sent as it is, so it must be bytes or text, but '{}' is {ty}", from.value),
                        "map a Vec<u8> or a String (or convert with `via:`)",
                    );
                    return None;
                }
                ValuePlan::Expr {
                    access,
                    clone: true,
                    optional: false,
                    convert: None,
                    via: None,
                }
            }
            ValueSpec::Expr {
                from,
                via: Some(via),
                values: None,
            } => {
                if !self.check_path(via) {
                    return None;
                }
                let (access, _) = self.expr(pm, from)?;
                ValuePlan::Expr {
                    access,
                    clone: false,
                    optional: false,
                    convert: None,
                    via: Some(via.value.clone()),
                }
            }
            ValueSpec::Const(c) => match &c.value {
                serde_json::Value::String(_) => ValuePlan::Const(c.value.clone()),
                _ => {
                    self.err(
                        c.span,
                        "a constant body must be a text",
                        "write the body as a string",
                    );
                    return None;
                }
            },
            ValueSpec::File { from, .. } => {
                self.err(
                    from.span,
                    "`file_name` and `content_type` describe a part of a multipart body, not a whole body",
                    "map the file under `request:` of a multipart/form-data operation",
                );
                return None;
            }
            ValueSpec::Credential(span) => {
                self.err(
                    *span,
                    "the whole body cannot be the credential",
                    "map a Vec<u8> or a String",
                );
                return None;
            }
            ValueSpec::Setting(s) => {
                self.err(
                    s.span,
                    "the whole body cannot come from a setting",
                    "map a Vec<u8> or a String",
                );
                return None;
            }
            ValueSpec::Each { from, .. } => {
                self.err(
                    from.span,
                    "the whole body cannot be built with `each:`",
                    "map a Vec<u8> or a String",
                );
                return None;
            }
        };
        Some(BodyPlan {
            encoding: BodyEncoding::Raw(content_type),
            root: BodyNode::Leaf(value),
        })
    }

    /// `body:` for a JSON body that is not an object: a list (`each:` for objects) or a scalar.
    pub(in crate::plan) fn json_root_body(
        &mut self,
        om: &OperationMap,
        pm: &PortMethod,
        rb: &'a openapiv3::RequestBody,
        content_type: &str,
        raw: &ValueSpec,
        span: Span,
    ) -> Option<BodyPlan> {
        let Some(schema) = rb.content.get(content_type).and_then(|m| m.schema.as_ref()) else {
            self.err(
                span,
                format!("the {content_type} body of {} has no schema", om.call.value),
                "fix the spec",
            );
            return None;
        };
        let target = match view(self.spec, SRef::Plain(schema)) {
            Ok(v) => v,
            Err(e) => {
                self.err(
                    span,
                    format!("the request body of {}: {e}", om.call.value),
                    "fix the spec",
                );
                return None;
            }
        };
        let root = match raw {
            ValueSpec::Each { from, each } => {
                let name = format!("{}Request", camel(&om.call.value));
                self.list(
                    pm,
                    from,
                    each,
                    &target,
                    SRef::Plain(schema),
                    true,
                    &name,
                    "request",
                )?
                .0
            }
            other => BodyNode::Leaf(self.value(pm, other, &target, true, "the request body")?),
        };
        Some(BodyPlan {
            encoding: BodyEncoding::Json,
            root,
        })
    }
}

impl Planner<'_> {
    /// Whether the whole body's value is bytes or text (or goes through `via:`), looked
    /// up without reporting: the value itself is checked, and its mistakes reported,
    /// once the media type is chosen.
    fn is_bytes_or_text(&mut self, pm: &PortMethod, raw: &ValueSpec) -> bool {
        let ValueSpec::Expr {
            from, via: None, ..
        } = raw
        else {
            return !matches!(raw, ValueSpec::Each { .. });
        };
        let (reported, used) = (self.sink.items.len(), self.used_args.clone());
        let found = self.expr(pm, from);
        self.sink.items.truncate(reported);
        self.used_args = used;
        let Some((mut access, ty)) = found else {
            return true;
        };
        match self.unwrap_newtype(ty, &mut access) {
            Ty::Named(n) => matches!(n.as_str(), "String" | "str"),
            Ty::Vec(inner) => *inner == Ty::Named("u8".into()),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::plan::fixture::{Fixture, op};
    use crate::plan::{BodyEncoding, BodyNode, ValuePlan};

    fn with_media(media: &str) -> Fixture {
        Fixture::default()
            .spec(
                "          application/json:\n            schema:\n              type: object\n              required: [amount]",
                &format!("          {media}:\n            schema:\n              type: string\n          application/json:\n            schema:\n              type: object\n              required: [amount]"),
            )
            .mapping("    request: { amount: req.amount, memo: req.memo }\n", "    body: req.order\n")
    }

    #[test]
    fn the_whole_body_from_text_with_its_media_type() {
        let plan = with_media("text/plain").plan();
        let body = op(&plan, "create").body.clone().expect("body");
        assert_eq!(body.encoding, BodyEncoding::Raw("text/plain".into()));
        assert!(matches!(
            body.root,
            BodyNode::Leaf(ValuePlan::Expr { clone: true, .. })
        ));
    }

    #[test]
    fn multipart_and_mixed_mappings_are_refused() {
        Fixture::default()
            .spec(
                "          application/json:\n            schema:\n              type: object\n              required: [amount]",
                "          multipart/form-data:\n            schema:\n              type: object\n              required: [amount]",
            )
            .mapping("    request: { amount: req.amount, memo: req.memo }\n", "    body: req.order\n")
            .refused_with(
                "createThing sends multipart/form-data, which is built part by part, not from one `body:` value",
            );
        // A structured value goes as JSON when the spec offers it beside a raw type.
        with_media("application/xml")
            .mapping("    body: req.order\n", "    body: req.amount\n")
            .refused_with("the request body is an object in the spec, but 'req.amount' is");
        // Offered as JSON too, the whole body is sent as JSON (here refused for its type).
        with_media("multipart/form-data")
            .refused_with("the request body is an object in the spec, but 'req.order' is String");
        with_media("text/plain")
            .mapping(
                "    body: req.order\n",
                "    body: req.order\n    request: { amount: req.amount }\n",
            )
            .refused_with(
                "an operation maps either `request:` fields or the whole `body:`, not both",
            );
        Fixture::default()
            .spec(
                "          application/json:\n            schema:\n              type: object\n              required: [amount]",
                "          text/plain:\n            schema:\n              type: string",
            )
            .mapping("    request: { amount: req.amount, memo: req.memo }\n", "    body: req.amount\n")
            .refused_with(
                "the body is sent as it is, so it must be bytes or text, but 'req.amount' is u32",
            );
    }
}
