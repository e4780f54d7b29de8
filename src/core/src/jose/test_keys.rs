//! Test-only keys and the RustCrypto-backed [`Signer`] / [`Verifier`] the
//! native tests use in place of WebCrypto. Fixed keys keep every test
//! deterministic: the RSA key was made once with
//! `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`; the P-256
//! key is a fixed scalar.

use crate::jose::jwk::{Jwks, PublicJwk, PublicKey};
use crate::jose::jws::{Signer, Verifier};
use crate::jose::{b64, Alg};
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use sha2::Sha256;

/// TEST KEY ONLY. Never used outside `cargo test`.
const RSA_PKCS8_PEM: &str = "\
-----BEGIN PRIVATE KEY-----\n\
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCedSj2URokEXe1\n\
B21KJOPLFx4ZIXwObb1vDjkZcM+hbMU7pUFZo4TdnsJKnwFsnH76bc1uA3GvUpe1\n\
K8NP57g1Dw9P12wKrgN6zvAq+2N7ru9BCYBpwnl2RZRMj3v0eU4E4JrMnXf2ax9t\n\
EHJbhfoQLTiCPoR7Jz5WQv8Pimf1+5LBEvBzoUfABPeY8m3T8OU/TNtF/iXYCvPU\n\
/npb69FGD8qe5+OldoKhTP97pgOJMxFNlgooI1fKNDSNv6IN4g2Wm5TMa2GFuCzn\n\
aPRw+yfUHZI0Uy9qs6N0QWuYdwhr8dtHQ0ZFXf7v9QUrf4FIcN+wGzco2Oa42En3\n\
qHsT5AHbAgMBAAECggEADmecxiuTda6HoQbTg7DjBMenHky7dnC5qFQoLHmWmAug\n\
/TrMIox2NYYxqAJYnEy4hFm7M5WPkT5JkuT8EXibEWohj7YH8qT+ci/h7sTBafFH\n\
FOf6t8jy+fJgUi3Qn5kjCdfeaqk9lw9s7dRX0p2IbbQ9Fb+XxoquPld2NvqNJQ2W\n\
Q8Y26Ui27kjaLpr5SB148pAd/GLRvhgNEBYUxwOGEmSUa0DL1Dz6itpsCTPNON2L\n\
YTuLD/McbimCflwUm1nEAa8XeoAE6sEEnNeXd+Hri5ITe9v3Huz99dpwo398Jwpn\n\
2nz+tqmfX+LtpjIGWAxBf8Ru/+KBdtE2l5b7/wRYHQKBgQDTZ8//uUlGSaNyt/IW\n\
wjFSKlIRNHDBRm14d7gwZrR89bdnDbaxw/zJ1twHushWoiW0G8pydPZydIDhzSPv\n\
IYpnSVBwyQYdSSGdA9FzrsRlqh79daKFd47OjjuPCR+MaCZfqP/VDa3bbk1JnqhG\n\
AqLJcdhKhAbb/AKc2Jag3sWsNQKBgQC/4hcp3VmZaEMIl1YNWMvW9Ijp2mEOOrsc\n\
fXuRhzxCMnh4MyKmgMoLtk/BzdLteorhbzgmtRR/oZQq+yR7L53k1EPx47s7FdYu\n\
FDuzxw6cWwEyDzM7bq5RWXTYAxnP8j1A9e6nkTsYtBn1CcWNWZ9jyhmszH58RnVs\n\
h4IkIeEXzwKBgDwzuPji4+n/OGuH1IoEnRT/9kTuARoZGz2OIkauSMG5G5ReRGOV\n\
I1y7MgeFel2paUFEFL/JbREk+jrTN2N20rodF6o2pOYcGFVla/UclNM6wf59zF1j\n\
sahCutU9zN0oH51oPAqJDbSKUbogU100jPT+1ZBKzsVAm+Hcj/CZ4ALtAoGBAJeH\n\
SdeLr3gP9+/O4uvDVaW4km5qP/7mrmB/T5fK/fEgvjXd2901E1lQbYeUrJ9RCF+i\n\
XutiUH/B76pJjbOiFMRiRA2/U1oDkpHs9ICyD321+Cm6CzFB5HLle/oh6L5og6rL\n\
C95UOCD4CQ+S2ekX/2DkdoYZL0GgupYsJL+36XPNAoGBAIk2A6kQQhITfeptz0Gp\n\
prV9OTgzKfctmTNcBrriLTCa+nlIzmeASPOL2QHYouEtEtJEMDjpCmDVrIIOOTUY\n\
5t88YG77mE30gWgGFCx+6+oGxSXrUkxolXNBEcRbZTs6ZUoW6hiYLDwbkhbn+u1i\n\
pJ/uXrt5lXnTSq3BHyKyypN1\n\
-----END PRIVATE KEY-----\n\
";

/// TEST KEY ONLY: the P-256 secret scalar 0x0102…20.
const EC_SECRET: [u8; 32] = [
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
    32,
];

pub(crate) struct RsaKey {
    pub(crate) kid: String,
    key: rsa::RsaPrivateKey,
}

