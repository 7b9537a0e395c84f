//! A response `via:` function's signature, checked against what the generated code
//! passes it, when its source is in the crate beside the port: rustc would otherwise be
//! the one to say that `crate::convert::money` takes a `u32` where the vendor's amount
//! arrives as an `i64`, pointing at generated code instead of the mapping line.
//!
//! The check is deliberately one-sided: a function it cannot find (another crate, a
//! glob `use`, a `#[path]` module, a macro) or a type it cannot read (an alias, a generic) is left to
//! rustc, so it never refuses a mapping that compiles.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::planner::Planner;
use super::*;
use crate::load::mapping::{Spanned, ValueSpec};
use crate::load::port::Ty;

/// The argument types the generated code passes a `via:` function, as Rust text.
fn passed(plan: &Plan, wire: &str, reads: &[Read], required: bool) -> Vec<Option<String>> {
    reads
        .iter()
        .map(|r| {
            let ty = plan.wire_ty_at(wire, &r.steps)?;
            let text = rust_text(&ty)?;
            // As the emitter reads it: through an `Option` when any step may be absent.
            let absent = r
                .steps
                .iter()
                .any(|s| s.pick.is_some() || s.index.is_some())
                || plan.wire_optionals(wire, &r.steps).into_iter().any(|o| o);
            Some(if absent && !required {
                format!("Option<{text}>")
            } else {
                text
            })
        })
        .collect()
}

/// A wire type as the function receives it; `None` for a wire struct of the adapter's
/// own, which no user function can name.
pub(super) fn rust_text(ty: &WireTy) -> Option<String> {
    Some(match ty {
        WireTy::String => "String".into(),
        WireTy::I64 => "i64".into(),
        WireTy::F64 => "f64".into(),
        WireTy::Bool => "bool".into(),
        WireTy::Json => "serde_json::Value".into(),
        WireTy::Vec(inner) => format!("Vec<{}>", rust_text(inner)?),
        _ => return None,
    })
}

/// The type names this check reads; any other (an alias, a generic) is rustc's to judge.
const KNOWN: &[&str] = &[
    "String", "str", "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128",
    "usize", "f32", "f64", "bool", "Value", "Option", "Vec",
];

/// Whether the declared type `declared` certainly differs from `wanted` (both parsed):
/// only where every name on the way is one this check knows.
fn differs(declared: &syn::Type, wanted: &syn::Type) -> bool {
    let (syn::Type::Path(d), syn::Type::Path(w)) = (declared, wanted) else {
        // A reference, tuple, slice or pointer where an owned value is passed never
        // fits; anything else (`impl Into<String>`) is rustc's to judge.
        return matches!(
            declared,
            syn::Type::Reference(_)
                | syn::Type::Tuple(_)
                | syn::Type::Slice(_)
                | syn::Type::Array(_)
                | syn::Type::Ptr(_)
        );
    };
    let (Some(ds), Some(ws)) = (d.path.segments.last(), w.path.segments.last()) else {
        return false;
    };
    let dn = ds.ident.to_string();
    if !KNOWN.contains(&dn.as_str()) || d.qself.is_some() {
        return false;
    }
    if ws.ident != dn {
        return true;
    }
    match (&ds.arguments, &ws.arguments) {
        (syn::PathArguments::AngleBracketed(da), syn::PathArguments::AngleBracketed(wa)) => {
            let types = |a: &syn::AngleBracketedGenericArguments| -> Vec<syn::Type> {
                a.args
                    .iter()
                    .filter_map(|g| match g {
                        syn::GenericArgument::Type(t) => Some(t.clone()),
                        _ => None,
                    })
                    .collect()
            };
            let (dt, wt) = (types(da), types(wa));
            dt.len() != wt.len() || dt.iter().zip(&wt).any(|(d, w)| differs(d, w))
        }
        (syn::PathArguments::None, syn::PathArguments::None) => false,
        _ => true,
    }
}

