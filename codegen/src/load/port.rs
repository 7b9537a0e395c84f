//! Reading the user's domain port with `syn`.
//!
//! The port is ordinary Rust: a trait whose methods are `async fn` (or return
//! `impl Future<Output = Result<T, E>> + Send`), and the structs and enums it uses, all
//! in one file. We read only their shape: names, fields, variants, argument and return
//! types. The mapping is checked against that shape so a mistake is reported against
//! the mapping, not as a rustc error inside generated code.

use crate::error::{Diagnostic, Error, Span};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;

/// The Rust integer types a port may use, by name.
pub const INTEGERS: [&str; 12] = [
    "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
];

/// A Rust type as the port spells it, reduced to what the mapping can work with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// `()`
    Unit,
    /// A named type without generics: `String`, `i64`, `Payment`.
    Named(String),
    /// `Option<T>`
    Option(Box<Ty>),
    /// `Vec<T>`
    Vec(Box<Ty>),
    /// `&T`
    Ref(Box<Ty>),
    /// Anything else, as written.
    Other(String),
}

impl Ty {
    /// The type with references removed.
    pub fn without_refs(&self) -> &Ty {
        match self {
            Ty::Ref(inner) => inner.without_refs(),
            other => other,
        }
    }

    /// How the type reads in Rust, with domain types qualified by `module`; `Option`
    /// and `Vec` as the prelude names them (generated code uses these types only inside
    /// its own modules, where nothing shadows the prelude).
    pub fn render(&self, port: &Port, module: &str) -> String {
        match self {
            Ty::Unit => "()".to_string(),
            Ty::Named(n) if port.structs.contains_key(n) || port.enums.contains_key(n) => {
                format!("{module}::{n}")
            }
            // A type from outside the crate: as the port file's `use` or its own path
            // names it (the generated module has none of the file's imports).
            Ty::Named(n) => port.paths.get(n).cloned().unwrap_or_else(|| n.clone()),
            Ty::Option(t) => format!("Option<{}>", t.render(port, module)),
            Ty::Vec(t) => format!("Vec<{}>", t.render(port, module)),
            Ty::Ref(t) => format!("&{}", t.render(port, module)),
            Ty::Other(s) => match syn::parse_str::<syn::Type>(s) {
                Ok(mut t) if !port.paths.is_empty() => {
                    let paths = port
                        .paths
                        .iter()
                        .filter_map(|(n, p)| Some((n.clone(), syn::parse_str(p).ok()?)))
                        .collect();
                    syn::visit_mut::VisitMut::visit_type_mut(&mut Qualify(&paths), &mut t);
                    type_text(&t)
                }
                _ => s.clone(),
            },
        }
    }
}

impl std::fmt::Display for Ty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ty::Unit => write!(f, "()"),
            Ty::Named(n) | Ty::Other(n) => write!(f, "{n}"),
            Ty::Option(t) => write!(f, "Option<{t}>"),
            Ty::Vec(t) => write!(f, "Vec<{t}>"),
            Ty::Ref(t) => write!(f, "&{t}"),
        }
    }
}

/// How a port method is declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodStyle {
    /// `async fn m(&self, ..) -> Result<T, E>`
    Async,
    /// `fn m(&self, ..) -> impl Future<Output = Result<T, E>> + Send`
    ImplFuture,
    /// `fn m(&self, ..) -> impl Stream<Item = Result<T, E>> + Send`: a list read page
    /// by page as the caller asks for items. The method's `ok` is `Vec<T>`.
    Stream {
        /// `+ Send` is declared.
        send: bool,
        /// `+ Unpin` is declared.
        unpin: bool,
        /// `+ '_` is declared.
        elided: bool,
    },
}

/// One method of the port.
#[derive(Debug, Clone)]
pub struct PortMethod {
    /// Its name.
    pub name: String,
    /// Arguments after `&self`.
    pub args: Vec<(String, Ty)>,
    /// The `Ok` type.
    pub ok: Ty,
    /// The `Err` type.
    pub err: Ty,
    /// How it is declared.
    pub style: MethodStyle,
    /// Where it is declared.
    pub span: Span,
}

