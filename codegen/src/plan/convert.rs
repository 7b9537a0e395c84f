//! Converters: one function per domain type and wire type, one [`FieldConv`] per domain
//! field, with what happens when a vendor value is absent.

use super::fallback::mark_kind;
use super::planner::Planner;
use super::wire::scalar_wire;
use super::*;
use crate::error::{Span, suggest};
use crate::ident::snake;
use crate::load::mapping::{FieldMap, TypeMap};
use crate::load::port::{DomainStruct, Ty};
use crate::spec::view::{Kind, SRef, View, view};

/// Builds a domain value from a wire value.
#[derive(Debug, Clone, PartialEq)]
pub struct Converter {
    /// The function's name.
    pub name: String,
    /// The domain type, rendered: a struct, or a struct variant of an enum (a webhook
    /// event).
    pub domain_type: String,
    /// The type the function returns: `domain_type`, or the enum of a variant.
    pub returns: String,
    /// The wire type it reads.
    pub wire_type: String,
    /// One per domain field.
    pub fields: Vec<FieldConv>,
    /// Values the call's arguments give (`fields:` of the operation): parameter name
    /// and rendered type, after the wire value (and `op`).
    pub params: Vec<(String, String)>,
}

/// How one domain field is produced.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldConv {
    /// The domain field.
    pub field: String,
    /// The vendor reads and the conversion.
    pub value: ConvValue,
}

/// What to do when an optional vendor value is absent.
#[derive(Debug, Clone, PartialEq)]
pub enum Missing {
    /// The domain field is an `Option`: `None`.
    None,
    /// A contract error.
    Error,
    /// A default, as a Rust expression.
    Default(String),
}

/// How a domain value is made.
#[derive(Debug, Clone, PartialEq)]
pub enum ConvValue {
    /// A degradation mark, at its fresh value (`false` or `None`); the operation sets it
    /// when a fallback answered.
    Fresh(MarkKind),
    /// The converter's parameter of this name: a value of the call's arguments.
    Given(String),
    /// One read, converted.
    Read {
        /// The read.
        read: Read,
        /// The conversion.
        leaf: Leaf,
        /// Absence handling (ignored when the read cannot be absent).
        missing: Missing,
    },
    /// A `via` function over several reads (each passed as it is on the wire, `Option` when absent-able).
    Via {
        /// The function path.
        function: String,
        /// The reads.
        reads: Vec<Read>,
        /// `$.a` of the first read, for messages.
        json_path: String,
        /// Absent values fail the call instead of reaching the function as `None`.
        required: bool,
        /// Where the mapping names the function.
        span: Span,
    },
}