/// The types of a signature's parameters, in order.
fn parameters(sig: &syn::Signature) -> Vec<&syn::Type> {
    sig.inputs
        .iter()
        .filter_map(|a| match a {
            syn::FnArg::Typed(t) => Some(&*t.ty),
            syn::FnArg::Receiver(_) => None,
        })
        .collect()
}

/// The text of a type as a user reads it (`Option<i64>`, not `Option < i64 >`).
fn shown(ty: &syn::Type) -> String {
    quote::ToTokens::to_token_stream(ty)
        .to_string()
        .replace(" < ", "<")
        .replace(" >", ">")
        .replace("< ", "<")
        .replace(" ,", ",")
        .replace(" :: ", "::")
        .replace(":: ", "::")
        .replace("& ", "&")
}

/// The directory `crate::` names (`src/`), from the port's file (`src/domain.rs`) and
/// its module path (`crate::domain`): up one directory per module segment past the
/// first. `None` when the module is not a `crate::` path.
pub(crate) fn crate_root(port_file: &Path, module: &str) -> Option<PathBuf> {
    let segments: Vec<&str> = module.split("::").collect();
    if segments.first() != Some(&"crate") {
        return None;
    }
    let depth = segments.len() - 1;
    let mut dir = port_file.parent().map(Path::to_path_buf);
    // `src/domain/mod.rs` is one directory deeper than `src/domain.rs`.
    let up = if port_file.file_name().is_some_and(|f| f == "mod.rs") {
        depth
    } else {
        depth.saturating_sub(1)
    };
    for _ in 0..up {
        dir = dir.and_then(|d| d.parent().map(Path::to_path_buf));
    }
    dir
}

/// Where a request `via:` function's value goes (see [`Planner::request_via_returns`]).
#[derive(Clone, Copy)]
pub(super) enum Sent<'w> {
    /// A field of the vendor's body struct, of exactly this Rust type.
    Field(&'w str),
    /// A path, query or header parameter, written with `Display`.
    Displayed,
}

/// The crate's source files, parsed once each, and where the crate's modules start.
pub(super) struct Sources {
    /// The directory `crate::` names (`src/`), found from the port's file and module.
    root: Option<PathBuf>,
    parsed: HashMap<PathBuf, Option<syn::File>>,
}

impl Sources {
    /// The crate root from the port's file (`src/domain.rs`) and its module path
    /// (`crate::domain`): up one directory per module segment past the first.
    pub(super) fn new(port_file: &Path, module: &str) -> Sources {
        Sources {
            root: crate_root(port_file, module),
            parsed: HashMap::new(),
        }
    }

    /// The signature of the function `path` names (`crate::convert::money`): found by
    /// walking the crate's modules from `lib.rs` (a module in its own file, or inline,
    /// `mod convert { … }`), through a `use` that brings it in from elsewhere in the
    /// crate. `None` (left to rustc) for anything else: another crate, a `#[path]`
    /// module, a macro.
    fn signature(&mut self, path: &str) -> Option<syn::Signature> {
        self.resolve(path, 0)
    }