/// A field of a domain struct.
#[derive(Debug, Clone)]
pub struct Field {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Ty,
}

/// A domain struct.
#[derive(Debug, Clone)]
pub enum DomainStruct {
    /// `struct S { a: A, .. }`
    Named(Vec<Field>),
    /// `struct S(T);`
    Newtype(Ty),
    /// Any other shape.
    Other,
}

/// A variant's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VariantShape {
    /// `V`
    Unit,
    /// `V(T, ..)`
    Tuple(Vec<Ty>),
    /// `V { .. }`
    Struct,
}

/// The port file, as far as the mapping needs it.
#[derive(Debug, Clone)]
pub struct Port {
    /// The file.
    pub path: PathBuf,
    /// The trait's name.
    pub trait_name: String,
    /// Its methods, in declaration order.
    pub methods: Vec<PortMethod>,
    /// Structs in the file.
    pub structs: BTreeMap<String, DomainStruct>,
    /// Enums in the file, with their variants in order.
    pub enums: BTreeMap<String, Vec<(String, VariantShape)>>,
    /// The named fields of struct variants, by `Enum::Variant` (webhook events are built
    /// into them).
    pub variant_fields: BTreeMap<String, Vec<Field>>,
    /// Every trait in the file, for "did you mean".
    pub traits: Vec<String>,
    /// Types from outside the crate by the name the file writes: `BTreeMap` →
    /// `std::collections::BTreeMap` (from a `use`), `Uuid` → `uuid::Uuid` (written so).
    pub paths: BTreeMap<String, String>,
}

fn span_of(s: proc_macro2::Span) -> Span {
    let start = s.start();
    Span {
        line: start.line,
        col: start.column + 1,
    }
}

/// Refuses port source that `syn`, which reads by recursion, could not read without
/// overflowing the stack: nested too deep, or a chain of too many tokens with
/// no `,`, `;` or `{…}` between them (`&&&…`, `fn() -> fn() -> …`, `Vec<Vec<…>>`). The
/// lexer of proc-macro2 and this walk use no recursion.
fn check_shape(path: &Path, text: &str) -> Result<(), Error> {
    use crate::load::limits::{MAX_DEPTH, MAX_PORT_RUN};
    use proc_macro2::{Delimiter, TokenStream, TokenTree};
    let refuse = |span: Option<Span>, message: String| {
        Error::one(Diagnostic::new(path, span, message).help(
            "a port is ordinary hand-written Rust: split the item, or name the nested type with a `type` alias",
        ))
    };
    // A lexing error is left to syn, which reports it with its place.
    let Ok(tokens) = text.parse::<TokenStream>() else {
        return Ok(());
    };
    let mut stack = vec![(tokens.into_iter(), 0usize)];
    while let Some((iter, run)) = stack.last_mut() {
        let Some(tree) = iter.next() else {
            stack.pop();
            continue;
        };
        *run += 1;
        match &tree {
            TokenTree::Punct(p) if matches!(p.as_char(), ',' | ';') => *run = 0,
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => *run = 0,
            _ => {}
        }
        if *run > MAX_PORT_RUN {
            return Err(refuse(
                Some(span_of(tree.span())),
                format!(
                    "the port source has more than {MAX_PORT_RUN} tokens in a row without `,`, `;` or a block here"
                ),
            ));
        }
        if let TokenTree::Group(g) = tree {
            if stack.len() >= MAX_DEPTH {
                return Err(refuse(
                    Some(span_of(g.span())),
                    format!("the port source nests brackets deeper than {MAX_DEPTH} levels here"),
                ));
            }
            stack.push((g.stream().into_iter(), 0));
        }
    }
    Ok(())
}

fn named_fields(f: &syn::FieldsNamed) -> Vec<Field> {
    f.named
        .iter()
        .map(|f| Field {
            // `r#type` is the field `type`: names are kept unraw; the emitter re-raws keywords.
            name: f
                .ident
                .as_ref()
                .map(|i| i.unraw().to_string())
                .unwrap_or_default(),
            ty: ty_of(&f.ty),
        })
        .collect()
}