impl<'a> Planner<'a> {
    /// A converter from the wire type of `schema` to domain type `ty`: a domain struct
    /// from an object, or a `Vec` of one from a list, item by item (then `true`).
    ///
    /// `inline_name` names the object's wire type when its schema is inline: a value
    /// read out of an envelope (`unwrap:`) must not take the envelope's name, or the
    /// two inline schemas would become one struct.
    pub(super) fn converter_for(
        &mut self,
        ty: &Ty,
        schema: SRef<'a>,
        what: &str,
        span: Span,
        inline_name: Option<String>,
    ) -> Option<(String, String, bool)> {
        let (tname, list) = match ty.without_refs() {
            Ty::Named(n) => (n, false),
            Ty::Vec(inner) => match inner.without_refs() {
                Ty::Named(n) if self.port.structs.contains_key(n) => (n, true),
                _ => {
                    self.err(span, format!("{what}: the port returns {ty}; a list of a domain struct can be built from a response, not of {inner}"), "return `Vec<YourStruct>`");
                    return None;
                }
            },
            _ => {
                self.err(span, format!("{what}: the port returns {ty}; only a domain struct, or a Vec of one, can be built from a response"), "return a struct of the port, or a Vec of one");
                return None;
            }
        };
        let v = match view(self.spec, schema) {
            Ok(v) => v,
            Err(e) => {
                self.err(span, format!("{what}: {e}"), "fix the spec");
                return None;
            }
        };
        let op = super::response::type_stem(what);
        let (v, schema, base) = match (&v.kind, list) {
            (Kind::Array(Some(item)), true) => {
                let item = *item;
                match view(self.spec, item) {
                    Ok(iv) => (iv, item, format!("{op}Item")),
                    Err(e) => {
                        self.err(span, format!("{what}: {e}"), "fix the spec");
                        return None;
                    }
                }
            }
            (_, true) => {
                self.err(
                    span,
                    format!("{what}: the port returns {ty}, but the vendor's value is {}, not a list", v.describe()),
                    "name the list in the body with `unwrap: <field>` (e.g. `unwrap: data`), or return a struct",
                );
                return None;
            }
            (Kind::Array(_), false) => {
                self.err(
                    span,
                    format!("{what}: the vendor answers a list, but the port returns {ty}"),
                    format!("make the port method return `Vec<{tname}>`"),
                );
                return None;
            }
            (Kind::Str { .. } | Kind::Int { .. } | Kind::Num | Kind::Bool, false) => {
                // Said once here (at `unwrap:` when there is one), not once per field.
                let help = match self.port.structs.get(tname) {
                    Some(DomainStruct::Named(_)) => "point `unwrap:` at the object itself (e.g. `unwrap: data`, not a field inside it)".to_string(),
                    _ => one_value_help(tname),
                };
                self.err(
                    span,
                    format!(
                        "{what}: the vendor's value is {}, not an object to build {tname} from",
                        v.describe()
                    ),
                    help,
                );
                return None;
            }
            _ => (
                v,
                schema,
                inline_name.unwrap_or_else(|| format!("{op}Response")),
            ),
        };
        // A union of objects (Box's entries: a file, a folder or a link) is read as one
        // object with the properties of every variant; its reads merge them too.
        let v = match &v.kind {
            Kind::Union(parts) => crate::spec::view::merged_objects(self.spec, parts).unwrap_or(v),
            _ => v,
        };
        if list && !matches!(v.kind, Kind::Object { .. }) {
            self.err(
                span,
                format!(
                    "{what}: the items of the list are {}, not objects to build {tname} from",
                    v.describe()
                ),
                "map a list of objects; if the vendor sends objects and its spec says otherwise, correct the spec with an overlay (`overlays:` in docs/mapping.md)",
            );
            return None;
        }
        let wire = self.wire_struct(&v, &base, false)?;
        let conv = self.converter(tname, &v, schema, &wire, span)?;
        Some((wire, conv, list))
    }

    pub(super) fn converter(
        &mut self,
        tname: &str,
        v: &View<'a>,
        schema: SRef<'a>,
        wire: &str,
        span: Span,
    ) -> Option<String> {
        // Only the top-level converter of an operation with `fields:` takes arguments; it
        // is that operation's own, since other operations have other arguments.
        let given = self.given_top.take();
        let key = match &given {
            Some((op, _)) => (tname.to_string(), format!("{wire}@{op}")),
            None => (tname.to_string(), wire.to_string()),
        };
        if let Some(n) = self.conv_ids.get(&key) {
            return Some(n.clone());
        }
        let Some(tm) = self.mapping.types.iter().find(|t| t.name.value == tname) else {
            let help = match self.port.structs.get(tname) {
                Some(DomainStruct::Newtype(_)) => one_value_help(tname),
                _ => format!("add `types: {{ {tname}: {{ fields: {{ … }} }} }}`"),
            };
            self.err(
                span,
                format!(
                    "there is no `types: {tname}:` entry to build {tname} from the vendor response"
                ),
                help,
            );
            return None;
        };
        let Some(DomainStruct::Named(fields)) = self.port.structs.get(tname).cloned() else {
            self.err(
                tm.name.span,
                format!("{tname} is not a struct with named fields"),
                "map a struct with named fields",
            );
            return None;
        };
        if let Some(from) = &tm.from {
            if v.name != Some(from.value.as_str()) {
                self.err(
                    from.span,
                    format!(
                        "{tname} is built from {}, not '{}'",
                        v.name.unwrap_or("an inline schema"),
                        from.value
                    ),
                    match v.name {
                        Some(name) => format!("write `from: {name}`"),
                        // `from:` names a component schema; an inline one has no name.
                        None => "remove `from:`: the vendor's value here is an inline schema, with no name to check (`from:` names a schema under components/schemas)".to_string(),
                    },
                );
            }
        }
        let domain = self.domain(tname);
        self.converter_of(
            tname,
            (domain.clone(), domain),
            tm,
            &fields,
            schema,
            wire,
            given,
        )
    }

