//! Decoding that takes a struct only from a JSON object.
//!
//! serde's derived `Deserialize` for a struct also accepts a sequence, field by field
//! in order: `["pi_1", "succeeded"]` decodes into `struct Payment { id, status }`.
//! For a vendor's answer that is a silent wrong result (an endpoint that now answers a
//! list, a hostile body), so every response and webhook body is decoded through
//! [`Strict`], which asks the format for a map wherever the type asks for a struct: an
//! array then fails as "invalid type: sequence, expected struct Payment", at its path.
//!
//! The wrapper re-wraps every nested deserializer (sequence elements, map values,
//! `Option`, newtypes, enum variants), so the rule holds at every depth. What serde
//! buffers before choosing (an untagged enum's variants) is decoded from its own
//! buffer, which this wrapper does not see: so a generated union whose form the mapping
//! reads is a struct decodes from the JSON value instead, through
//! [`crate::convert::union_variant`].

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};

/// A deserializer that refuses a sequence where a struct is expected, at every depth:
/// `serde_path_to_error::deserialize(Strict(&mut serde_json::Deserializer::from_slice(body)))`.
pub(crate) struct Strict<D>(pub(crate) D);

/// Forwards a `deserialize_*` method to the inner deserializer, its visitor wrapped.
macro_rules! forward {
    ($($method:ident),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
                self.0.$method(Wrap(visitor))
            }
        )*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Strict<D> {
    type Error = D::Error;

    forward!(
        deserialize_any,
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_option,
        deserialize_unit,
        deserialize_seq,
        deserialize_map,
        deserialize_identifier,
        deserialize_ignored_any,
    );

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_unit_struct(name, Wrap(visitor))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_newtype_struct(name, Wrap(visitor))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple(len, Wrap(visitor))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple_struct(name, len, Wrap(visitor))
    }

    /// The one change: a struct is read as a map, so a sequence is a type error.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(Wrap(visitor))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_enum(name, variants, Wrap(visitor))
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// A visitor whose nested deserializers are [`Strict`].
struct Wrap<V>(V);

/// Forwards `visit_*` methods that carry a plain value.
macro_rules! forward_visit {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(
            fn $method<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> {
                self.0.$method(v)
            }
        )*
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.expecting(f)
    }

    forward_visit!(
        visit_bool(bool),
        visit_i8(i8),
        visit_i16(i16),
        visit_i32(i32),
        visit_i64(i64),
        visit_i128(i128),
        visit_u8(u8),
        visit_u16(u16),
        visit_u32(u32),
        visit_u64(u64),
        visit_u128(u128),
        visit_f32(f32),
        visit_f64(f64),
        visit_char(char),
        visit_str(&str),
        visit_borrowed_str(&'de str),
        visit_string(String),
        visit_bytes(&[u8]),
        visit_borrowed_bytes(&'de [u8]),
        visit_byte_buf(Vec<u8>),
    );

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.0.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.0.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.0.visit_some(Strict(d))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.0.visit_newtype_struct(Strict(d))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.0.visit_seq(Wrap(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.0.visit_map(Wrap(map))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        self.0.visit_enum(Wrap(data))
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Wrap<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(Seed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Wrap<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(Seed(seed))
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.0.next_value_seed(Seed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for Wrap<A> {
    type Error = A::Error;
    type Variant = Wrap<A::Variant>;

    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, Self::Variant), A::Error> {
        self.0
            .variant_seed(Seed(seed))
            .map(|(value, variant)| (value, Wrap(variant)))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Wrap<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.0.newtype_variant_seed(Seed(seed))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, Wrap(visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, Wrap(visitor))
    }
}

/// A seed whose deserializer is [`Strict`].
struct Seed<T>(T);

impl<'de, T: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<T> {
    type Value = T::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T::Value, D::Error> {
        self.0.deserialize(Strict(d))
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::Strict;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Payment {
        id: String,
        status: String,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Page {
        data: Vec<Payment>,
        next: Option<Box<Payment>>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Event {
        Paid(Payment),
        Closed,
    }

    fn strict<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, String> {
        let de = &mut serde_json::Deserializer::from_str(json);
        serde_path_to_error::deserialize(Strict(de))
            .map_err(|e| format!("{}: {}", e.path(), e.inner()))
    }

    #[test]
    fn an_array_is_not_a_struct_at_the_top() {
        let json = r#"["pi_1", "succeeded"]"#;
        assert!(
            serde_json::from_str::<Payment>(json).is_ok(),
            "serde alone takes it"
        );
        let err = strict::<Payment>(json).expect_err("refused");
        assert!(err.contains("expected struct Payment"), "{err}");
    }

    #[test]
    fn an_array_is_not_a_struct_at_any_depth() {
        let in_list = r#"{"data": [{"id": "a", "status": "ok"}, ["b", "ok"]], "next": null}"#;
        let err = strict::<Page>(in_list).expect_err("list item");
        assert!(err.starts_with("data[1]:"), "{err}");
        let in_option = r#"{"data": [], "next": ["c", "ok"]}"#;
        let err = strict::<Page>(in_option).expect_err("optional box");
        assert!(err.starts_with("next:"), "{err}");
        let in_variant = r#"{"paid": ["d", "ok"]}"#;
        let err = strict::<Event>(in_variant).expect_err("enum variant");
        assert!(err.contains("expected struct Payment"), "{err}");
    }

    #[test]
    fn everything_else_decodes_as_before() {
        let json =
            r#"{"data": [{"id": "a", "status": "ok"}], "next": {"id": "b", "status": "ok"}}"#;
        assert_eq!(
            strict::<Page>(json),
            Ok(serde_json::from_str::<Page>(json).expect("plain"))
        );
        assert_eq!(strict::<Event>(r#""closed""#), Ok(Event::Closed));
        assert_eq!(strict::<Vec<u8>>("[1, 2]"), Ok(vec![1, 2]));
        assert_eq!(strict::<(u8, String)>(r#"[1, "x"]"#), Ok((1, "x".into())));
        let value: serde_json::Value = serde_json::json!({"id": "v", "status": "ok"});
        assert_eq!(
            serde_path_to_error::deserialize::<_, Payment>(Strict(value))
                .map_err(|e| e.to_string()),
            Ok(Payment {
                id: "v".into(),
                status: "ok".into()
            })
        );
    }
}
