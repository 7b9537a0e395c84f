// A domain value cannot be passed where the adapter's translation expects vendor data.
fn main() {
    let payment_id = portcullis_tests::domain::PaymentId("pi_1".into());
    let _ = portcullis_tests::stripe::translate::payment_from_payment_intent(payment_id, "op");
}
