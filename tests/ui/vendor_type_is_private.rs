// The domain must not be able to name the vendor's wire types.
fn main() {
    let _wire: Option<portcullis_tests::stripe::vendor::PaymentIntent> = None;
}
