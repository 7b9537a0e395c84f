// No adapter's wire types can be named from the domain, whichever vendor it wraps.
fn main() {
    let _square: Option<portcullis_tests::square::vendor::Payment> = None;
    let _adyen: Option<portcullis_tests::adyen::vendor::PaymentResponse> = None;
}
