//! Reading the three inputs: the vendor's spec, the mapping file, the domain port.

pub mod limits;
pub mod mapping;
pub mod normalize;
pub mod openapi;
pub mod overlay;
pub mod port;
pub mod yaml;
