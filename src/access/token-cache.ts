import type { Database } from "../db/open-database.ts";
import type { SqlClient } from "../db/sql-client.ts";
import { anyActiveToken, hashSecret, principalOfSecret, TOKENS_CHANNEL } from "./api-tokens.ts";
import type { Principal } from "./principal.ts";

/*
 * Token lookups, remembered so a request does not pay a statement to authenticate. Correctness
 * over speed at this trust boundary:
 * - creating or revoking a token clears this replica's cache at once, and every other
 *   replica's on the NOTIFY the change sends (milliseconds);
 * - an entry lives at most `ttlMs` (10 s), so a replica that missed a notification (its
 *   listening connection dropped) stops honouring a revoked token within that time;
 * - at most `maxEntries` secrets are remembered, so a flood of made-up tokens cannot grow it.
 */
export class TokenCache {
  private readonly principals = new Map<string, { principal: Principal | null; at: number }>();
  private anyActive: { value: boolean; at: number } | null = null;
  private readonly cleared = new Set<() => void>();

  constructor(
    private readonly sql: SqlClient,
    private readonly ttlMs = 10_000,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Clears the cache on every token change any replica makes. */
  watch(db: Pick<Database, "listen">): Promise<() => Promise<void>> {
    return db.listen(TOKENS_CHANNEL, () => this.clear());
  }

  clear(): void {
    this.principals.clear();
    this.anyActive = null;
    for (const listener of this.cleared) listener();
  }

  /** Calls `listener` after each clear (a token created or revoked), so open connections re-check theirs. */
  onClear(listener: () => void): () => void {
    this.cleared.add(listener);
    return () => void this.cleared.delete(listener);
  }

  async principalOf(secret: string): Promise<Principal | null> {
    const key = hashSecret(secret);
    const cached = this.principals.get(key);
    if (cached && this.now() - cached.at < this.ttlMs) return cached.principal;
    const principal = await principalOfSecret(this.sql, secret);
    if (this.principals.size >= this.maxEntries) this.principals.clear();
    this.principals.set(key, { principal, at: this.now() });
    return principal;
  }

  async anyActiveToken(): Promise<boolean> {
    if (this.anyActive && this.now() - this.anyActive.at < this.ttlMs) return this.anyActive.value;
    const value = await anyActiveToken(this.sql);
    this.anyActive = { value, at: this.now() };
    return value;
  }
}