    /// The converter that builds `domain` (a struct, or a struct variant written
    /// `Enum::Variant` in `tname`) with `fields` as `tm` says, from `wire`. With
    /// `given` (an operation and field names), those fields are the converter's
    /// parameters, taken from that operation's arguments.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn converter_of(
        &mut self,
        tname: &str,
        (domain, returns): (String, String),
        tm: &TypeMap,
        fields: &[crate::load::port::Field],
        schema: SRef<'a>,
        wire: &str,
        given: Option<(String, Vec<String>)>,
    ) -> Option<String> {
        let key = match &given {
            Some((op, _)) => (tname.to_string(), format!("{wire}@{op}")),
            None => (tname.to_string(), wire.to_string()),
        };
        if let Some(n) = self.conv_ids.get(&key) {
            return Some(n.clone());
        }
        // Composed from two names, so neither may keep its own `r#`.
        let mut name = format!(
            "{}_from_{}",
            snake(&tname.replace("::", "_")).trim_start_matches("r#"),
            snake(wire).trim_start_matches("r#")
        );
        if let Some((op, _)) = &given {
            name = format!("{name}_in_{}", snake(op).trim_start_matches("r#"));
        }
        let mut params = Vec::new();
        self.conv_ids.insert(key, name.clone());
        let mut convs = Vec::new();
        for fm in &tm.fields {
            if !fields.iter().any(|f| f.name == fm.name.value) {
                let help = suggest(&fm.name.value, fields.iter().map(|f| f.name.as_str()));
                self.err(
                    fm.name.span,
                    format!("{tname} has no field '{}'", fm.name.value),
                    help,
                );
            }
        }
        for f in fields {
            if let Some((_, names)) = &given {
                if names.contains(&f.name) {
                    let param = format!("given_{}", f.name.trim_start_matches("r#"));
                    params.push((param.clone(), f.ty.render(self.port, &self.module)));
                    convs.push(FieldConv {
                        field: f.name.clone(),
                        value: ConvValue::Given(param),
                    });
                    continue;
                }
            }
            let marked = self.marks.get(tname).and_then(|m| m.get(&f.name)).copied();
            let entry = tm.fields.iter().find(|m| m.name.value == f.name);
            match (entry, marked) {
                (Some(fm), _) if fm.mark => {
                    match mark_kind(&f.ty) {
                        Some(k) => convs.push(FieldConv {
                            field: f.name.clone(),
                            value: ConvValue::Fresh(k),
                        }),
                        None => self.err(
                            fm.name.span,
                            format!(
                                "mark field '{}' of {tname} is {}, which cannot say an answer is degraded",
                                f.name, f.ty
                            ),
                            "make it `bool`, `Option<String>` or `Option<std::time::Duration>`, or map it from a vendor field",
                        ),
                    }
                    continue;
                }
                (Some(fm), Some(_)) => {
                    self.err(
                        fm.name.span,
                        format!(
                            "field '{}' of {tname} is a fallback's mark: the adapter fills it, so it reads no vendor field",
                            f.name
                        ),
                        "remove this line (or write `{ mark: true }`)",
                    );
                    continue;
                }
                (None, Some(k)) => {
                    convs.push(FieldConv {
                        field: f.name.clone(),
                        value: ConvValue::Fresh(k),
                    });
                    continue;
                }
                _ => {}
            }
            let Some(fm) = entry else {
                self.err(
                    tm.name.span,
                    format!("field '{}' of {tname} is not produced", f.name),
                    format!(
                        "add `{}: <vendor field>` under `types: {tname}: fields:`",
                        f.name
                    ),
                );
                continue;
            };
            if let Some(c) = self.field(tm, fm, &f.ty, schema, wire) {
                convs.push(FieldConv {
                    field: f.name.clone(),
                    value: c,
                });
            }
        }
        self.converters.insert(
            name.clone(),
            Converter {
                name: name.clone(),
                domain_type: domain,
                returns,
                wire_type: wire.to_string(),
                fields: convs,
                params,
            },
        );
        Some(name)
    }

    /// `required: true` on a field the spec says may be absent overrides the spec, so it
    /// must say why (`reason:`); the docs describe it as an override.
    fn required_override(&mut self, tm: &TypeMap, fm: &FieldMap) -> bool {
        if !fm.required || fm.reason.is_some() {
            return true;
        }
        let what = format!("{}.{}", tm.name.value, fm.name.value);
        let from: Vec<&str> = fm.from.iter().map(|f| f.value.as_str()).collect();
        self.err(
            fm.name.span,
            format!(
                "{what} requires {} although the vendor's spec says it may be absent",
                from.join(", ")
            ),
            "make the domain field an Option, add `default: …`, or keep `required: true` and add `reason: \"…\"` saying why the vendor always sends it",
        );
        false
    }

    pub(super) fn field(
        &mut self,
        tm: &TypeMap,
        fm: &FieldMap,
        ty: &Ty,
        schema: SRef<'a>,
        wire: &str,
    ) -> Option<ConvValue> {
        if fm.required && fm.default.is_some() {
            // One says an absent value fails the call, the other what it becomes.
            self.err(
                fm.name.span,
                format!(
                    "{}.{} has both `required: true` and `default:`, which say opposite things about an absent value",
                    tm.name.value, fm.name.value
                ),
                "keep `required: true` (an absent value is a contract error) or `default:` (an absent value becomes it)",
            );
            return None;
        }
        if let (Some(_), Some(each)) = (&fm.via, &fm.each) {
            self.err(
                each.span,
                format!(
                    "'{}' has both `each:` and `via:`; the function gets the whole list",
                    fm.name.value
                ),
                "keep `each:` to read one field of every item, or `via:` to convert the list yourself",
            );
            return None;
        }
        if let Some(via) = &fm.via {
            if !self.check_path(via) {
                return None;
            }
            if let Some(d) = &fm.default {
                // Silently dropped, it surfaced as a rustc error in generated code.
                self.err(
                    d.span,
                    format!(
                        "`default:` does not apply to '{}', which `via:` computes",
                        fm.name.value
                    ),
                    "remove `default:` and handle the absence in the function (a value the vendor may leave out reaches it as an Option), or add `required: true, reason: \"…\"` to fail the call when it is absent",
                );
                return None;
            }
            let mut reads = Vec::new();
            for p in &fm.from {
                let (read, leaf_view, _) = self.read(schema, &p.value, p.span, false, wire)?;
                let wt = match &leaf_view.kind {
                    Kind::Array(Some(item)) => WireTy::Vec(Box::new(
                        view(self.spec, *item)
                            .map(|v| scalar_wire(&v.kind))
                            .unwrap_or(WireTy::Json),
                    )),
                    k => scalar_wire(k),
                };
                self.set_leaf_ty(&read, wire, wt);
                reads.push(read);
            }
            let json_path = reads
                .first()
                .map(|r| r.json_path.clone())
                .unwrap_or_default();
            let absent = reads.iter().any(Read::may_be_absent);
            if absent && !self.required_override(tm, fm) {
                return None;
            }
            return Some(ConvValue::Via {
                span: via.span,
                function: via.value.clone(),
                reads,
                json_path,
                required: fm.required,
            });
        }
        if fm.from.len() != 1 {
            self.err(
                fm.name.span,
                format!(
                    "field '{}' reads {} vendor fields but has no `via:` to combine them",
                    fm.name.value,
                    fm.from.len()
                ),
                "add `via: path::to::function`",
            );
            return None;
        }
        let p = &fm.from[0];
        let (domain_optional, inner_ty) = match ty.without_refs() {
            Ty::Option(inner) => (true, inner.without_refs().clone()),
            t => (false, t.clone()),
        };
        // A domain field that takes the value's absence reads it tolerantly: a vendor
        // that leaves out `user.login` gives `None` (or the default), not a failed call.
        let absent_ok = domain_optional || fm.default.is_some();
        let (read, leaf_view, leaf_ref) =
            self.read_with(schema, &p.value, p.span, false, absent_ok, wire)?;
        let what = format!("{}.{}", tm.name.value, fm.name.value);
        let (leaf, wt) = match &fm.each {
            Some(each) => self.pluck(&inner_ty, &leaf_view, each, fm, &what, &read.json_path)?,
            None => self.leaf(&inner_ty, &leaf_view, leaf_ref, fm, &what, wire)?,
        };
        let mut read = read;
        if let WireTy::Named(u) = &wt {
            if let Some(WireType {
                kind:
                    WireKind::Union {
                        variant: (v, WireTy::String),
                    },
                ..
            }) = self.wire.get(u)
            {
                if let Some(last) = read.steps.last_mut() {
                    last.pick = Some((u.clone(), v.clone()));
                }
            }
        }
        self.set_leaf_ty(&read, wire, wt);
        let absent = read.may_be_absent();
        let missing = if domain_optional {
            Missing::None
        } else if let Some(d) = &fm.default {
            match default_expr(&inner_ty, &d.value, &leaf) {
                Some(e) => Missing::Default(e),
                None => {
                    self.err(
                        d.span,
                        format!(
                            "default {} does not fit {what}, which is {inner_ty}",
                            d.value
                        ),
                        "give a value of the domain field's type",
                    );
                    return None;
                }
            }
        } else if !absent {
            Missing::Error
        } else if fm.required {
            if !self.required_override(tm, fm) {
                return None;
            }
            Missing::Error
        } else {
            self.err(
                p.span,
                format!("'{}' may be absent or null in the vendor's response, but {what} is required", p.value),
                "make the domain field an Option, add `default: …`, or add `required: true, reason: \"…\"` (why the vendor always sends it) to fail the call when it is absent",
            );
            return None;
        };
        let leaf = if domain_optional {
            Leaf::Some(Box::new(leaf))
        } else {
            leaf
        };
        Some(ConvValue::Read {
            read,
            leaf,
            missing,
        })
    }
}