    fn resolve(&mut self, path: &str, depth: usize) -> Option<syn::Signature> {
        // `use` chains that loop (or are absurdly long) are rustc's to report.
        if depth > 8 {
            return None;
        }
        let root = self.root.clone()?;
        let segments: Vec<&str> = path.split("::").collect();
        let (name, modules) = segments.split_last()?;
        let (first, modules) = modules.split_first()?;
        if *first != "crate" {
            return None;
        }
        // Where the walk stands: a parsed file and the inline modules inside it. The
        // crate root's file; an absent or unreadable root still lets a module file be
        // found by its path, as rustc would find it once declared.
        let mut at: Option<(PathBuf, Vec<String>)> = ["lib.rs", "main.rs"]
            .iter()
            .map(|f| root.join(f))
            .find(|f| f.is_file())
            .filter(|f| self.load(f))
            .map(|f| (f, Vec::new()));
        let mut dir = root;
        for module in modules {
            let declared = at
                .as_ref()
                .and_then(|(f, inline)| self.items_at(f, inline))
                .and_then(|items| {
                    items.iter().find_map(|item| match item {
                        syn::Item::Mod(m) if m.ident == module => Some((
                            m.attrs.iter().any(|a| a.path().is_ident("path")),
                            m.content.is_some(),
                        )),
                        _ => None,
                    })
                });
            match (declared, at.as_mut()) {
                (Some((true, _)), _) => return None,
                (Some((false, true)), Some((_, inline))) => inline.push(module.to_string()),
                _ => {
                    let file = [
                        dir.join(format!("{module}.rs")),
                        dir.join(module).join("mod.rs"),
                    ]
                    .into_iter()
                    .find(|c| c.is_file())?;
                    if !self.load(&file) {
                        return None;
                    }
                    at = Some((file, Vec::new()));
                }
            }
            dir = dir.join(module);
        }
        let (file, inline) = at?;
        let items = self.items_at(&file, &inline)?;
        if let Some(sig) = items.iter().find_map(|item| match item {
            syn::Item::Fn(f) if f.sig.ident == name => Some(f.sig.clone()),
            _ => None,
        }) {
            return Some(sig);
        }
        // Brought in by a `use` of this module: follow it within the crate.
        let here: Vec<&str> = std::iter::once("crate")
            .chain(modules.iter().copied())
            .collect();
        let target = items.iter().find_map(|item| match item {
            syn::Item::Use(u) => used_as(&u.tree, &here, &mut Vec::new(), name),
            _ => None,
        })?;
        self.resolve(&target, depth + 1)
    }

    /// Parses `file` once; whether it parsed.
    fn load(&mut self, file: &Path) -> bool {
        self.parsed
            .entry(file.to_path_buf())
            .or_insert_with(|| syn::parse_file(&std::fs::read_to_string(file).ok()?).ok())
            .is_some()
    }

    /// The items of the inline modules `inline` (outermost first) of a loaded file.
    fn items_at(&self, file: &Path, inline: &[String]) -> Option<&[syn::Item]> {
        let mut items = self.parsed.get(file)?.as_ref()?.items.as_slice();
        for module in inline {
            items = items.iter().find_map(|item| match item {
                syn::Item::Mod(m) if m.ident == module => {
                    m.content.as_ref().map(|(_, c)| c.as_slice())
                }
                _ => None,
            })?;
        }
        Some(items)
    }
}

/// The absolute path (`crate::…`) a `use` tree brings in under `name`, read in the
/// module `here`; `None` when it brings in no such name, or one from another crate.
fn used_as(
    tree: &syn::UseTree,
    here: &[&str],
    prefix: &mut Vec<String>,
    name: &str,
) -> Option<String> {
    let absolute = |prefix: &[String], last: &str| -> Option<String> {
        let mut path: Vec<String> = Vec::new();
        for (i, seg) in prefix
            .iter()
            .chain(std::iter::once(&last.to_string()))
            .enumerate()
        {
            match seg.as_str() {
                "crate" if i == 0 => path.push("crate".into()),
                "self" if i == 0 => path.extend(here.iter().map(|s| s.to_string())),
                "super" if i == 0 || path.len() > 1 => {
                    if path.is_empty() {
                        path.extend(here.iter().map(|s| s.to_string()));
                    }
                    path.pop();
                    if path.is_empty() {
                        return None;
                    }
                }
                _ if i == 0 => return None,
                other => path.push(other.to_string()),
            }
        }
        Some(path.join("::"))
    };
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            let found = used_as(&p.tree, here, prefix, name);
            prefix.pop();
            found
        }
        syn::UseTree::Name(n) if n.ident == name => absolute(prefix, name),
        syn::UseTree::Rename(r) if r.rename == name => absolute(prefix, &r.ident.to_string()),
        syn::UseTree::Group(g) => g.items.iter().find_map(|t| used_as(t, here, prefix, name)),
        _ => None,
    }
}