/// Reduces a `syn::Type` to a [`Ty`].
pub fn ty_of(t: &syn::Type) -> Ty {
    match t {
        syn::Type::Tuple(tt) if tt.elems.is_empty() => Ty::Unit,
        syn::Type::Reference(r) => Ty::Ref(Box::new(ty_of(&r.elem))),
        syn::Type::Paren(p) => ty_of(&p.elem),
        syn::Type::Path(p) if p.qself.is_none() => {
            let Some(last) = p.path.segments.last() else {
                return Ty::Other(type_text(t));
            };
            let name = last.ident.to_string();
            match &last.arguments {
                syn::PathArguments::None => Ty::Named(name),
                syn::PathArguments::AngleBracketed(args) if args.args.len() == 1 => {
                    match args.args.first() {
                        Some(syn::GenericArgument::Type(inner)) if name == "Option" => {
                            Ty::Option(Box::new(ty_of(inner)))
                        }
                        Some(syn::GenericArgument::Type(inner)) if name == "Vec" => {
                            Ty::Vec(Box::new(ty_of(inner)))
                        }
                        _ => Ty::Other(type_text(t)),
                    }
                }
                _ => Ty::Other(type_text(t)),
            }
        }
        _ => Ty::Other(type_text(t)),
    }
}

/// A path as a reader writes it: `std::collections::BTreeMap`.
fn path_text(path: syn::Path) -> String {
    type_text(&syn::Type::Path(syn::TypePath { qself: None, path }))
}

/// A type as a reader writes it (`BTreeMap<String, String>`, not the token stream's
/// `BTreeMap < String , String >`): it goes into diagnostics and the report as well as
/// the generated impl.
fn type_text(t: &syn::Type) -> String {
    let file: syn::File = syn::parse_quote!(type T = #t;);
    let text = prettyplease::unparse(&file);
    let text = text.trim();
    match text
        .strip_prefix("type T = ")
        .and_then(|t| t.strip_suffix(';'))
    {
        Some(inner) if !inner.contains('\n') => inner.to_string(),
        _ => quote::quote!(#t).to_string(),
    }
}

/// The names the port file brings in with `use` from outside the crate (the standard
/// library, other crates), by the name the file uses: `BTreeMap` →
/// `std::collections::BTreeMap`. The generated impl lives in another module, without the
/// port file's imports, so the types of the port's methods are written with the path.
/// Imports from the crate itself (`crate::`, `self::`, `super::`) are left alone: they
/// name domain types, found by their last name.
fn imported(file: &syn::File) -> BTreeMap<String, syn::Path> {
    fn walk(
        tree: &syn::UseTree,
        prefix: &mut Vec<syn::Ident>,
        out: &mut BTreeMap<String, syn::Path>,
    ) {
        let path = |prefix: &[syn::Ident], last: &syn::Ident| -> syn::Path {
            let segments = prefix.iter().chain(std::iter::once(last));
            syn::parse_quote!(#(#segments)::*)
        };
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.clone());
                walk(&p.tree, prefix, out);
                prefix.pop();
            }
            syn::UseTree::Name(n) if !prefix.is_empty() && n.ident != "self" => {
                out.insert(n.ident.to_string(), path(prefix, &n.ident));
            }
            syn::UseTree::Rename(r) if !prefix.is_empty() && r.ident != "self" => {
                out.insert(r.rename.to_string(), path(prefix, &r.ident));
            }
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| walk(t, prefix, out)),
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    for item in &file.items {
        if let syn::Item::Use(u) = item {
            let first = match &u.tree {
                syn::UseTree::Path(p) => p.ident.to_string(),
                _ => continue,
            };
            if matches!(first.as_str(), "crate" | "self" | "super") {
                continue;
            }
            walk(&u.tree, &mut Vec::new(), &mut out);
        }
    }
    out
}

/// Writes every type path that starts with an imported name with the import's path.
struct Qualify<'a>(&'a BTreeMap<String, syn::Path>);

/// Collects the type paths the file writes with more than one segment outside the crate
/// (`uuid::Uuid`), by their last name.
struct Written(BTreeMap<String, syn::Path>);

