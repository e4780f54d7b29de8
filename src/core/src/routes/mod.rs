//! Which endpoint serves a request: one table per response surface, and one
//! function that looks a method and path up in a table.
//!
//! | surface | table | served by |
//! |---|---|---|
//! | OP endpoints and hosted pages | [`op::TABLE`] | `durable::op` |
//! | the user's own account, `/account/…` | [`account::TABLE`] | `durable::op::account` |
//! | upstream sign-in, `/rp/…` | [`rp::TABLE`] | `durable::op::rp` |
//! | the management API, `/api/v1/…` (Dashboard host only) | [`management::TABLE`] | `durable::management` |
//!
//! [`Surface::of`] picks the table from the path; [`route`] answers with the
//! endpoint, or with why not: a path no row matches is [`Routed::NotFound`],
//! a known path asked with a method it does not take is
//! [`Routed::WrongMethod`] with that path's own `Allow` list (RFC 9110
//! §15.5.6). `HEAD` is served wherever `GET` is (RFC 9110 §9.3.2): the
//! endpoint runs as for `GET` and the shell drops the body.

pub mod account;
pub mod management;
pub mod op;
pub mod rp;

/// The request methods a table can name. Anything else is never routed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
    Options,
}

impl Method {
    /// `None` for a method no table can name (`TRACE`, `CONNECT`, anything
    /// made up): such a request is answered with the path's `Allow` list.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            "OPTIONS" => Method::Options,
            _ => return None,
        })
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
        }
    }
}

/// One resource: its path pattern and the endpoint behind each method. In
/// a pattern, `{}` stands for exactly one non-empty path segment, handed to
/// the endpoint in order (`Found::params`).
#[derive(Debug)]
pub struct Row<E: 'static> {
    pub path: &'static str,
    pub methods: &'static [(Method, E)],
}

/// What a request resolves to.
#[derive(Debug, PartialEq, Eq)]
pub enum Routed<'p, E> {
    Found(Found<'p, E>),
    /// The path exists; these are the methods it takes.
    WrongMethod { allow: String },
    NotFound,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Found<'p, E> {
    pub endpoint: E,
    /// The method the endpoint runs as: `GET` for a `HEAD` request.
    pub method: Method,
    /// The request was `HEAD`: send the headers of the answer, no body.
    pub head: bool,
    /// The segments the pattern's `{}`s matched, in order.
    pub params: Vec<&'p str>,
}

impl<E> Found<'_, E> {
    /// The `i`-th path parameter (empty if the pattern has fewer).
    #[must_use]
    pub fn param(&self, i: usize) -> &str {
        self.params.get(i).copied().unwrap_or_default()
    }
}

/// Looks `method` and `path` up in `table`. The first row whose pattern
/// matches decides.
#[must_use]
pub fn route<'p, E: Copy>(table: &'static [Row<E>], method: &str, path: &'p str) -> Routed<'p, E> {
    for row in table {
        let Some(params) = matches(row.path, path) else { continue };
        let asked = Method::parse(method);
        let find = |m: Method| row.methods.iter().find(|(rm, _)| *rm == m).map(|(_, e)| *e);
        return match asked {
            Some(Method::Head) => match find(Method::Get) {
                Some(endpoint) => Routed::Found(Found { endpoint, method: Method::Get, head: true, params }),
                None => Routed::WrongMethod { allow: allow(row) },
            },
            Some(m) => match find(m) {
                Some(endpoint) => Routed::Found(Found { endpoint, method: m, head: false, params }),
                None => Routed::WrongMethod { allow: allow(row) },
            },
            None => Routed::WrongMethod { allow: allow(row) },
        };
    }
    Routed::NotFound
}

/// The `Allow` list of a row: its methods in table order, with `HEAD` right
/// after `GET`.
#[must_use]
pub fn allow<E>(row: &Row<E>) -> String {
    let mut names = Vec::new();
    for (m, _) in row.methods {
        if !names.contains(&m.as_str()) {
            names.push(m.as_str());
            if *m == Method::Get {
                names.push(Method::Head.as_str());
            }
        }
    }
    names.join(", ")
}

