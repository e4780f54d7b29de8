// Storage for the baseline oidc-provider: plain in-process Maps, expiry
// checked on read, no size limit, O(1) per operation.
//
// oidc-provider's bundled development adapter keeps at most ~1,000 recent
// entries (older ones, such as a refresh token that waited while another
// chain ran, are evicted and then fail as invalid_grant) and rescans all of a
// grant's tokens on every write. This one has neither effect, so the baseline
// is measured with the cheapest storage possible, not with an artefact.

const GRANTABLE = new Set(["AccessToken", "AuthorizationCode", "RefreshToken", "DeviceCode", "BackchannelAuthenticationRequest", "PreAuthorizedCode"]);

const entries = new Map(); // "Model:id" → { payload, expiresAt (ms or Infinity) }
const byUid = new Map(); // session uid → id
const byUserCode = new Map(); // user code → id
const grants = new Map(); // grantId → Set of "Model:id"

const now = () => Date.now();

export class BenchAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    entries.set(key, { payload: { ...payload }, expiresAt: typeof expiresIn === "number" ? now() + expiresIn * 1000 : Infinity });
    if (payload.uid && this.model === "Session") byUid.set(payload.uid, id);
    if (payload.userCode) byUserCode.set(payload.userCode, id);
    if (payload.grantId && GRANTABLE.has(this.model)) {
      let set = grants.get(payload.grantId);
      if (!set) grants.set(payload.grantId, (set = new Set()));
      set.add(key);
    }
  }

  async find(id) {
    if (id === undefined) return undefined;
    const key = this.key(id);
    const e = entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return e.payload;
  }

  async findByUid(uid) {
    return this.find(byUid.get(uid));
  }

  async findByUserCode(userCode) {
    return this.find(byUserCode.get(userCode));
  }

  async consume(id) {
    const e = entries.get(this.key(id));
    if (e) e.payload.consumed = Math.floor(now() / 1000);
  }

  async destroy(id) {
    const key = this.key(id);
    const e = entries.get(key);
    entries.delete(key);
    if (e?.payload.grantId) grants.get(e.payload.grantId)?.delete(key);
    if (e?.payload.uid) byUid.delete(e.payload.uid);
    if (e?.payload.userCode) byUserCode.delete(e.payload.userCode);
  }

  async revokeByGrantId(grantId) {
    for (const key of grants.get(grantId) ?? []) entries.delete(key);
    grants.delete(grantId);
  }
}
