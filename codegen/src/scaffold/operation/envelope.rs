//! The envelope a single result may come in (`{ "payment": {…} }`, `{ "data": {…} }`,
//! Xero's list of one), and the `unwrap:` that reads through it.

use crate::scaffold::out::yaml_key;
use crate::scaffold::shape::norm;
use crate::spec::view::{Kind, View, view};

/// The field of an envelope whose object is named like the result type. Only an object
/// field can hold the result: Plaid's `LinkToken` answer has a string `link_token`
/// beside the result's other fields, and is the result itself. Failing that, a list
/// of such objects (Xero answers one invoice as `{ "Invoices": [{…}] }`): its first
/// item, `Invoices.0`. Failing that, the one object field with an envelope's usual name
/// (`data`, `result`).
pub(super) fn envelope(
    spec: &crate::load::openapi::Spec,
    v: &View<'_>,
    ok: &str,
) -> Option<Envelope> {
    if v.name.is_some_and(|n| norm(n) == norm(ok)) {
        return None;
    }
    let Kind::Object { props, .. } = &v.kind else {
        return None;
    };
    let wanted = norm(ok);
    // The one object field whose name passes `named`.
    let object_named = |named: &dyn Fn(&str) -> bool| {
        let objects: Vec<&str> = props
            .iter()
            .filter(|(n, _)| named(&norm(n)))
            .filter(|(_, s)| view(spec, *s).is_ok_and(|f| matches!(f.kind, Kind::Object { .. })))
            .map(|(n, _)| *n)
            .collect();
        match objects.as_slice() {
            [one] => Some(Envelope {
                field: one.to_string(),
                first_item: false,
            }),
            _ => None,
        }
    };
    // Named like the result, else one of the usual envelope names (Mux's
    // `{ "data": {…} }`, JSON:API's `data` beside `links`).
    const USUAL: [&str; 4] = ["data", "result", "item", "resource"];
    if let Some(e) =
        object_named(&|n| n == wanted).or_else(|| object_named(&|n| USUAL.contains(&n)))
    {
        return Some(e);
    }
    let lists: Vec<&str> = props
        .iter()
        .filter(|(n, s)| {
            let Ok(Kind::Array(Some(item))) = view(spec, *s).map(|f| f.kind) else {
                return false;
            };
            let Ok(item) = view(spec, item) else {
                return false;
            };
            matches!(item.kind, Kind::Object { .. })
                && (norm(n) == format!("{wanted}s") || item.name.is_some_and(|i| norm(i) == wanted))
        })
        .map(|(n, _)| *n)
        .collect();
    match lists.as_slice() {
        [one] => Some(Envelope {
            field: one.to_string(),
            first_item: true,
        }),
        _ => None,
    }
}

/// Where the result sits in an envelope: a field, or the first item of a list field.
pub(super) struct Envelope {
    /// The answer's field that holds the result (or the list of it).
    pub(super) field: String,
    first_item: bool,
}

impl Envelope {
    /// The `unwrap:` path.
    pub(super) fn path(&self) -> String {
        let key = yaml_key(&self.field);
        if self.first_item {
            format!("{key}.0")
        } else {
            key
        }
    }

    /// The result's schema inside the envelope `s`.
    pub(super) fn inner<'a>(
        &self,
        spec: &'a crate::load::openapi::Spec,
        s: &View<'a>,
    ) -> Option<View<'a>> {
        let Kind::Object { props, .. } = &s.kind else {
            return None;
        };
        let field = props
            .iter()
            .find(|(n, _)| *n == self.field)
            .and_then(|(_, p)| view(spec, *p).ok())?;
        if !self.first_item {
            return Some(field);
        }
        match field.kind {
            Kind::Array(Some(item)) => view(spec, item).ok(),
            _ => None,
        }
    }
}
