//! What one client of `builder serve` may hold and send: sockets per client
//! and endpoint, the relay's message rate per client, and how long a silent
//! socket is kept. Each limit is stated in docs/mailbox.md and the threat
//! model; [`Limits::default`] is what `builder serve` runs with (tests run
//! the same code with smaller numbers).
//!
//! A *client* is a source address, with the pages whose `Origin` is `null`
//! (opened from disk, or a sandboxed frame of any website: browsers send
//! the same header for both) counted apart from the others at that address:
//! a website that reaches the server through a sandboxed frame cannot use up
//! what the app's own pages on the same machine need.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::OwnedSemaphorePermit;

/// The limits `builder serve` enforces.
#[derive(Debug, Clone)]
pub struct Limits {
    /// HTTP connections at once, WebSockets included: a WebSocket keeps the
    /// place of the connection it upgraded until it closes (more get `503`).
    /// Kept under the common 1,024 open-files limit.
    pub connections: usize,
    /// Relay (mailbox) WebSockets at once.
    pub relay_sockets: usize,
    /// Tracker WebSockets at once.
    pub tracker_sockets: usize,
    /// WebSockets one client may hold on each endpoint (relay, tracker).
    pub sockets_per_client: usize,
    /// Messages one client may send the relay per minute, over all its
    /// connections; also the burst it may send at once.
    pub relay_messages_per_minute: u32,
    /// How often the server pings every WebSocket.
    pub ping_every: Duration,
    /// A relay socket that sent nothing, not even a pong, for this long is
    /// closed. (A page's mailbox subscription may be silent for hours, but
    /// its browser answers every ping.)
    pub relay_silence: Duration,
    /// A tracker socket that sent nothing, pongs included, for this long is
    /// closed, so that a half-open one frees its peer ids soon.
    pub tracker_silence: Duration,
    /// A tracker socket that sent no announce or scrape for this long is
    /// closed: a page announces at least every 2 minutes (6 in a hidden
    /// tab), so only a socket held for its own sake stays that quiet.
    pub tracker_idle: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            connections: 768,
            relay_sockets: 256,
            tracker_sockets: 512,
            // A page holds up to 4 on the relay (reading its mail, Nostr
            // signalling for its contacts' rooms and apart for its devices'
            // room, one short-lived connection publishing) and 2 on the
            // tracker; a machine runs a few tabs, the browser tests ten pages.
            sockets_per_client: 48,
            relay_messages_per_minute: 1000,
            ping_every: Duration::from_secs(30),
            relay_silence: Duration::from_secs(5 * 60),
            tracker_silence: Duration::from_secs(75),
            tracker_idle: Duration::from_secs(10 * 60),
        }
    }
}

/// Who a socket or a message counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Client {
    address: IpAddr,
    opaque_origin: bool,
}

impl Client {
    /// The client at `address` (an IPv4 address seen as IPv6 counts as
    /// itself); `opaque_origin` when its page sent `Origin: null`.
    pub fn new(address: IpAddr, opaque_origin: bool) -> Self {
        Self {
            address: address.to_canonical(),
            opaque_origin,
        }
    }
}

/// Why a socket was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    /// The endpoint holds its maximum of sockets.
    Endpoint,
    /// This client holds its maximum on this endpoint.
    Client,
}

/// The sockets of one endpoint: at most `total`, at most `per_client` per client.
#[derive(Debug)]
pub struct SocketSlots {
    total: usize,
    per_client: usize,
    held: Mutex<Held>,
}

#[derive(Debug, Default)]
struct Held {
    total: usize,
    by_client: HashMap<Client, usize>,
}

impl SocketSlots {
    pub fn new(total: usize, per_client: usize) -> Arc<Self> {
        Arc::new(Self {
            total,
            per_client,
            held: Mutex::default(),
        })
    }

    fn held(&self) -> MutexGuard<'_, Held> {
        self.held
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A place for one socket of `client`, given back when dropped.
    pub fn admit(self: &Arc<Self>, client: Client) -> Result<SocketSlot, Full> {
        let mut held = self.held();
        if held.total >= self.total {
            return Err(Full::Endpoint);
        }
        let mine = held.by_client.entry(client).or_default();
        if *mine >= self.per_client {
            return Err(Full::Client);
        }
        *mine += 1;
        held.total += 1;
        Ok(SocketSlot {
            slots: Arc::clone(self),
            client,
        })
    }
}