impl syn::visit_mut::VisitMut for Written {
    fn visit_type_path_mut(&mut self, tp: &mut syn::TypePath) {
        syn::visit_mut::visit_type_path_mut(self, tp);
        let segments = &tp.path.segments;
        let in_crate = segments
            .first()
            .is_some_and(|s| matches!(s.ident.to_string().as_str(), "crate" | "self" | "super"));
        if tp.qself.is_some() || segments.len() < 2 || in_crate {
            return;
        }
        if let Some(last) = segments.last() {
            let mut path = tp.path.clone();
            if let Some(l) = path.segments.last_mut() {
                l.arguments = syn::PathArguments::None;
            }
            self.0.entry(last.ident.to_string()).or_insert(path);
        }
    }
}

impl syn::visit_mut::VisitMut for Qualify<'_> {
    fn visit_type_path_mut(&mut self, tp: &mut syn::TypePath) {
        syn::visit_mut::visit_type_path_mut(self, tp);
        if tp.qself.is_some() || tp.path.leading_colon.is_some() {
            return;
        }
        let Some(first) = tp.path.segments.first() else {
            return;
        };
        let Some(full) = self.0.get(&first.ident.to_string()) else {
            return;
        };
        let mut segments = full.segments.clone();
        if let (Some(last), Some(first)) = (segments.last_mut(), tp.path.segments.first()) {
            last.arguments = first.arguments.clone();
        }
        segments.extend(tp.path.segments.iter().skip(1).cloned());
        tp.path.segments = segments;
    }
}

