//! Reading vendor values out of a decoded wire value, as a person would: a value is
//! moved out when no later read of the same call touches its place, borrowed and cloned
//! when one does, and copied when it is `Copy`.

use super::tokens::ident;
use crate::plan::*;
use proc_macro2::TokenStream;
use quote::quote;

/// How a read takes its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Take {
    /// Out of an owned wire value.
    Move,
    /// Borrowed, then cloned: a later read needs the same place.
    Clone,
    /// Borrowed: `&T`, or `Option<&T>` when it may be absent.
    Borrow,
}

/// A rendered read.
pub(super) enum Got {
    /// A place of the value's type (`wire.amount.value`), taken as its `Take` says when
    /// used; a place can also be borrowed first (`wire.status.as_str()`).
    Place {
        expr: TokenStream,
        take: Take,
        copy: bool,
        boxed: bool,
    },
    /// An `Option` of the value: owned, or of a reference for `Take::Borrow`.
    Opt(TokenStream),
}

impl Got {
    /// The value, owned (`Take::Move`/`Take::Clone`) or borrowed (`Take::Borrow`).
    pub(super) fn value(&self) -> TokenStream {
        match self {
            Got::Opt(e) => e.clone(),
            Got::Place {
                expr, take, boxed, ..
            } => match (take, boxed) {
                (Take::Borrow, _) => quote!(&#expr),
                (Take::Move, false) => expr.clone(),
                (Take::Move, true) => quote!(*#expr),
                (Take::Clone, _) if self.is_copy() => expr.clone(),
                (Take::Clone, false) => quote!(#expr.clone()),
                (Take::Clone, true) => quote!((*#expr).clone()),
            },
        }
    }

    fn is_copy(&self) -> bool {
        matches!(self, Got::Place { copy: true, .. })
    }

    /// Whether the value is owned by this expression alone: a later use may move it.
    pub(super) fn movable(&self) -> bool {
        match self {
            Got::Opt(_) => true,
            Got::Place { take, copy, .. } => *take == Take::Move || *copy,
        }
    }
}

enum State {
    Place(TokenStream),
    Owned(TokenStream),
    Ref(TokenStream),
}

/// Renders `r`, read from the place `root` (`wire`, of the wire struct `root_ty`).
pub(super) fn read(plan: &Plan, root_ty: &str, root: TokenStream, r: &Read, take: Take) -> Got {
    let tys = plan.wire_tys(root_ty, &r.steps).unwrap_or_default();
    let leaf = tys.last();
    let copy = matches!(leaf, Some(WireTy::I64 | WireTy::F64 | WireTy::Bool));
    let boxed = matches!(leaf, Some(WireTy::Boxed(_)));
    let borrow = take != Take::Move;
    let mut st = State::Place(root);
    let n = r.steps.len();
    let optionals = plan.wire_optionals(root_ty, &r.steps);
    for (i, s) in r.steps.iter().enumerate() {
        // The wire field as it finally is, which another read may have made an `Option`.
        let s = &Step {
            optional: optionals.get(i).copied().unwrap_or(s.optional),
            ..s.clone()
        };
        if let Some(idx) = s.index {
            st = match st {
                State::Place(e) if borrow => State::Ref(nth_ref(e, idx)),
                State::Place(e) => State::Owned(nth_owned(e, idx)),
                State::Owned(e) => {
                    let item = nth_owned(quote!(v), idx);
                    State::Owned(quote!(#e.and_then(|v| #item)))
                }
                State::Ref(e) => {
                    let item = nth_ref(quote!(v), idx);
                    State::Ref(quote!(#e.and_then(|v| #item)))
                }
            };
            continue;
        }
        let f = ident(&s.field);
        // A clone takes the last value out of its reference at once: `v.currency.clone()`.
        let clone_here = take == Take::Clone && i + 1 == n && s.pick.is_none();
        let get = if copy {
            quote!(v.#f)
        } else {
            quote!(v.#f.clone())
        };
        st = match st {
            State::Place(e) if !s.optional => State::Place(quote!(#e.#f)),
            State::Place(e) if !borrow => State::Owned(quote!(#e.#f)),
            State::Place(e) if clone_here && copy => State::Owned(quote!(#e.#f)),
            State::Place(e) if clone_here => State::Owned(quote!(#e.#f.clone())),
            State::Place(e) => State::Ref(quote!(#e.#f.as_ref())),
            State::Owned(e) if s.optional => State::Owned(quote!(#e.and_then(|v| v.#f))),
            State::Owned(e) => State::Owned(quote!(#e.map(|v| v.#f))),
            State::Ref(e) if clone_here && s.optional => {
                State::Owned(quote!(#e.and_then(|v| #get)))
            }
            State::Ref(e) if clone_here => State::Owned(quote!(#e.map(|v| #get))),
            State::Ref(e) if s.optional => State::Ref(quote!(#e.and_then(|v| v.#f.as_ref()))),
            State::Ref(e) => State::Ref(quote!(#e.map(|v| &v.#f))),
        };
        if let Some((u, variant)) = &s.pick {
            let (u, variant) = (ident(u), ident(variant));
            let some = if s.boxed && !borrow {
                quote!(Some(*x))
            } else {
                quote!(Some(x))
            };
            let arms = quote!(vendor::#u::#variant(x) => #some, _ => None);
            st = match st {
                State::Place(e) if borrow => State::Ref(quote!(match &#e { #arms })),
                State::Place(e) => State::Owned(quote!(match #e { #arms })),
                State::Owned(e) => State::Owned(quote!(#e.and_then(|v| match v { #arms }))),
                State::Ref(e) => State::Ref(quote!(#e.and_then(|v| match v { #arms }))),
            };
        }
    }
    let unbox = |e: TokenStream| {
        if boxed { quote!(#e.map(|v| *v)) } else { e }
    };
    match st {
        State::Place(expr) => Got::Place {
            expr,
            take,
            copy,
            boxed,
        },
        State::Owned(e) => Got::Opt(unbox(e)),
        State::Ref(e) if take == Take::Borrow => Got::Opt(e),
        State::Ref(e) if copy => Got::Opt(quote!(#e.copied())),
        State::Ref(e) => Got::Opt(unbox(quote!(#e.cloned()))),
    }
}

fn nth_ref(e: TokenStream, i: usize) -> TokenStream {
    if i == 0 {
        quote!(#e.first())
    } else {
        quote!(#e.get(#i))
    }
}

fn nth_owned(e: TokenStream, i: usize) -> TokenStream {
    if i == 0 {
        quote!(#e.into_iter().next())
    } else {
        quote!(#e.into_iter().nth(#i))
    }
}

/// How each of `reads`, evaluated in this order from one owned wire value of type
/// `root_ty`, takes its value: by move unless a later read touches the same place.
pub(super) fn takes(plan: &Plan, root_ty: &str, reads: &[&Read]) -> Vec<Take> {
    (0..reads.len())
        .map(|i| {
            let later = &reads[i + 1..];
            if later.iter().any(|b| overlap(plan, root_ty, reads[i], b)) {
                Take::Clone
            } else {
                Take::Move
            }
        })
        .collect()
}

/// Whether moving `a` out of the root would take something `b` reads: they share a
/// prefix that is moved as a whole (an `Option`, a box, a union, a list), or one is a
/// prefix of the other. Reads that part at a plain field are disjoint places.
fn overlap(plan: &Plan, root_ty: &str, a: &Read, b: &Read) -> bool {
    let tys = plan.wire_tys(root_ty, &a.steps).unwrap_or_default();
    for (i, (sa, sb)) in a.steps.iter().zip(&b.steps).enumerate() {
        if sa.index.is_some() || sb.index.is_some() {
            return true;
        }
        if sa.field != sb.field {
            return false;
        }
        let boxed = matches!(tys.get(i), Some(WireTy::Boxed(_)) | None);
        if sa.optional || sa.pick.is_some() || boxed {
            return true;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::fixture::Fixture;

    fn field(name: &str, optional: bool) -> Step {
        Step {
            field: name.into(),
            optional,
            pick: None,
            boxed: false,
            index: None,
        }
    }

    fn read_of(steps: Vec<Step>) -> Read {
        Read {
            steps,
            json_path: String::new(),
        }
    }

    fn text(t: TokenStream) -> String {
        t.to_string().replace(' ', "")
    }

    #[test]
    fn a_read_moves_unless_a_later_one_needs_the_same_place() {
        let plan = Fixture::default().plan();
        let id = read_of(vec![field("id", false)]);
        let status = read_of(vec![field("status", false)]);
        let owner_name = read_of(vec![field("owner", true), field("name", true)]);
        // Disjoint fields of the wire value: both move.
        assert_eq!(
            takes(&plan, "Thing", &[&id, &status]),
            [Take::Move, Take::Move]
        );
        // Through one `Option`: the first borrows, the last moves.
        assert_eq!(
            takes(&plan, "Thing", &[&owner_name, &owner_name, &id]),
            [Take::Clone, Take::Move, Take::Move]
        );
    }

    #[test]
    fn reads_render_as_moves_borrows_and_copies() {
        let plan = Fixture::default().plan();
        let owner_name = read_of(vec![field("owner", true), field("name", true)]);
        let moved = read(&plan, "Thing", quote!(wire), &owner_name, Take::Move);
        assert_eq!(text(moved.value()), "wire.owner.and_then(|v|v.name)");
        let cloned = read(&plan, "Thing", quote!(wire), &owner_name, Take::Clone);
        assert_eq!(
            text(cloned.value()),
            "wire.owner.as_ref().and_then(|v|v.name.clone())"
        );
        let amount = read_of(vec![field("amount", true)]);
        let copied = read(&plan, "Thing", quote!(wire), &amount, Take::Clone);
        assert_eq!(text(copied.value()), "wire.amount");
        let id = read_of(vec![field("id", false)]);
        let borrowed = read(&plan, "Thing", quote!(wire), &id, Take::Borrow);
        assert_eq!(text(borrowed.value()), "&wire.id");
        let id_clone = read(&plan, "Thing", quote!(wire), &id, Take::Clone);
        assert_eq!(text(id_clone.value()), "wire.id.clone()");
    }
}
