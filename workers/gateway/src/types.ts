import type { AuthLevel } from "@penumbra/core/auth-levels";

/** Who is calling: resolved once per request by the auth middleware. */
export interface Caller {
	level: AuthLevel;
	credential?: { id: string; level: Exclude<AuthLevel, "anonymous">; email: string | null };
}

export interface AppEnv {
	Bindings: GatewayEnv;
	Variables: { requestId: string; caller: Caller };
}
