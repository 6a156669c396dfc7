import type { Context, Hono } from "hono";
import type { Faults } from "./lib/faults.ts";

/** Hono environment shared by the sandbox app and every merchant router. */
export interface SandboxApp {
	Bindings: SandboxEnv;
	Variables: { faults: Faults };
}

export type SandboxContext = Context<SandboxApp>;

/**
 * One fictional merchant, mounted at `/<id>`. Adding a merchant is one module exporting this plus its
 * `providers/<id>/openapi.yaml`, listed in `merchants/index.ts`.
 */
export interface Merchant {
	/** Provider id: the mount path and the `providers/<id>` folder. */
	id: string;
	name: string;
	/** `providers/<id>/openapi.yaml`, imported as text so the served spec is the provider's own file. */
	specYaml: string;
	/** Header that must carry an API key (any non-empty value); omitted when the merchant needs none. */
	apiKeyHeader?: string;
	/** Routes relative to the mount, exactly the paths of the spec. */
	routes: Hono<SandboxApp>;
}

/** The merchant's clock in ms: wall time shifted by the `clock` fault. */
export function now(c: SandboxContext): number {
	return Date.now() + c.get("faults").clockOffsetMs;
}

/** The Durable Object holding one merchant's quotes and orders. */
export function merchantStore(c: SandboxContext, merchantId: string) {
	return c.env.MERCHANT.getByName(merchantId);
}
