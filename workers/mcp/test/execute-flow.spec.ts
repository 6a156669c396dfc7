import { env } from "cloudflare:workers";
import type { CompiledService } from "@penumbra/core/registry";
import { serviceKey } from "@penumbra/core/registry";
import { describe, expect, it } from "vitest";
import type { SessionProps } from "../src/auth/props.ts";
import { executeTool } from "../src/tools/execute.tools.ts";
import { asOwner, connect, createKey, foodOrder, providerServices } from "./helpers.ts";

type GatewayCall = Parameters<McpEnv["GATEWAY"]["call"]>[1];
type Outcome = { isError?: boolean; structuredContent?: { status?: string; error?: { code: string } } };

/**
 * The MCP Worker's env with the real gateway behind a recorder (method and path of every call), and optionally
 * another view of the registry.
 */
function recorded(registry?: KVNamespace): { env: McpEnv; calls: string[] } {
	const calls: string[] = [];
	const gateway = {
		call(credentialId: string | null, call: GatewayCall) {
			calls.push(`${call.method} ${call.path}`);
			return env.GATEWAY.call(credentialId, call);
		},
	};
	const wrapped = new Proxy(env, {
		get: (target, name) =>
			name === "GATEWAY" ? gateway : name === "REGISTRY" && registry ? registry : Reflect.get(target, name),
	});
	return { env: wrapped as unknown as McpEnv, calls };
}

/**
 * The registry as an isolate could still hold it from before an operator change: FoodDash's checkout anonymous and
 * not a purchase (it is account-only and bought with a quote).
 */
function staleRegistry(): KVNamespace {
	const fooddash = providerServices().find((s) => s.card.id === "fooddash");
	if (!fooddash) throw new Error("fooddash is not in the registry");
	const stale: CompiledService = {
		...fooddash,
		tools: fooddash.tools.map((t) => {
			if (t.name !== "checkout") return t;
			const { purchase: _purchase, ...rest } = t;
			return { ...rest, auth_level: "anonymous" };
		}),
	};
	return {
		get: async (key: string) => (key === serviceKey("fooddash") ? stale : env.REGISTRY.get(key, "json")),
	} as unknown as KVNamespace;
}

function sessionOf(created: { id: string; key_id: string }, level: SessionProps["level"]): SessionProps {
	return { credential_id: created.id, level, email: null, via: "key", key_id: created.key_id };
}

async function run(
	mcpEnv: McpEnv,
	session: SessionProps | null,
	args: { service: string; tool: string; parameters: Record<string, unknown> },
): Promise<Outcome> {
	return (await executeTool.run({ env: mcpEnv, session }, args)) as Outcome;
}

describe("execute picks its flow from the registry, with no gateway round trip before the call", () => {
	it("a tool that is not a purchase is one gateway call: the call itself", async () => {
		const created = await createKey("identified");
		const { env: mcpEnv, calls } = recorded();
		const found = await run(mcpEnv, sessionOf(created, "identified"), {
			service: "fooddash",
			tool: "search_restaurants",
			parameters: { city: "austin" },
		});
		expect(found.isError).toBeFalsy();
		expect(calls).toEqual(["POST /v1/services/fooddash/tools/search_restaurants"]);
	});

	it("an account-only tool asked anonymously is refused without calling the gateway", async () => {
		const { env: mcpEnv, calls } = recorded();
		const refused = await run(mcpEnv, null, { service: "fooddash", tool: "checkout", parameters: {} });
		expect(refused.structuredContent?.error?.code).toBe("AUTH_REQUIRED");
		expect(calls).toEqual([]);
	});

	it("a purchase tool without a quote_id is one gateway call: the quote", async () => {
		const created = await createKey("authenticated");
		const parameters = await foodOrder(await connect({ key: created.key }));
		const { env: mcpEnv, calls } = recorded();
		const quoted = await run(mcpEnv, sessionOf(created, "authenticated"), {
			service: "fooddash",
			tool: "checkout",
			parameters,
		});
		expect(quoted.structuredContent?.status).toBe("quoted");
		expect(calls).toEqual(["POST /v1/quotes"]);
	});

	it("an unknown service goes to the gateway, whose answer names the right one", async () => {
		const { env: mcpEnv, calls } = recorded();
		const unknown = await run(mcpEnv, null, { service: "foodash", tool: "checkout", parameters: {} });
		expect(unknown.structuredContent?.error).toMatchObject({ code: "NOT_FOUND", suggestions: ["fooddash"] });
		expect(calls).toEqual(["POST /v1/services/foodash/tools/checkout"]);
	});
});

describe("a stale registry copy can send a call the wrong way, never let it through", () => {
	it("anonymous: the gateway still asks for an account", async () => {
		const { env: mcpEnv, calls } = recorded(staleRegistry());
		const refused = await run(mcpEnv, null, { service: "fooddash", tool: "checkout", parameters: {} });
		expect(calls).toEqual(["POST /v1/services/fooddash/tools/checkout"]);
		expect(refused.structuredContent?.error?.code).toBe("AUTH_REQUIRED");
	});

	it("signed in: the gateway still asks for a quote, and nothing is charged", async () => {
		const created = await createKey("authenticated", 10_000, undefined, { owner: true });
		const parameters = await foodOrder(await connect({ key: created.key }));
		const before = await asOwner<{ balance_cents: number }>(created.key, "/v1/account");
		const { env: mcpEnv, calls } = recorded(staleRegistry());
		const refused = await run(mcpEnv, sessionOf(created, "authenticated"), {
			service: "fooddash",
			tool: "checkout",
			parameters,
		});
		expect(calls).toEqual(["POST /v1/services/fooddash/tools/checkout"]);
		expect(refused.structuredContent?.error?.code).toBe("CONFIRMATION_REQUIRED");
		expect(await asOwner<{ balance_cents: number }>(created.key, "/v1/account")).toEqual(before);
	});
});
