import type { KeyIdentity } from "@penumbra/core/contracts";
import { hashApiKey } from "@penumbra/core/keys";
import { Lru } from "@penumbra/core/lru";
import { LiveCheck, withLiveCheck } from "./live.ts";
import { keyProps, type SessionProps } from "./props.ts";

/**
 * Who a presented API key is, per isolate: the mapping never changes (docs/auth.md), only whether the key is still
 * live, which the gateway says on every request. Looked up by the key's SHA-256, never the key itself.
 */
const known = new Lru<KeyIdentity>(1_000);

/**
 * The caller a unified API key makes, or null when the gateway finds it unknown or revoked. A key seen before in
 * this isolate skips `GATEWAY.identify`: its props carry a {@link LiveCheck}, so the request is answered only once
 * the gateway confirmed the key live, by a call the request made or by `identify` at the end.
 */
export async function keyCaller(env: McpEnv, key: string): Promise<SessionProps | null> {
	const hash = await hashApiKey(key);
	const held = known.get(hash);
	if (held) {
		const recheck = async () => {
			const now = await env.GATEWAY.identify(key);
			const live = now?.credential_id === held.credential_id && now.key_id === held.key_id;
			if (!live) known.delete(hash);
			return live;
		};
		return withLiveCheck(keyProps(held, "key"), new LiveCheck(recheck));
	}
	const identity = await env.GATEWAY.identify(key);
	if (!identity) return null;
	known.set(hash, identity);
	return keyProps(identity, "key");
}
