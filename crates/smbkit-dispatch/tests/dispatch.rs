//! Routing, the not-supported answer, and the tracing layer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use smbkit_dispatch::{
    Call, Dispatcher, FILE_COMMANDS, Request, Response, RouteError, SessionInfo, TraceLayer,
    TreeInfo,
};
use smbkit_session::Dialect;
use smbkit_wire::{Command, Header, HeaderId, NtStatus};
use tower::{Service, ServiceExt, service_fn};

fn request(command: Command, message_id: u64) -> Request {
    let header = Header {
        command,
        message_id,
        session_id: 0x1122_3344_5566_7788,
        id: HeaderId::Sync {
            process_id: 0xFEFF,
            tree_id: 7,
        },
        ..Header::default()
    };
    Request {
        header,
        message: Bytes::from_static(&[0u8; 64]),
        related: false,
        session: Arc::new(SessionInfo {
            id: 0x1122_3344_5566_7788,
            user: "alice".into(),
            domain: "WORKGROUP".into(),
            anonymous: false,
            guest: false,
            dialect: Dialect::Smb311,
            client_guid: [0x5A; 16],
        }),
        tree: Some(Arc::new(TreeInfo {
            id: 7,
            share: "public".into(),
            ipc: false,
            encrypt: false,
        })),
    }
}

/// A handler that answers SUCCESS with the command code and MessageId as body.
fn marker() -> impl Service<Call, Response = Response, Error = Infallible, Future: Send>
+ Clone
+ Send
+ Sync
+ 'static {
    service_fn(|call: Call| async move {
        let req = call.request;
        let mut body = req.header.command.0.to_le_bytes().to_vec();
        body.extend_from_slice(&req.header.message_id.to_le_bytes());
        Ok::<_, Infallible>(Response::new(NtStatus::SUCCESS, body))
    })
}

#[tokio::test]
async fn every_file_command_is_not_supported() {
    let d = Dispatcher::new();
    for (i, command) in FILE_COMMANDS.into_iter().enumerate() {
        assert!(d.routes(command), "{command}");
        let r = d.dispatch(request(command, i as u64)).await.unwrap();
        assert_eq!(r.status, NtStatus::NOT_SUPPORTED, "{command}");
        assert_eq!(r.status.0, 0xC000_00BB);
        // Empty body: the session layer adds the 9-byte ERROR body.
        assert!(r.body.is_empty());
        assert_eq!(r, Response::error(NtStatus::NOT_SUPPORTED));
    }
}

#[tokio::test]
async fn unrouted_commands() {
    let d = Dispatcher::new();
    // Commands the session layer answers have no route here.
    for command in [
        Command::NEGOTIATE,
        Command::SESSION_SETUP,
        Command::ECHO,
        Command::CANCEL,
    ] {
        assert!(!d.routes(command));
        let r = d.dispatch(request(command, 1)).await.unwrap();
        assert_eq!(r.status, NtStatus::NOT_SUPPORTED, "{command}");
    }
    // An unknown command code is an invalid parameter (MS-SMB2 3.3.5.2).
    let r = d.dispatch(request(Command(0x0013), 1)).await.unwrap();
    assert_eq!(r.status, NtStatus::INVALID_PARAMETER);
    let r = d.dispatch(request(Command(0xFFFF), 1)).await.unwrap();
    assert_eq!(r.status, NtStatus::INVALID_PARAMETER);
}

#[tokio::test]
async fn routes_by_command() {
    let d = Dispatcher::builder()
        .route(Command::READ, marker())
        .unwrap()
        .route(Command::WRITE, marker())
        .unwrap()
        .build();
    let r = d.dispatch(request(Command::READ, 42)).await.unwrap();
    assert_eq!(r.status, NtStatus::SUCCESS);
    assert_eq!(r.body.as_ref(), &[0x08, 0, 42, 0, 0, 0, 0, 0, 0, 0]);
    let r = d.dispatch(request(Command::WRITE, 43)).await.unwrap();
    assert_eq!(r.body.as_ref(), &[0x09, 0, 43, 0, 0, 0, 0, 0, 0, 0]);
    // Untouched commands keep the placeholder.
    let r = d.dispatch(request(Command::CREATE, 44)).await.unwrap();
    assert_eq!(r.status, NtStatus::NOT_SUPPORTED);

    // As a tower Service, too (clones share the table).
    let mut svc = d.clone();
    let r = svc
        .ready()
        .await
        .unwrap()
        .call(Call::new(request(Command::READ, 9), 1))
        .await
        .unwrap();
    assert_eq!(r.body.as_ref(), &[0x08, 0, 9, 0, 0, 0, 0, 0, 0, 0]);
    let dbg = format!("{d:?}");
    assert!(dbg.contains("READ") && dbg.contains("CREATE"), "{dbg}");
}

