// Every generated adapter compiles and implements its port, used only through the port.
use portcullis_tests::domain::PaymentGateway;
use portcullis_tests::ledger_domain::Ledger;

fn gateway<G: PaymentGateway>(_: Option<&G>) {}
fn ledger<L: Ledger>(_: Option<&L>) {}

fn main() {
    gateway::<portcullis_tests::stripe::StripeGateway>(None);
    gateway::<portcullis_tests::square::SquareGateway>(None);
    gateway::<portcullis_tests::adyen::AdyenGateway>(None);
    ledger::<portcullis_tests::ledger::LedgerAdapter>(None);
    let _ = portcullis_tests::stripe::StripeGateway::config();
    let _ = portcullis_tests::square::SquareGateway::config();
    let _ = portcullis_tests::adyen::AdyenGateway::config();
    let _ = portcullis_tests::ledger::LedgerAdapter::config();
}