impl Port {
    /// Reads the port file and finds `trait_name` in it.
    pub fn load(path: &Path, trait_name: &str, at: (&Path, Span)) -> Result<Port, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::one(
                Diagnostic::new(
                    at.0,
                    Some(at.1),
                    format!("cannot read the port source {}: {e}", path.display()),
                )
                .help("`implements.source` is relative to the mapping file"),
            )
        })?;
        Port::parse(path, &text, trait_name, at)
    }

    /// Parses port source text.
    pub fn parse(
        path: &Path,
        text: &str,
        trait_name: &str,
        at: (&Path, Span),
    ) -> Result<Port, Error> {
        check_shape(path, text)?;
        let mut file = syn::parse_file(text).map_err(|e| {
            Error::one(
                Diagnostic::new(
                    path,
                    Some(span_of(e.span())),
                    format!("the port source does not parse as Rust: {e}"),
                )
                .help("fix the Rust syntax; the port is read before anything is generated"),
            )
        })?;
        // The generated impl has none of the file's `use` lines: what the file imports
        // from outside the crate, or names by a path, is rendered with that path.
        let mut paths = Written(BTreeMap::new());
        syn::visit_mut::VisitMut::visit_file_mut(&mut paths, &mut file);
        let mut paths = paths.0;
        paths.extend(imported(&file));
        let paths = paths
            .into_iter()
            .map(|(name, path)| (name, path_text(path)))
            .collect();
        let mut port = Port {
            path: path.to_path_buf(),
            trait_name: trait_name.to_string(),
            methods: Vec::new(),
            structs: BTreeMap::new(),
            enums: BTreeMap::new(),
            variant_fields: BTreeMap::new(),
            traits: Vec::new(),
            paths,
        };
        let mut problems = Vec::new();
        let mut found = false;
        for item in &file.items {
            match item {
                syn::Item::Struct(s) => {
                    let shape = match &s.fields {
                        syn::Fields::Named(f) => DomainStruct::Named(named_fields(f)),
                        syn::Fields::Unnamed(f) if f.unnamed.len() == 1 => DomainStruct::Newtype(
                            f.unnamed.first().map(|f| ty_of(&f.ty)).unwrap_or(Ty::Unit),
                        ),
                        _ => DomainStruct::Other,
                    };
                    port.structs.insert(s.ident.to_string(), shape);
                }
                syn::Item::Enum(e) => {
                    let variants = e
                        .variants
                        .iter()
                        .map(|v| {
                            let shape = match &v.fields {
                                syn::Fields::Unit => VariantShape::Unit,
                                syn::Fields::Unnamed(f) => VariantShape::Tuple(
                                    f.unnamed.iter().map(|f| ty_of(&f.ty)).collect(),
                                ),
                                syn::Fields::Named(f) => {
                                    port.variant_fields.insert(
                                        format!("{}::{}", e.ident, v.ident.unraw()),
                                        named_fields(f),
                                    );
                                    VariantShape::Struct
                                }
                            };
                            (v.ident.unraw().to_string(), shape)
                        })
                        .collect();
                    port.enums.insert(e.ident.to_string(), variants);
                }
                syn::Item::Trait(t) => {
                    port.traits.push(t.ident.to_string());
                    if t.ident == trait_name {
                        found = true;
                        for ti in &t.items {
                            if let syn::TraitItem::Fn(f) = ti {
                                match method_of(&f.sig) {
                                    Ok(m) => port.methods.push(m),
                                    Err(msg) => problems.push(
                                        Diagnostic::new(path, Some(span_of(f.sig.span())), msg.0)
                                            .help(msg.1),
                                    ),
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        if !found {
            let help = crate::error::suggest(trait_name, port.traits.iter().map(String::as_str));
            return Err(Error::one(
                Diagnostic::new(
                    at.0,
                    Some(at.1),
                    format!("trait '{trait_name}' is not defined in {}", path.display()),
                )
                .help(help),
            ));
        }
        if problems.is_empty() {
            Ok(port)
        } else {
            Err(Error::Invalid(crate::error::Diagnostics(problems)))
        }
    }

    /// The method called `name`.
    pub fn method(&self, name: &str) -> Option<&PortMethod> {
        self.methods.iter().find(|m| m.name == name)
    }
}

fn method_of(sig: &syn::Signature) -> Result<PortMethod, (String, String)> {
    let name = sig.ident.unraw().to_string();
    let shape_help = format!(
        "declare it as `async fn {name}(&self, ..) -> Result<T, E>` or `fn {name}(&self, ..) -> impl Future<Output = Result<T, E>> + Send`"
    );
    // The adapter implements the method with the argument types the port names; a
    // type it is generic over (`T: Into<String>`) has no wire type to check it against.
    if let Some(param) = sig.generics.params.first() {
        let (what, fix) = match param {
            syn::GenericParam::Type(t) => (
                format!("type parameter {}", t.ident),
                "take a concrete type (`&str`, a domain type) and convert in the caller, or map the argument through `via:`".to_string(),
            ),
            syn::GenericParam::Lifetime(l) => (
                format!("lifetime parameter '{}", l.lifetime.ident),
                "borrow from `&self` with the elided lifetime (`impl Stream<..> + Send + '_`) instead of naming one".to_string(),
            ),
            syn::GenericParam::Const(c) => (
                format!("const parameter {}", c.ident),
                "take the value as an argument".to_string(),
            ),
        };
        return Err((
            format!(
                "port method '{name}' has a {what}: a generated adapter implements only methods that are not generic"
            ),
            fix,
        ));
    }
    let mut inputs = sig.inputs.iter();
    match inputs.next() {
        Some(syn::FnArg::Receiver(r)) if r.reference.is_some() && r.mutability.is_none() => {}
        _ => {
            return Err((
                format!("port method '{name}' must take `&self`"),
                shape_help,
            ));
        }
    }
    let mut args = Vec::new();
    for input in inputs {
        let syn::FnArg::Typed(pt) = input else {
            continue;
        };
        let syn::Pat::Ident(id) = &*pt.pat else {
            return Err((
                format!("an argument of '{name}' is a pattern, not a name"),
                "give each argument a plain name".into(),
            ));
        };
        args.push((id.ident.unraw().to_string(), ty_of(&pt.ty)));
    }
    let (style, output) = match (&sig.asyncness, &sig.output) {
        (Some(_), syn::ReturnType::Type(_, t)) => (MethodStyle::Async, (**t).clone()),
        (None, syn::ReturnType::Type(_, t)) => match impl_output(t, "Future", "Output") {
            Some(o) => (MethodStyle::ImplFuture, o),
            None => match impl_output(t, "Stream", "Item") {
                Some(o) => (stream_style(&name, t)?, o),
                None => {
                    return Err((
                        format!(
                            "port method '{name}' is neither async nor returns `impl Future` or `impl Stream`"
                        ),
                        shape_help,
                    ));
                }
            },
        },
        _ => return Err((format!("port method '{name}' returns nothing"), shape_help)),
    };
    let (ok, err) = result_of(&output).ok_or_else(|| {
        let what = match style {
            MethodStyle::Stream { .. } => "a stream of Result items (`Item = Result<T, E>`)",
            _ => "a Result",
        };
        (
            format!("port method '{name}' must return {what}"),
            shape_help.clone(),
        )
    })?;
    // A stream's items are a list's: planned as `Vec<T>`, emitted as the stream.
    let ok = match style {
        MethodStyle::Stream { .. } => Ty::Vec(Box::new(ok)),
        _ => ok,
    };
    Ok(PortMethod {
        name,
        args,
        ok,
        err,
        style,
        span: span_of(sig.ident.span()),
    })
}

/// The bounds a streamed method may declare besides `Stream`: the generated stream is
/// `Send` and may be pinned in a box to be `Unpin`; it borrows the adapter (`'_`).
fn stream_style(name: &str, t: &syn::Type) -> Result<MethodStyle, (String, String)> {
    let (mut send, mut unpin, mut elided) = (false, false, false);
    let syn::Type::ImplTrait(it) = t else {
        return Err((
            format!("port method '{name}' returns no `impl Stream`"),
            String::new(),
        ));
    };
    for b in &it.bounds {
        match b {
            syn::TypeParamBound::Trait(tb) => {
                let last = tb.path.segments.last().map(|s| s.ident.to_string());
                match last.as_deref() {
                    Some("Stream") => {}
                    Some("Send") => send = true,
                    Some("Unpin") => unpin = true,
                    other => {
                        return Err((
                            format!(
                                "port method '{name}' returns a stream that must also be `{}`, which a generated list cannot promise",
                                other.unwrap_or("?")
                            ),
                            "declare `impl Stream<Item = Result<T, E>>` with any of `+ Send`, `+ Unpin`, `+ '_`".into(),
                        ));
                    }
                }
            }
            syn::TypeParamBound::Lifetime(l) if l.ident == "_" => elided = true,
            other => {
                return Err((
                    format!(
                        "port method '{name}' returns a stream bound by `{}`",
                        quote::quote!(#other)
                    ),
                    "a generated stream borrows only the adapter: write `+ '_`, or no lifetime"
                        .into(),
                ));
            }
        }
    }
    Ok(MethodStyle::Stream {
        send,
        unpin,
        elided,
    })
}

/// The type `assoc` of the `trait_name` bound of an `impl Trait` type
/// (`impl Future<Output = T>` gives `T`).
fn impl_output(t: &syn::Type, trait_name: &str, assoc: &str) -> Option<syn::Type> {
    let syn::Type::ImplTrait(it) = t else {
        return None;
    };
    for b in &it.bounds {
        let syn::TypeParamBound::Trait(tb) = b else {
            continue;
        };
        let last = tb.path.segments.last()?;
        if last.ident != trait_name {
            continue;
        }
        let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
            continue;
        };
        for a in &args.args {
            if let syn::GenericArgument::AssocType(at) = a {
                if at.ident == assoc {
                    return Some(at.ty.clone());
                }
            }
        }
    }
    None
}

fn result_of(t: &syn::Type) -> Option<(Ty, Ty)> {
    let syn::Type::Path(p) = t else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(ty_of(t)),
        _ => None,
    });
    Some((types.next()?, types.next()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = r#"
        use std::future::Future;
        pub struct PaymentId(pub String);
        pub struct Payment { pub id: PaymentId, pub note: Option<String>, pub tags: Vec<String> }
        pub enum PaymentStatus { Paid, Unknown(String), Weird { x: u8 } }
        pub enum PaymentError { Declined, Upstream(String) }
        pub trait PaymentGateway: Send + Sync {
            fn get_payment(&self, id: &PaymentId) -> impl Future<Output = Result<Payment, PaymentError>> + Send;
            async fn cancel(&self, id: PaymentId) -> Result<(), PaymentError>;
        }
    "#;

    fn at() -> (&'static Path, Span) {
        (Path::new("m.yaml"), Span { line: 1, col: 1 })
    }

    /// Hetzner's user took `BTreeMap` into scope with `use`: the generated impl has no
    /// such line, so the types of the port are written with their path (and as a reader
    /// writes them, for diagnostics and the report).
    #[test]
    fn imported_types_are_written_with_their_path() {
        let src = r#"
            use std::collections::{BTreeMap, HashSet as Set};
            use crate::ids::Other;
            pub struct Labels(pub BTreeMap<String, String>);
            pub enum E { Failed(String) }
            pub trait Servers {
                async fn set(&self, labels: BTreeMap<String, String>, tags: Set<String>, id: uuid::Uuid, other: Other) -> Result<(), E>;
            }
        "#;
        let port = Port::parse(Path::new("d.rs"), src, "Servers", at()).expect("parses");
        let types: Vec<String> = port.methods[0]
            .args
            .iter()
            .map(|(_, t)| t.render(&port, "crate::domain"))
            .collect();
        assert_eq!(
            types,
            [
                "std::collections::BTreeMap<String, String>",
                "std::collections::HashSet<String>",
                "uuid::Uuid",
                "Other",
            ]
        );
    }

    #[test]
    fn reads_trait_structs_and_enums() {
        let p = Port::parse(Path::new("domain.rs"), SRC, "PaymentGateway", at()).expect("parses");
        assert_eq!(p.methods.len(), 2);
        let get = p.method("get_payment").expect("get");
        assert_eq!(get.style, MethodStyle::ImplFuture);
        assert_eq!(
            get.args[0].1,
            Ty::Ref(Box::new(Ty::Named("PaymentId".into())))
        );
        assert_eq!(get.ok, Ty::Named("Payment".into()));
        assert_eq!(p.method("cancel").map(|m| m.ok.clone()), Some(Ty::Unit));
        assert!(
            matches!(p.structs.get("PaymentId"), Some(DomainStruct::Newtype(Ty::Named(n))) if n == "String")
        );
        let status = p.enums.get("PaymentStatus").expect("enum");
        assert_eq!(
            status[1].1,
            VariantShape::Tuple(vec![Ty::Named("String".into())])
        );
        assert_eq!(get.span.line, 8);
    }

    /// DigitalOcean's user: `fn generic<T: Into<String>>` passed check and failed rustc
    /// (the adapter's impl has no `T`). A generic method is refused at its line.
    #[test]
    fn a_generic_method_is_refused_at_its_line() {
        let src = r#"
            pub enum E { Failed(String) }
            pub trait Probe {
                async fn fine(&self, tag: &str) -> Result<(), E>;
                async fn generic<T: Into<String> + Send>(&self, tag: T) -> Result<(), E>;
                fn borrowed<'a>(&'a self, tag: &'a str) -> impl Future<Output = Result<(), E>> + Send + 'a;
            }
        "#;
        let e = Port::parse(Path::new("d.rs"), src, "Probe", at()).expect_err("generic");
        let messages: Vec<(usize, &str)> = e
            .diagnostics()
            .iter()
            .map(|d| (d.span.map_or(0, |s| s.line), d.message.as_str()))
            .collect();
        assert_eq!(
            messages,
            [
                (
                    5,
                    "port method 'generic' has a type parameter T: a generated adapter implements only methods that are not generic"
                ),
                (
                    6,
                    "port method 'borrowed' has a lifetime parameter 'a: a generated adapter implements only methods that are not generic"
                ),
            ]
        );
    }

    #[test]
    fn a_missing_trait_suggests_the_nearest() {
        let e =
            Port::parse(Path::new("domain.rs"), SRC, "PaymentGatway", at()).expect_err("missing");
        let d = &e.diagnostics()[0];
        assert_eq!(d.help.as_deref(), Some("did you mean 'PaymentGateway'?"));
    }

    #[test]
    fn a_sync_method_is_refused_with_help() {
        let src = "pub trait P { fn f(&self) -> Result<(), ()>; }";
        let e = Port::parse(Path::new("d.rs"), src, "P", at()).expect_err("sync");
        assert!(
            e.to_string()
                .contains("neither async nor returns `impl Future`"),
            "{e}"
        );
    }
}
