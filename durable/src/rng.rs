//! Entropy for the core, from the runtime's CSPRNG (`crypto.getRandomValues`
//! through getrandom's `js` backend).

use worker::{Error, Result};

pub fn bytes<const N: usize>() -> Result<[u8; N]> {
    let mut buf = [0u8; N];
    getrandom::getrandom(&mut buf).map_err(|e| Error::RustError(format!("getrandom: {e}")))?;
    Ok(buf)
}
