//! `checkout ORDER AMOUNT CURRENCY PAYMENT_METHOD`: charges one order through the configured provider.
//!
//! Configuration, all from the environment: `PAYMENT_PROVIDER` (`stripe`),
//! `STRIPE_API_KEY`, and optionally `STRIPE_BASE_URL` (a sandbox or a local mock).

use checkout::{Checkout, stripe::StripeGateway};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [order, amount, currency, payment_method] = args.as_slice() else {
        eprintln!("usage: checkout ORDER AMOUNT_MINOR_UNITS CURRENCY PAYMENT_METHOD");
        return ExitCode::FAILURE;
    };
    let Ok(amount) = amount.parse::<i64>() else {
        eprintln!("amount must be a whole number of minor units, e.g. 2000 for 20.00");
        return ExitCode::FAILURE;
    };
    let provider = std::env::var("PAYMENT_PROVIDER").unwrap_or_else(|_| "stripe".into());
    let result = match provider.as_str() {
        "stripe" => {
            let mut config = StripeGateway::config();
            if let Ok(url) = std::env::var("STRIPE_BASE_URL") {
                let local =
                    url.starts_with("http://127.0.0.1") || url.starts_with("http://localhost");
                config = config.base_url(url).allow_insecure_http(local);
            }
            match StripeGateway::new(config) {
                Ok(gateway) => {
                    Checkout::new(gateway)
                        .pay(order, amount, currency, payment_method)
                        .await
                }
                Err(e) => {
                    eprintln!("cannot configure the Stripe adapter: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        other => {
            eprintln!("unknown PAYMENT_PROVIDER '{other}' (this build knows: stripe)");
            return ExitCode::FAILURE;
        }
    };
    match result {
        Ok(payment) => {
            println!("{payment:?}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("payment failed: {e}");
            ExitCode::FAILURE
        }
    }
}