/// One socket's place in its endpoint's [`SocketSlots`].
#[derive(Debug)]
pub struct SocketSlot {
    slots: Arc<SocketSlots>,
    client: Client,
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        let mut held = self.slots.held();
        held.total = held.total.saturating_sub(1);
        if let Some(mine) = held.by_client.get_mut(&self.client) {
            *mine = mine.saturating_sub(1);
            if *mine == 0 {
                held.by_client.remove(&self.client);
            }
        }
    }
}

/// What an upgraded WebSocket holds until it closes: its place on its
/// endpoint and the place of the HTTP connection it came from.
#[derive(Debug)]
pub struct SocketPlaces {
    pub endpoint: SocketSlot,
    pub connection: Option<OwnedSemaphorePermit>,
}

/// A token bucket per client: `per_minute` tokens at most, refilled
/// continuously at `per_minute` a minute; one message takes one.
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<Client, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Buckets kept before full ones (clients quiet for a minute) are forgotten.
const BUCKETS_KEPT: usize = 1024;

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            buckets: Mutex::default(),
        }
    }

    /// Takes a token for one message of `client`; false when it has none.
    pub fn take(&self, client: Client) -> bool {
        self.take_at(client, Instant::now())
    }

    fn take_at(&self, client: Client, now: Instant) -> bool {
        let capacity = f64::from(self.per_minute);
        let refill = |bucket: &Bucket| {
            let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
            (bucket.tokens + elapsed * capacity / 60.0).min(capacity)
        };
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() >= BUCKETS_KEPT && !buckets.contains_key(&client) {
            buckets.retain(|_, bucket| refill(bucket) < capacity);
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        bucket.tokens = refill(bucket);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(last: u8, opaque_origin: bool) -> Client {
        Client::new(IpAddr::from([192, 168, 1, last]), opaque_origin)
    }

    #[test]
    fn sockets_are_bounded_per_client_and_in_all() {
        let slots = SocketSlots::new(5, 2);
        let a = [slots.admit(client(1, false)), slots.admit(client(1, false))];
        assert!(a.iter().all(Result::is_ok));
        assert_eq!(slots.admit(client(1, false)).unwrap_err(), Full::Client);
        // The same machine's pages opened from disk are another client.
        let disk = slots.admit(client(1, true)).unwrap();
        let b = slots.admit(client(2, false)).unwrap();
        let c = slots.admit(client(3, false)).unwrap();
        assert_eq!(slots.admit(client(4, false)).unwrap_err(), Full::Endpoint);
        drop(a);
        assert!(slots.admit(client(1, false)).is_ok());
        drop((disk, b, c));
        assert!(slots.held().by_client.is_empty());
        assert_eq!(slots.held().total, 0);
    }

    #[test]
    fn an_ipv4_client_seen_over_ipv6_is_the_same_client() {
        let mapped = IpAddr::from(std::net::Ipv4Addr::new(10, 0, 0, 7).to_ipv6_mapped());
        assert_eq!(
            Client::new(mapped, false),
            Client::new(IpAddr::from([10, 0, 0, 7]), false)
        );
    }

    #[test]
    fn a_burst_fits_the_bucket_and_a_flood_does_not() {
        let limiter = RateLimiter::new(1000);
        let start = Instant::now();
        let taken = (0..1500)
            .filter(|_| limiter.take_at(client(1, false), start))
            .count();
        assert_eq!(taken, 1000, "the bucket's size");
        // Another client has its own bucket.
        assert!(limiter.take_at(client(2, false), start));
        // Six seconds later, a tenth of a minute's worth came back.
        let later = start + Duration::from_secs(6);
        let taken = (0..500)
            .filter(|_| limiter.take_at(client(1, false), later))
            .count();
        assert_eq!(taken, 100);
    }

    #[test]
    fn forgotten_buckets_are_only_full_ones() {
        let limiter = RateLimiter::new(10);
        let start = Instant::now();
        for n in 0..BUCKETS_KEPT {
            let address = IpAddr::from([10, 0, (n / 256) as u8, (n % 256) as u8]);
            assert!(limiter.take_at(Client::new(address, false), start));
        }
        // A minute later every bucket is full again and may be forgotten.
        let later = start + Duration::from_secs(60);
        for _ in 0..10 {
            assert!(limiter.take_at(client(1, false), later));
        }
        assert!(!limiter.take_at(client(1, false), later));
        assert_eq!(limiter.buckets.lock().unwrap().len(), 1);
    }
}