#[test]
fn session_commands_cannot_be_routed() {
    for command in [
        Command::NEGOTIATE,
        Command::SESSION_SETUP,
        Command::LOGOFF,
        Command::TREE_CONNECT,
        Command::TREE_DISCONNECT,
        Command::ECHO,
        Command::CANCEL,
    ] {
        let err = Dispatcher::builder().route(command, marker()).unwrap_err();
        assert_eq!(err, RouteError::SessionCommand(command));
        assert!(err.to_string().contains(command.name().unwrap()));
    }
}

/// Collects span names and recorded fields.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>>
    tracing_subscriber::Layer<S> for Spans
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        _id: &tracing::span::Id,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        struct V(String);
        impl tracing::field::Visit for V {
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                self.0.push_str(&format!(" {}={:?}", f.name(), v));
            }
        }
        let mut v = V(attrs.metadata().name().to_owned());
        attrs.record(&mut v);
        self.0.lock().unwrap().push(v.0);
    }

    fn on_record(
        &self,
        _id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        struct V(String);
        impl tracing::field::Visit for V {
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                self.0.push_str(&format!(" {}={:?}", f.name(), v));
            }
        }
        let mut v = V("record".to_owned());
        values.record(&mut v);
        self.0.lock().unwrap().push(v.0);
    }
}

#[tokio::test(flavor = "current_thread")]
async fn tracing_layer_keeps_responses_and_opens_one_span_per_request() {
    use tracing_subscriber::layer::SubscriberExt;

    let plain = Dispatcher::builder()
        .route(Command::READ, marker())
        .unwrap()
        .build();
    let traced = Dispatcher::builder()
        .route(Command::READ, marker())
        .unwrap()
        .layer(TraceLayer)
        .build();

    let spans = Spans::default();
    let subscriber = tracing_subscriber::registry().with(spans.clone());
    let _guard = tracing::subscriber::set_default(subscriber);

    for (command, id) in [
        (Command::READ, 5u64),
        (Command::CREATE, 6),
        (Command::IOCTL, 7),
        (Command(0x7777), 8),
    ] {
        let a = plain.dispatch(request(command, id)).await.unwrap();
        let b = traced.dispatch(request(command, id)).await.unwrap();
        assert_eq!(a, b, "{command}");
    }

    let spans = spans.0.lock().unwrap().clone();
    let request_spans: Vec<&String> = spans.iter().filter(|s| s.starts_with("request ")).collect();
    // One span per routed request through the traced dispatcher (the
    // unknown command has no route, so no layer runs for it).
    assert_eq!(request_spans.len(), 3, "{spans:?}");
    assert!(request_spans[0].contains("command=READ"), "{spans:?}");
    assert!(request_spans[0].contains("message_id=5"), "{spans:?}");
    assert!(
        request_spans[0].contains(&format!("session={}", 0x1122_3344_5566_7788u64)),
        "{spans:?}"
    );
    assert!(request_spans[1].contains("command=CREATE"), "{spans:?}");
    assert!(spans.iter().any(|s| s == "record tree=7"), "{spans:?}");
}

#[tokio::test]
async fn trace_wraps_any_service() {
    let mut svc = TraceLayer.layer_service(marker());
    let r = svc
        .ready()
        .await
        .unwrap()
        .call(Call::new(request(Command::FLUSH, 3), 1))
        .await
        .unwrap();
    assert_eq!(r.body.as_ref(), &[0x07, 0, 3, 0, 0, 0, 0, 0, 0, 0]);
}

trait LayerExt {
    fn layer_service<S>(self, s: S) -> smbkit_dispatch::Trace<S>;
}

impl LayerExt for TraceLayer {
    fn layer_service<S>(self, s: S) -> smbkit_dispatch::Trace<S> {
        tower::Layer::layer(&self, s)
    }
}
