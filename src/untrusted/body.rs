//! Read an HTTP body to at most N bytes. Every HTTP read in warroom goes
//! through `read_at_most`: a server that answers with an endless body costs
//! at most `limit` bytes of memory, then the connection is dropped.

/// What was read, and whether the server had more to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounded {
    pub bytes: Vec<u8>,
    /// The body went on past `limit`; `bytes` holds its first `limit` bytes.
    pub truncated: bool,
}

/// A source of body chunks: `reqwest::Response`, or a test's vector.
pub trait Chunks {
    type Error;
    fn next_chunk(
        &mut self,
    ) -> impl std::future::Future<Output = Result<Option<Vec<u8>>, Self::Error>> + Send;
}

impl Chunks for reqwest::Response {
    type Error = reqwest::Error;
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, reqwest::Error> {
        Ok(self.chunk().await?.map(|b| b.to_vec()))
    }
}

/// Read chunks until the body ends or `limit` bytes are in hand; stop
/// reading (and keep the first `limit` bytes) as soon as it goes past.
pub async fn read_at_most<C: Chunks + Send>(
    body: &mut C,
    limit: usize,
) -> Result<Bounded, C::Error> {
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next_chunk().await? {
        let room = limit - bytes.len();
        if chunk.len() > room {
            bytes.extend_from_slice(&chunk[..room]);
            return Ok(Bounded {
                bytes,
                truncated: true,
            });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Bounded {
        bytes,
        truncated: false,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// A body that never ends, counting what was pulled from it.
    struct Endless {
        pulled: usize,
    }

    impl Chunks for Endless {
        type Error = ();
        async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, ()> {
            self.pulled += 1000;
            Ok(Some(vec![b'x'; 1000]))
        }
    }

    struct Fixed(Vec<Vec<u8>>);

    impl Chunks for Fixed {
        type Error = ();
        async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, ()> {
            Ok(if self.0.is_empty() {
                None
            } else {
                Some(self.0.remove(0))
            })
        }
    }

    #[tokio::test]
    async fn an_endless_body_is_read_to_the_limit_and_no_further() {
        let mut e = Endless { pulled: 0 };
        let b = read_at_most(&mut e, 4096).await.unwrap();
        assert_eq!(b.bytes.len(), 4096);
        assert!(b.truncated);
        assert_eq!(e.pulled, 5000, "stops at the first chunk past the limit");
    }

    #[tokio::test]
    async fn a_short_body_is_read_whole() {
        let mut f = Fixed(vec![b"ab".to_vec(), b"cd".to_vec()]);
        let b = read_at_most(&mut f, 4).await.unwrap();
        assert_eq!(b.bytes, b"abcd");
        assert!(!b.truncated);
        let mut f = Fixed(vec![b"ab".to_vec(), b"cde".to_vec()]);
        let b = read_at_most(&mut f, 4).await.unwrap();
        assert_eq!((b.bytes.as_slice(), b.truncated), (&b"abcd"[..], true));
    }
}
