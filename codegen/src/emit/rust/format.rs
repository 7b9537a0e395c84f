//! Formatting: `prettyplease`, then a blank line between items, which it does not add.

/// Formats a file of generated items as a person would: `prettyplease`'s layout, with a
/// blank line between consecutive items of a file, module or impl (consecutive `use`
/// lines stay together).
pub(crate) fn unparse(file: &syn::File) -> String {
    items_apart(&prettyplease::unparse(file))
}

/// How an item begins, after its indentation: its doc comment, an attribute, or its
/// keyword. Statements in a body never begin so: the generator emits no items there
/// after the first line of a block, and no attributes on statements.
const ITEM_STARTS: [&str; 14] = [
    "///",
    "#[",
    "pub ",
    "pub(",
    "fn ",
    "async fn ",
    "impl ",
    "impl<",
    "mod ",
    "struct ",
    "enum ",
    "type ",
    "const ",
    "use ",
];

/// Inserts a blank line before an item that follows the end of another at the same
/// indentation (a line ending in `}` or `;`). prettyplease prints one item per line
/// start and indents by nesting, so the indentation tells which lines are siblings.
fn items_apart(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut prev: Option<&str> = None;
    for line in text.lines() {
        if let Some(p) = prev {
            let indent = |l: &str| l.len() - l.trim_start().len();
            let (pt, lt) = (p.trim_start(), line.trim_start());
            // A doc comment may end in `;` or `}` too; it never ends an item.
            let ends_item = !pt.starts_with("//") && (pt.ends_with('}') || pt.ends_with(';'));
            let starts_item = ITEM_STARTS.iter().any(|s| lt.starts_with(s));
            let both_use = pt.starts_with("use ") && lt.starts_with("use ");
            if ends_item && starts_item && !both_use && indent(p) == indent(line) {
                out.push('\n');
            }
        }
        out.push_str(line);
        out.push('\n');
        prev = Some(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_apart_statements_and_uses_are_not() {
        let file: syn::File = syn::parse_quote! {
            pub struct A { x: u8 }
            mod m {
                use a::b;
                use c::d;
                /// F ends with a brace: {}
                /// and goes on.
                fn f() -> u8 { const X: u8 = 1; let y = X; y }
                fn g() {}
            }
            impl A { fn h(&self) {} fn i(&self) {} }
        };
        let text = unparse(&file);
        assert_eq!(
            text,
            "pub struct A {\n    x: u8,\n}\n\nmod m {\n    use a::b;\n    use c::d;\n\n    /// F ends with a brace: {}\n    /// and goes on.\n    fn f() -> u8 {\n        const X: u8 = 1;\n        let y = X;\n        y\n    }\n\n    fn g() {}\n}\n\nimpl A {\n    fn h(&self) {}\n\n    fn i(&self) {}\n}\n"
        );
    }
}
