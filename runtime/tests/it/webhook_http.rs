//! The receiver behind a real HTTP server: the axum route (feature `axum`) and the
//! `tower::Service` under it, called with real requests over loopback.

use http::StatusCode;
use portcullis_runtime as rt;
use rt::webhook::{Receiver, Scheme, WebhookConfig};

use super::webhook::{
    ADYEN_KEY, AdyenEvents, PaymentEvent, Recorder, STRIPE_SECRET, StripeEvents, adyen_body,
    adyen_item, now, stripe_config, stripe_headers, succeeded,
};

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

#[tokio::test]
async fn axum_route_answers_as_the_vendors_expect() {
    let rec = Recorder::default();
    let stripe = Receiver::new(
        WebhookConfig {
            max_body: 4096,
            ..stripe_config()
        },
        StripeEvents,
        rec.handler(),
    )
    .expect("valid");
    let adyen = Receiver::new(
        WebhookConfig::new(
            "AdyenGateway",
            Scheme::Adyen,
            [rt::SecretSource::literal(ADYEN_KEY)],
        ),
        AdyenEvents,
        rec.handler(),
    )
    .expect("valid");
    let app = axum::Router::new()
        .route("/webhooks/stripe", stripe.axum_route())
        .route("/webhooks/adyen", adyen.axum_route());
    let base = serve(app).await;
    let client = reqwest::Client::new();

    let body = succeeded("evt_h1", "pi_h1", 4200);
    let post = |path: &str, headers: http::HeaderMap, body: Vec<u8>| {
        client
            .post(format!("{base}{path}"))
            .headers(headers)
            .body(body)
            .send()
    };
    let resp = post(
        "/webhooks/stripe",
        stripe_headers(STRIPE_SECRET, now(), &body),
        body.clone(),
    )
    .await
    .expect("sent");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(resp.text().await.expect("body"), "processed\n");
    let resp = post(
        "/webhooks/stripe",
        stripe_headers(STRIPE_SECRET, now(), &body),
        body.clone(),
    )
    .await
    .expect("sent");
    assert_eq!(
        (resp.status(), resp.text().await.expect("body")),
        (StatusCode::OK, "duplicate\n".into())
    );
    let resp = post(
        "/webhooks/stripe",
        stripe_headers("whsec_wrong", now(), &body),
        body.clone(),
    )
    .await
    .expect("sent");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    // Over the limit: refused without reading the whole body.
    let big = vec![b'x'; 64 * 1024];
    let resp = post(
        "/webhooks/stripe",
        stripe_headers(STRIPE_SECRET, now(), &big),
        big,
    )
    .await
    .expect("sent");
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let resp = client
        .get(format!("{base}/webhooks/stripe"))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);

    let body = adyen_body(vec![adyen_item("PSPH", "AUTHORISATION", "true", 10)]);
    let resp = post("/webhooks/adyen", http::HeaderMap::new(), body)
        .await
        .expect("sent");
    assert_eq!(
        (resp.status(), resp.text().await.expect("body")),
        (StatusCode::OK, "[accepted]".into())
    );
    assert_eq!(
        rec.handled(),
        [
            PaymentEvent::Succeeded {
                payment_id: "pi_h1".into(),
                amount: 4200
            },
            PaymentEvent::Succeeded {
                payment_id: "PSPH".into(),
                amount: 10
            },
        ]
    );
}

/// The `tower::Service` on its own, with a body that arrives in chunks.
#[tokio::test]
async fn the_service_reads_a_streamed_body_up_to_the_limit() {
    use tower_service::Service as _;
    let rec = Recorder::default();
    let receiver = Receiver::new(
        WebhookConfig {
            max_body: 1000,
            ..stripe_config()
        },
        StripeEvents,
        rec.handler(),
    )
    .expect("valid");
    let mut service = receiver.into_service();
    let body = succeeded("evt_h2", "pi_h2", 1);
    let chunks: Vec<Result<http_body::Frame<bytes::Bytes>, std::convert::Infallible>> = body
        .chunks(7)
        .map(|c| Ok(http_body::Frame::data(bytes::Bytes::copy_from_slice(c))))
        .collect();
    let streamed = http_body_util::StreamBody::new(futures_util::stream::iter(chunks));
    let mut req = http::Request::post("/").body(streamed).expect("request");
    *req.headers_mut() = stripe_headers(STRIPE_SECRET, now(), &body);
    let resp = service.call(req).await.expect("infallible");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(rec.handled().len(), 1);
}