pub(super) fn default_expr(ty: &Ty, value: &serde_json::Value, leaf: &Leaf) -> Option<String> {
    if let (Ty::Vec(_), serde_json::Value::Array(items)) = (ty, value) {
        return items.is_empty().then(|| "Vec::new()".to_string());
    }
    let Ty::Named(n) = ty else { return None };
    let lit = match (n.as_str(), value) {
        ("String", serde_json::Value::String(s)) if s.is_empty() => "String::new()".to_string(),
        ("String", serde_json::Value::String(s)) => format!("{s:?}.to_string()"),
        ("bool", serde_json::Value::Bool(b)) => b.to_string(),
        (
            "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "usize",
            serde_json::Value::Number(x),
        ) if x.is_i64() || x.is_u64() => x.to_string(),
        ("f64", serde_json::Value::Number(x)) => format!("{:?}", x.as_f64()?),
        _ => match (leaf, value) {
            // A variant the mapping's `values:` name: a unit one as it is, the catch-all
            // that keeps the vendor's text with an empty one (there was none).
            (
                Leaf::Enum {
                    domain_enum,
                    arms,
                    catch_all,
                    ..
                },
                serde_json::Value::String(variant),
            ) => match catch_all {
                Some((c, true)) if c == variant => {
                    format!("{domain_enum}::{variant}(String::new())")
                }
                Some((c, false)) if c == variant => format!("{domain_enum}::{variant}"),
                _ if arms.iter().any(|(_, v)| v == variant) => format!("{domain_enum}::{variant}"),
                _ => return None,
            },
            // A newtype of a string (`PaymentId`): the string, wrapped.
            (Leaf::Newtype(newtype, _), serde_json::Value::String(s)) if s.is_empty() => {
                format!("{newtype}(String::new())")
            }
            (Leaf::Newtype(newtype, _), serde_json::Value::String(s)) => {
                format!("{newtype}({s:?}.to_string())")
            }
            _ => return None,
        },
    };
    Some(lit)
}