pub(crate) fn rsa() -> RsaKey {
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(RSA_PKCS8_PEM).unwrap();
    let kid = rsa_jwk(&key).kid;
    RsaKey { kid, key }
}

fn rsa_jwk(key: &rsa::RsaPrivateKey) -> PublicJwk {
    PublicJwk::new(PublicKey::rsa(&key.n().to_bytes_be(), &key.e().to_bytes_be()).unwrap())
}

impl RsaKey {
    pub(crate) fn jwk(&self) -> PublicJwk {
        rsa_jwk(&self.key)
    }

    pub(crate) fn encoding_key(&self) -> jsonwebtoken::EncodingKey {
        jsonwebtoken::EncodingKey::from_rsa_pem(RSA_PKCS8_PEM.as_bytes()).unwrap()
    }

    /// Built from our JWK members, so it also checks their encoding.
    pub(crate) fn decoding_key(&self) -> jsonwebtoken::DecodingKey {
        let PublicKey::Rsa { n, e } = self.jwk().key else { unreachable!() };
        jsonwebtoken::DecodingKey::from_rsa_components(&n, &e).unwrap()
    }
}

impl Signer for RsaKey {
    fn alg(&self) -> Alg {
        Alg::RS256
    }
    fn kid(&self) -> &str {
        &self.kid
    }
    fn sign(&self, signing_input: &[u8]) -> Vec<u8> {
        let key = rsa::pkcs1v15::SigningKey::<Sha256>::new(self.key.clone());
        let signature: rsa::pkcs1v15::Signature = key.sign(signing_input);
        Box::<[u8]>::from(signature).into_vec()
    }
}

pub(crate) struct EcKey {
    pub(crate) kid: String,
    key: p256::ecdsa::SigningKey,
}

pub(crate) fn ec() -> EcKey {
    let key = p256::ecdsa::SigningKey::from_bytes(&EC_SECRET.into()).unwrap();
    let kid = ec_jwk(&key).kid;
    EcKey { kid, key }
}

fn ec_jwk(key: &p256::ecdsa::SigningKey) -> PublicJwk {
    let point = key.verifying_key().to_encoded_point(false);
    PublicJwk::new(PublicKey::ec_p256(point.x().unwrap(), point.y().unwrap()).unwrap())
}

impl EcKey {
    pub(crate) fn jwk(&self) -> PublicJwk {
        ec_jwk(&self.key)
    }

    pub(crate) fn encoding_key(&self) -> jsonwebtoken::EncodingKey {
        use p256::pkcs8::EncodePrivateKey;
        jsonwebtoken::EncodingKey::from_ec_der(self.key.to_pkcs8_der().unwrap().as_bytes())
    }

    pub(crate) fn decoding_key(&self) -> jsonwebtoken::DecodingKey {
        let PublicKey::EcP256 { x, y } = self.jwk().key else { unreachable!() };
        jsonwebtoken::DecodingKey::from_ec_components(&x, &y).unwrap()
    }
}

impl Signer for EcKey {
    fn alg(&self) -> Alg {
        Alg::ES256
    }
    fn kid(&self) -> &str {
        &self.kid
    }
    /// Raw `r || s`, as JWS (RFC 7518 §3.4) and WebCrypto both want.
    fn sign(&self, signing_input: &[u8]) -> Vec<u8> {
        let signature: p256::ecdsa::Signature = self.key.sign(signing_input);
        signature.to_bytes().to_vec()
    }
}

/// Verifies against a published JWKS, rebuilding each key from its JWK
/// members: what a relying party does with our `jwks_uri`.
pub(crate) struct JwksVerifier(pub(crate) Jwks);

impl JwksVerifier {
    pub(crate) fn both() -> Self {
        Self(Jwks { keys: vec![rsa().jwk(), ec().jwk()] })
    }
}

impl Verifier for JwksVerifier {
    fn verify(&self, alg: Alg, kid: &str, signing_input: &[u8], signature: &[u8]) -> bool {
        let Some(jwk) = self.0.find(kid) else { return false };
        if jwk.alg() != alg {
            return false;
        }
        match &jwk.key {
            PublicKey::Rsa { n, e } => {
                let n = rsa::BigUint::from_bytes_be(&b64::decode(n).unwrap());
                let e = rsa::BigUint::from_bytes_be(&b64::decode(e).unwrap());
                let key = rsa::pkcs1v15::VerifyingKey::<Sha256>::new(rsa::RsaPublicKey::new(n, e).unwrap());
                let Ok(signature) = rsa::pkcs1v15::Signature::try_from(signature) else { return false };
                key.verify(signing_input, &signature).is_ok()
            }
            PublicKey::EcP256 { x, y } => {
                let x = b64::decode(x).unwrap();
                let y = b64::decode(y).unwrap();
                let point =
                    p256::EncodedPoint::from_affine_coordinates(x.as_slice().into(), y.as_slice().into(), false);
                let key = p256::ecdsa::VerifyingKey::from_encoded_point(&point).unwrap();
                let Ok(signature) = p256::ecdsa::Signature::from_slice(signature) else { return false };
                key.verify(signing_input, &signature).is_ok()
            }
        }
    }
}
