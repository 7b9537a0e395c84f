//! Emitters: each reads only the plan.

pub mod rust;