/// The segments `pattern`'s `{}`s match in `path`, or `None` if it does not
/// match. Segments are compared exactly (no decoding, no trailing slash).
fn matches<'p>(pattern: &str, path: &'p str) -> Option<Vec<&'p str>> {
    let mut want = pattern.split('/');
    let mut got = path.split('/');
    let mut params = Vec::new();
    loop {
        match (want.next(), got.next()) {
            (None, None) => return Some(params),
            (Some("{}"), Some(seg)) if !seg.is_empty() => params.push(seg),
            (Some(w), Some(seg)) if w == seg => {}
            _ => return None,
        }
    }
}

/// Which table serves a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// `/api/v1` and below: the management API (on the Dashboard's host).
    Management,
    /// `/account` and below.
    Account,
    /// `/rp/` and below.
    Rp,
    /// Everything else: the OP's endpoints and hosted pages.
    Op,
}

impl Surface {
    #[must_use]
    pub fn of(path: &str) -> Self {
        let under = |root: &str| path == root || path.strip_prefix(root).is_some_and(|rest| rest.starts_with('/'));
        if under(management::ROOT) {
            Surface::Management
        } else if under(account::ROOT) {
            Surface::Account
        } else if under(rp::ROOT) {
            Surface::Rp
        } else {
            Surface::Op
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum E {
        List,
        Create,
        Get,
        Delete,
    }

    static TABLE: &[Row<E>] = &[
        Row { path: "/things", methods: &[(Method::Get, E::List), (Method::Post, E::Create)] },
        Row { path: "/things/{}", methods: &[(Method::Get, E::Get), (Method::Delete, E::Delete)] },
        Row { path: "/things/{}/parts/{}", methods: &[(Method::Delete, E::Delete)] },
    ];

    fn found(endpoint: E, method: Method, head: bool, params: Vec<&str>) -> Routed<'_, E> {
        Routed::Found(Found { endpoint, method, head, params })
    }

    #[test]
    fn methods_and_params_pick_the_endpoint() {
        assert_eq!(route(TABLE, "GET", "/things"), found(E::List, Method::Get, false, vec![]));
        assert_eq!(route(TABLE, "POST", "/things"), found(E::Create, Method::Post, false, vec![]));
        assert_eq!(route(TABLE, "DELETE", "/things/t1"), found(E::Delete, Method::Delete, false, vec!["t1"]));
        assert_eq!(route(TABLE, "DELETE", "/things/t1/parts/p2"), found(E::Delete, Method::Delete, false, vec!["t1", "p2"]));
    }

    #[test]
    fn head_runs_the_get_endpoint_without_a_body() {
        assert_eq!(route(TABLE, "HEAD", "/things/t1"), found(E::Get, Method::Get, true, vec!["t1"]));
        assert_eq!(
            route(TABLE, "HEAD", "/things/t1/parts/p2"),
            Routed::WrongMethod { allow: "DELETE".into() },
            "no GET, no HEAD"
        );
    }

    #[test]
    fn a_wrong_method_gets_the_paths_own_allow_list() {
        assert_eq!(route(TABLE, "DELETE", "/things"), Routed::WrongMethod { allow: "GET, HEAD, POST".into() });
        assert_eq!(route(TABLE, "PUT", "/things/t1"), Routed::WrongMethod { allow: "GET, HEAD, DELETE".into() });
        assert_eq!(route(TABLE, "BREW", "/things"), Routed::WrongMethod { allow: "GET, HEAD, POST".into() });
        assert_eq!(route(TABLE, "get", "/things"), Routed::WrongMethod { allow: "GET, HEAD, POST".into() }, "methods are case-sensitive (RFC 9110 §9.1)");
    }

    #[test]
    fn anything_else_is_not_found() {
        for path in ["/", "", "/things/", "/things//parts/p", "/things/t1/parts", "/things/t1/parts/p2/x", "/thing", "/things/t1/"] {
            assert_eq!(route(TABLE, "GET", path), Routed::NotFound, "{path}");
        }
    }

    #[test]
    fn surfaces_split_on_whole_segments() {
        assert_eq!(Surface::of("/api/v1/applications"), Surface::Management);
        assert_eq!(Surface::of("/api/v1"), Surface::Management);
        assert_eq!(Surface::of("/api/v10"), Surface::Op);
        assert_eq!(Surface::of("/account/profile"), Surface::Account);
        assert_eq!(Surface::of("/accounts"), Surface::Op);
        assert_eq!(Surface::of("/rp/callback/github"), Surface::Rp);
        assert_eq!(Surface::of("/oauth2/token"), Surface::Op);
    }
}

#[cfg(test)]
mod documented;