impl Planner<'_> {
    /// Checks a request `via:` (`fn(&T) -> W`): the generated code lends it the value,
    /// `arg`, so it takes one argument, by reference. `wire` is what the slot is sent
    /// as, for the help.
    pub(super) fn request_via_signature(&mut self, via: &Spanned<String>, arg: &Ty, wire: &str) {
        let Some(sig) = self.sources.signature(&via.value) else {
            return;
        };
        let declared = parameters(&sig);
        let expected = format!("fn(&{arg}) -> {wire}` (or `Result<{wire}, E>`)");
        let function = &via.value;
        match declared.as_slice() {
            [one] => {
                let owned = match one {
                    syn::Type::Path(p) => p.path.segments.last().is_some_and(|s| {
                        let n = s.ident.to_string();
                        KNOWN.contains(&n.as_str())
                            || self.port.structs.contains_key(&n)
                            || self.port.enums.contains_key(&n)
                    }),
                    _ => false,
                };
                if owned {
                    self.err(
                        via.span,
                        format!(
                            "{function} takes {} by value, but the generated code lends it the value: &{arg}",
                            shown(one)
                        ),
                        format!("declare it as `{expected}`"),
                    );
                }
            }
            _ => self.err(
                via.span,
                format!(
                    "{function} takes {} arguments, but a request `via:` passes it one, &{arg}",
                    declared.len()
                ),
                format!("declare it as `{expected}`"),
            ),
        }
    }

    /// Checks what a request `via:` in `spec` returns, where the value goes: into a
    /// body field of the vendor's struct (`Sent::Field`, whose type is exactly the
    /// wire's), or into a parameter, which is displayed (`Sent::Displayed`). A JSON
    /// template takes anything `serde_json::Value` converts from, so it is not checked.
    pub(super) fn request_via_returns(&mut self, spec: &ValueSpec, sent: Sent<'_>) {
        let ValueSpec::Expr { via: Some(via), .. } = spec else {
            return;
        };
        let Some(sig) = self.sources.signature(&via.value) else {
            return;
        };
        let function = &via.value;
        let syn::ReturnType::Type(_, ret) = &sig.output else {
            let wanted = match sent {
                Sent::Field(w) => w,
                Sent::Displayed => "String",
            };
            self.err(
                via.span,
                format!("{function} returns nothing, but a request `via:` gives the value to send"),
                format!("return it: `-> {wanted}` (or `-> Result<{wanted}, E>` to refuse some)"),
            );
            return;
        };
        // `Result<W, E>` sends W; anything else is W itself.
        let value = match &**ret {
            syn::Type::Path(p) => p
                .path
                .segments
                .last()
                .filter(|s| s.ident == "Result")
                .and_then(|s| match &s.arguments {
                    syn::PathArguments::AngleBracketed(a) => a.args.first(),
                    _ => None,
                })
                .and_then(|g| match g {
                    syn::GenericArgument::Type(t) => Some(t),
                    _ => None,
                })
                .unwrap_or(ret),
            other => other,
        };
        match sent {
            Sent::Field(wire) => {
                let Ok(wanted) = syn::parse_str::<syn::Type>(wire) else {
                    return;
                };
                if differs(value, &wanted) {
                    self.err(
                        via.span,
                        format!(
                            "{function} returns {}, but the field is sent as {wire}",
                            shown(value)
                        ),
                        format!("return `{wire}` (or `Result<{wire}, E>`, E: Display, to refuse a value before sending)"),
                    );
                }
            }
            Sent::Displayed => {
                // A parameter is written as text: an `Option` or a `Vec` has none.
                let last = match value {
                    syn::Type::Path(p) if p.qself.is_none() => {
                        p.path.segments.last().map(|s| s.ident.to_string())
                    }
                    syn::Type::Tuple(_) => Some("()".to_string()),
                    _ => None,
                };
                if let Some(name) = last.filter(|n| matches!(n.as_str(), "Option" | "Vec" | "()")) {
                    let help = if name == "Option" {
                        "return the value itself; an `Option` argument is left out when it is None, and the function gets the value inside"
                    } else {
                        "return one value that displays as the parameter's text (a String or a number)"
                    };
                    self.err(
                        via.span,
                        format!(
                            "{function} returns {}, which a parameter cannot be written as",
                            shown(value)
                        ),
                        help,
                    );
                }
            }
        }
    }

    /// Checks every response `via:` whose function this crate's sources show.
    pub(super) fn via_signatures(&mut self, plan: &Plan) {
        for c in &plan.converters {
            for f in &c.fields {
                let ConvValue::Via {
                    function,
                    reads,
                    required,
                    span,
                    ..
                } = &f.value
                else {
                    continue;
                };
                let Some(sig) = self.sources.signature(function) else {
                    continue;
                };
                let wanted = passed(plan, &c.wire_type, reads, *required);
                let declared = parameters(&sig);
                let all: Vec<String> = wanted
                    .iter()
                    .map(|w| w.clone().unwrap_or_else(|| "_".into()))
                    .collect();
                let expected = format!("fn({}) -> Result<_, E>", all.join(", "));
                if declared.len() != wanted.len() {
                    self.err(
                        *span,
                        format!(
                            "{function} takes {} argument{}, but '{}' passes it {}",
                            declared.len(),
                            if declared.len() == 1 { "" } else { "s" },
                            f.field,
                            wanted.len()
                        ),
                        format!(
                            "declare it as `{expected}`, one argument per `from:` path, in order"
                        ),
                    );
                    continue;
                }
                for (i, (d, w)) in declared.iter().zip(&wanted).enumerate() {
                    let Some(w) = w else { continue };
                    let Ok(wt) = syn::parse_str::<syn::Type>(w) else {
                        continue;
                    };
                    if differs(d, &wt) {
                        self.err(
                            *span,
                            format!(
                                "{function} takes {} as argument {}, but '{}' passes it {w}",
                                shown(d),
                                i + 1,
                                f.field
                            ),
                            format!("declare it as `{expected}` (an `Option` where the vendor may leave the value out)"),
                        );
                    }
                }
                if let syn::ReturnType::Type(_, ret) = &sig.output {
                    if let syn::Type::Path(p) = &**ret {
                        let last = p.path.segments.last().map(|s| s.ident.to_string());
                        if last.as_deref().is_some_and(|l| KNOWN.contains(&l)) {
                            self.err(
                                *span,
                                format!(
                                    "{function} returns {}, but a `via:` returns a Result",
                                    shown(ret)
                                ),
                                format!("declare it as `{expected}`, with E: Display; an Err is a contract error naming the field"),
                            );
                        }
                    }
                } else {
                    self.err(
                        *span,
                        format!("{function} returns nothing, but a `via:` returns a Result"),
                        format!("declare it as `{expected}`, with E: Display"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::Fixture;
    use super::*;

    /// Plans `fixture` with its mapping and port in a directory of their own, beside
    /// a `convert.rs` holding `convert` (or none).
    fn plan_in(fixture: Fixture, convert: Option<&str>) -> Result<Plan, Vec<String>> {
        let files: Vec<(&str, &str)> = convert.map(|c| ("convert.rs", c)).into_iter().collect();
        plan_beside(fixture, &files)
    }

    /// Plans `fixture` with its mapping and port (`domain.rs`) in a directory of their
    /// own, the crate's `src/`, beside `files` (name, text).
    fn plan_beside(fixture: Fixture, files: &[(&str, &str)]) -> Result<Plan, Vec<String>> {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("portcullis-via-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().expect("in dir")).expect("module dir");
            std::fs::write(path, text).expect("source file");
        }
        let out = fixture
            .build_in(&dir)
            .map_err(|e| e.diagnostics().iter().map(|d| d.message.clone()).collect());
        std::fs::remove_dir_all(&dir).ok();
        out
    }

    /// Plans the fixture with the mapping's `from` text replaced by `to`, beside a
    /// `convert.rs` holding `convert`.
    fn mapped(from: &str, to: &str, convert: &str) -> Result<Plan, Vec<String>> {
        plan_in(Fixture::default().mapping(from, to), Some(convert))
    }

    /// Plans the fixture with `memo` sent through `crate::convert::memo`, which
    /// `convert` defines.
    fn with_memo(convert: &str) -> Result<Plan, Vec<String>> {
        mapped(
            "memo: req.memo }",
            "memo: { from: req.memo, via: crate::convert::memo } }",
            convert,
        )
    }

    /// The function is found where rustc finds it: in an inline module of `lib.rs`, in
    /// `mod.rs`, or brought into the named module by a `use` (plain, renamed, grouped,
    /// through `super`); one the check cannot follow stays rustc's to judge.
    #[test]
    fn a_via_is_found_in_inline_modules_and_through_use() {
        let memo = || {
            Fixture::default().mapping(
                "memo: req.memo }",
                "memo: { from: req.memo, via: crate::convert::memo } }",
            )
        };
        let owned = [
            "crate::convert::memo takes String by value, but the generated code lends it the value: &String",
        ];
        let wrong = "pub fn memo(m: String) -> String { m }";
        let inline = format!("pub mod domain;\npub mod convert {{ {wrong} }}");
        assert_eq!(
            plan_beside(memo(), &[("lib.rs", &inline)]).expect_err("inline"),
            owned
        );
        assert_eq!(
            plan_beside(memo(), &[("convert/mod.rs", wrong)]).expect_err("mod.rs"),
            owned
        );
        let text = format!("pub mod domain;\npub mod convert;\nmod text {{ {wrong} }}");
        for used in [
            "pub use crate::text::memo;",
            "pub use super::text::memo;",
            "pub use crate::text::{memo, memo as other};",
            "pub use crate::text::memo as memo;",
        ] {
            assert_eq!(
                plan_beside(memo(), &[("lib.rs", &text), ("convert.rs", used)]).expect_err(used),
                owned,
                "{used}"
            );
        }
        let renamed = "mod text { pub fn memo_text(m: String) -> String { m } }\npub use self::text::memo_text as memo;";
        assert_eq!(
            plan_beside(memo(), &[("convert.rs", renamed)]).expect_err("renamed"),
            owned
        );
        for unknown in [
            "pub use other_crate::memo;",
            "pub use crate::text::*;",
            "pub use self::memo;",
        ] {
            plan_beside(memo(), &[("lib.rs", &text), ("convert.rs", unknown)])
                .expect("left to rustc");
        }
        let pathed = "pub mod domain;\n#[path = \"elsewhere.rs\"]\npub mod convert;";
        plan_beside(memo(), &[("lib.rs", pathed), ("convert.rs", wrong)])
            .expect("a #[path] module is left to rustc");
    }

    /// A request `via:` is lent the value: an owned parameter is refused, a reference
    /// (even one a deref coercion reaches, `&str` for `&String`) is not.
    #[test]
    fn a_request_via_takes_its_value_by_reference() {
        with_memo("pub fn memo(m: &String) -> String { m.clone() }").expect("plans");
        with_memo("pub fn memo(m: &str) -> Result<String, String> { Ok(m.into()) }")
            .expect("plans");
        with_memo("pub fn memo<T: AsRef<str>>(m: T) -> String { todo!() }")
            .expect("a generic is rustc's to judge");
        assert_eq!(
            with_memo("pub fn memo(m: String) -> String { m }").expect_err("owned"),
            [
                "crate::convert::memo takes String by value, but the generated code lends it the value: &String"
            ]
        );
        assert_eq!(
            with_memo("pub fn memo(m: &String, n: u8) -> String { todo!() }").expect_err("two"),
            ["crate::convert::memo takes 2 arguments, but a request `via:` passes it one, &String"]
        );
    }

    /// What a request `via:` returns is what the body field is sent as, or for a
    /// parameter anything with a text; a type this check cannot read is rustc's.
    #[test]
    fn a_request_via_returns_what_its_slot_sends() {
        with_memo("pub fn memo(m: &str) -> Result<String, String> { Ok(m.into()) }")
            .expect("plans");
        with_memo("pub fn memo(m: &str) -> std::borrow::Cow<'static, str> { todo!() }")
            .expect("a type it cannot read is rustc's to judge");
        assert_eq!(
            with_memo("pub fn memo(m: &str) -> Result<&'static str, String> { todo!() }")
                .expect_err("a str"),
            ["crate::convert::memo returns &'static str, but the field is sent as String"]
        );
        assert_eq!(
            with_memo("pub fn memo(m: &str) { }").expect_err("nothing"),
            ["crate::convert::memo returns nothing, but a request `via:` gives the value to send"]
        );
        let amount = |convert: &str| {
            mapped(
                "request: { amount: req.amount,",
                "request: { amount: { from: req.amount, via: crate::convert::cents },",
                convert,
            )
        };
        amount("pub fn cents(a: &u32) -> i64 { i64::from(*a) }").expect("plans");
        assert_eq!(
            amount("pub fn cents(a: &u32) -> i32 { todo!() }").expect_err("i32"),
            ["crate::convert::cents returns i32, but the field is sent as i64"]
        );
        let id = |convert: &str| {
            mapped(
                "params: { id: id }",
                "params: { id: { from: id, via: crate::convert::id_text } }",
                convert,
            )
        };
        id("pub fn id_text(id: &str) -> u64 { todo!() }").expect("a number has a text");
        assert_eq!(
            id("pub fn id_text(id: &str) -> Option<String> { todo!() }").expect_err("an Option"),
            [
                "crate::convert::id_text returns Option<String>, which a parameter cannot be written as"
            ]
        );
    }

    /// Plans the fixture with `amount` from `[amount, id]` through
    /// `crate::convert::amount`, whose module holds `convert` (or no file at all).
    fn with_convert(convert: Option<&str>) -> Result<Plan, Vec<String>> {
        let fixture = Fixture::default().mapping(
            "      amount: amount\n",
            "      amount: { from: [amount, id], via: crate::convert::amount }\n",
        );
        plan_in(fixture, convert)
    }

    #[test]
    fn a_signature_that_takes_what_is_passed_plans() {
        // `amount` may be absent (an Option), `id` is required.
        with_convert(Some(
            "pub fn amount(a: Option<i64>, id: String) -> Result<Option<i64>, String> { Ok(a) }",
        ))
        .expect("plans");
        // Full paths, a `use`d Value-free signature and an alias are all fine.
        with_convert(Some(
            "pub fn amount(a: std::option::Option<i64>, id: ::std::string::String) -> Result<Option<i64>, String> { Ok(a) }",
        ))
        .expect("plans");
        with_convert(Some(
            "type Cents = i64;\npub fn amount<T>(a: T, id: Id) -> Res { todo!() }",
        ))
        .expect("an alias or a generic is rustc's to judge");
        with_convert(None).expect("no file: rustc's to judge");
        with_convert(Some("pub fn other() {}")).expect("no such function: rustc's to judge");
    }

    #[test]
    fn a_wrong_count_type_or_return_is_named_at_the_via_line() {
        let errors = with_convert(Some(
            "pub fn amount(a: Option<i64>) -> Result<Option<i64>, String> { Ok(a) }",
        ))
        .expect_err("one argument short");
        assert_eq!(
            errors,
            ["crate::convert::amount takes 1 argument, but 'amount' passes it 2"]
        );
        let errors = with_convert(Some(
            "pub fn amount(a: u32, id: &str) -> Result<Option<i64>, String> { todo!() }",
        ))
        .expect_err("wrong types");
        assert_eq!(
            errors,
            [
                "crate::convert::amount takes u32 as argument 1, but 'amount' passes it Option<i64>",
                "crate::convert::amount takes &str as argument 2, but 'amount' passes it String",
            ]
        );
        let errors = with_convert(Some(
            "pub fn amount(a: Option<i64>, id: String) -> Option<i64> { a }",
        ))
        .expect_err("not a Result");
        assert_eq!(
            errors,
            ["crate::convert::amount returns Option<i64>, but a `via:` returns a Result"]
        );
    }
}
