//! The template environment of the non-Rust outputs (INTEGRATION.md, alert rules), and
//! the header data they share.

use super::text::{and_list, code};
use crate::Error;
use crate::plan::Plan;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

/// Renders one of the crate's templates (compiled in, so build scripts need no files).
pub(crate) fn render_template(
    name: &'static str,
    source: &'static str,
    ctx: minijinja::Value,
) -> Result<String, Error> {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    // A misspelt variable must fail the build's own tests, not leave a blank cell.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // The outputs are Markdown and YAML: escaping is done where values are built.
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.add_filter("code", code);
    env.add_filter("and_list", and_list);
    // Templates ship inside the crate: a failure here is Portcullis' bug, not the user's.
    let fail = |e: minijinja::Error| Error::Template {
        template: name.to_string(),
        message: format!("{e:#}"),
    };
    env.add_template(name, source).map_err(fail)?;
    let out = env
        .get_template(name)
        .map_err(fail)?
        .render(ctx)
        .map_err(fail)?;
    Ok(out)
}

/// The inputs named in a generated file's header.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SourceFiles {
    pub(crate) mapping_file: String,
    pub(crate) mapping_sha256: String,
    pub(crate) spec_file: String,
    pub(crate) spec_sha256: String,
}

impl SourceFiles {
    pub(crate) fn of(plan: &Plan) -> Self {
        SourceFiles {
            mapping_file: plan.mapping_file.clone(),
            mapping_sha256: plan.mapping_sha256.clone(),
            spec_file: plan.spec_file.clone(),
            spec_sha256: plan.spec_sha256.clone(),
        }
    }
}
