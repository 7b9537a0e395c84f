//! `checkout ORDER AMOUNT CURRENCY PAYMENT_METHOD`: charges one order through the
//! configured provider.
//!
//! Configuration, all from the environment:
//! * `PAYMENT_PROVIDER`: `stripe` (default), `square` or `adyen`;
//! * the provider's secret, as its mapping names it: `STRIPE_API_KEY`,
//!   `SQUARE_ACCESS_TOKEN` or `ADYEN_API_KEY`;
//! * `PAYMENT_BASE_URL`, optionally: a sandbox, or a local mock on 127.0.0.1.
//!
//! Swapping providers is a configuration change: the code below is written against the
//! `PaymentGateway` port and never names a vendor type.

use checkout::domain::PaymentGateway;
use checkout::{
    Checkout, Provider, adyen::AdyenGateway, square::SquareGateway, stripe::StripeGateway,
};
use portcullis_runtime::AdapterConfig;
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
    let provider: Provider = match std::env::var("PAYMENT_PROVIDER")
        .unwrap_or_else(|_| "stripe".into())
        .parse()
    {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let order = Order {
        id: order,
        amount,
        currency,
        payment_method,
    };
    let result = match provider {
        Provider::Stripe => {
            pay(
                StripeGateway::new(configure(StripeGateway::config())),
                order,
            )
            .await
        }
        Provider::Square => {
            pay(
                SquareGateway::new(configure(SquareGateway::config())),
                order,
            )
            .await
        }
        Provider::Adyen => pay(AdyenGateway::new(configure(AdyenGateway::config())), order).await,
    };
    match result {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(line) => {
            eprintln!("{line}");
            ExitCode::FAILURE
        }
    }
}

struct Order<'a> {
    id: &'a str,
    amount: i64,
    currency: &'a str,
    payment_method: &'a str,
}

/// The mapping's configuration, pointed at `PAYMENT_BASE_URL` when set.
fn configure(config: AdapterConfig) -> AdapterConfig {
    match std::env::var("PAYMENT_BASE_URL") {
        Ok(url) => {
            let local = url.starts_with("http://127.0.0.1") || url.starts_with("http://localhost");
            config.base_url(url).allow_insecure_http(local)
        }
        Err(_) => config,
    }
}

async fn pay<G: PaymentGateway, E: std::fmt::Display>(
    gateway: Result<G, E>,
    order: Order<'_>,
) -> Result<String, String> {
    let gateway = gateway.map_err(|e| format!("cannot configure the payment provider: {e}"))?;
    Checkout::new(gateway)
        .pay(order.id, order.amount, order.currency, order.payment_method)
        .await
        .map(|payment| format!("{payment:?}"))
        .map_err(|e| format!("payment failed: {e}"))
}
