//! Emitters: each reads only the plan.

pub mod alerts;
pub mod contract;
pub mod report;
pub mod rust;