/// The way to return one value of the answer (DigitalOcean's create giving back only
/// the new `ServerId`): a response is built into a struct, so the value goes in one.
fn one_value_help(tname: &str) -> String {
    format!(
        "a method returns a struct built from the answer, not one value of it: return a struct holding it (`pub struct Created {{ pub id: {tname} }}`) with `types: {{ Created: {{ fields: {{ id: <path> }} }} }}` (`droplet.id`)"
    )
}

#[cfg(test)]
mod tests {
    use super::super::fixture::Fixture;
    use super::*;

    fn field(plan: &Plan, name: &str) -> ConvValue {
        plan.converters[0]
            .fields
            .iter()
            .find(|f| f.field == name)
            .map(|f| f.value.clone())
            .unwrap_or_else(|| panic!("no field {name}"))
    }

    /// Postmark's user wrote `default: Other` where `Other(String)` is the catch-all:
    /// it builds with an empty text; a variant `values:` never names is refused.
    #[test]
    fn a_default_variant_is_built_as_values_declares_it() {
        let with_default = |d: &str| {
            Fixture::default().mapping(
                "status: { from: status, values: { active: Active, gone: Gone, _: Unknown } }",
                &format!("status: {{ from: status, default: {d}, values: {{ active: Active, gone: Gone, _: Unknown }} }}"),
            )
        };
        let plan = with_default("Unknown").plan();
        match field(&plan, "status") {
            ConvValue::Read { missing, .. } => assert_eq!(
                missing,
                Missing::Default("crate::domain::Status::Unknown(String::new())".into())
            ),
            other => panic!("{other:?}"),
        }
        let plan = with_default("Gone").plan();
        assert!(matches!(
            field(&plan, "status"),
            ConvValue::Read { missing: Missing::Default(d), .. } if d == "crate::domain::Status::Gone"
        ));
        with_default("Paused").refused_with("default \"Paused\" does not fit");
    }

