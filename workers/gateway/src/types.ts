import type { AuthLevel } from "@penumbra/core/auth-levels";
import type { Authority } from "@penumbra/core/contracts";
import type { TraceContext } from "@penumbra/core/trace";

/** Who is calling: resolved once per request by the auth middleware (or by the RPC entrypoint). */
export interface Caller {
	level: AuthLevel;
	credential?: { id: string; level: Exclude<AuthLevel, "anonymous">; email: string | null };
	/** What the caller may decide (docs/auth.md): anonymous callers and agents act, only the owner decides. */
	authority: Authority;
	/** The API key the request (or the session behind it) was made with. */
	key_id?: string;
	/**
	 * The identity came from a cache and the Account DO has not yet said it is still live: a metered call's
	 * `beginCall` asks (one round trip for liveness, limit and fee), anything else `assertLive` (docs/auth.md).
	 */
	pending_live_check?: true;
}

export interface AppEnv {
	Bindings: GatewayEnv;
	Variables: { requestId: string; trace: TraceContext; caller: Caller };
}