    #[test]
    fn one_converter_per_domain_type_with_absence_handled_per_field() {
        let plan = Fixture::default().plan();
        assert_eq!(plan.converters.len(), 1);
        let c = &plan.converters[0];
        assert_eq!(
            (
                c.name.as_str(),
                c.domain_type.as_str(),
                c.wire_type.as_str()
            ),
            ("thing_from_thing", "crate::domain::Thing", "Thing")
        );
        assert!(matches!(
            field(&plan, "id"),
            ConvValue::Read {
                leaf: Leaf::Same,
                missing: Missing::Error,
                ..
            }
        ));
        assert!(matches!(
            field(&plan, "amount"),
            ConvValue::Read {
                leaf: Leaf::Some(_),
                missing: Missing::None,
                ..
            }
        ));
    }

    #[test]
    fn a_default_beside_via_is_refused_not_dropped() {
        Fixture::default()
            .port("pub amount: Option<i64> }", "pub amount: i64 }")
            .mapping(
                "      amount: amount\n",
                "      amount: { from: amount, via: crate::convert::cents, default: 0 }\n",
            )
            .refused_with("`default:` does not apply to 'amount', which `via:` computes");
    }

    /// DigitalOcean's create answering the droplet, for a port returning only its
    /// `ServerId`: both ways there (no `types:` entry, `unwrap:` to the id) say how to
    /// return the one value, inside a struct.
    #[test]
    fn a_method_returning_one_value_is_told_to_wrap_it() {
        let newtype = Fixture::default()
            .port(
                "async fn create(&self, req: NewThing) -> Result<Thing, ThingError>;",
                "async fn create(&self, req: NewThing) -> Result<ThingId, ThingError>;",
            )
            .port(
                "pub enum Status",
                "pub struct ThingId(pub String);\npub enum Status",
            );
        newtype
            .clone()
            .helped_with("return a struct holding it (`pub struct Created { pub id: ThingId }`)");
        newtype
            .mapping(
                "    request: { amount: req.amount, memo: req.memo }\n",
                "    request: { amount: req.amount, memo: req.memo }\n    unwrap: id\n",
            )
            .helped_with("return a struct holding it");
    }

    #[test]
    fn an_absent_vendor_value_needs_an_option_a_default_or_required() {
        let strict = Fixture::default().port("pub amount: Option<i64> }", "pub amount: i64 }");
        strict.clone().refused_with(
            "'amount' may be absent or null in the vendor's response, but Thing.amount is required",
        );
        // The help writes the override whole: `required: true` alone is refused.
        strict
            .clone()
            .helped_with("add `required: true, reason: \"…\"`");
        let plan = strict
            .clone()
            .mapping(
                "      amount: amount\n",
                "      amount: { from: amount, default: 0 }\n",
            )
            .plan();
        assert!(matches!(
            field(&plan, "amount"),
            ConvValue::Read { missing: Missing::Default(d), .. } if d == "0"
        ));
        let plan = strict
            .mapping(
                "      amount: amount\n",
                "      amount: { from: amount, required: true, reason: \"always sent\" }\n",
            )
            .plan();
        assert!(matches!(
            field(&plan, "amount"),
            ConvValue::Read {
                missing: Missing::Error,
                ..
            }
        ));
    }

    #[test]
    fn fields_are_all_produced_and_combined_with_via() {
        Fixture::default()
            .mapping("      amount: amount\n", "")
            .refused_with("field 'amount' of Thing is not produced");
        Fixture::default()
            .mapping(
                "      amount: amount\n",
                "      amount: amount\n      colour: id\n",
            )
            .refused_with("Thing has no field 'colour'");
        Fixture::default()
            .mapping(
                "      amount: amount\n",
                "      amount: { from: [amount, id] }\n",
            )
            .refused_with("field 'amount' reads 2 vendor fields but has no `via:` to combine them");
        let plan = Fixture::default()
            .mapping(
                "      amount: amount\n",
                "      amount: { from: [amount, id], via: crate::convert::amount }\n",
            )
            .plan();
        assert!(matches!(
            field(&plan, "amount"),
            ConvValue::Via { function, reads, .. } if function == "crate::convert::amount" && reads.len() == 2
        ));
    }

    #[test]
    fn required_over_an_optional_vendor_field_needs_a_reason() {
        let fixture = Fixture::default()
            .port("pub amount: Option<i64> }", "pub amount: i64 }")
            .mapping(
                "      amount: amount\n",
                "      amount: { from: amount, required: true }\n",
            );
        fixture.refused_with(
            "Thing.amount requires amount although the vendor's spec says it may be absent",
        );
        fixture
            .clone()
            .mapping(
                "required: true }",
                "required: true, reason: \"set on every Thing the vendor returns\" }",
            )
            .plan();
        // Gitea trial: both on one field said opposite things, silently.
        fixture
            .mapping(
                "required: true }",
                "required: true, reason: \"x\", default: 0 }",
            )
            .refused_with(
                "Thing.amount has both `required: true` and `default:`, which say opposite things",
            );
    }
}
