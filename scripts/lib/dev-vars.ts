/**
 * Development values of the Workers' vars. The committed `wrangler.toml` files are the production configuration
 * (`ENVIRONMENT = "production"`, no upstream allowlist, no URLs: `npm run deploy` fills those in); everything that
 * runs locally — `npm start`, the benches, the browser tests (`--var`, through `startWorkers` in stack.ts) and the
 * vitest projects (Miniflare bindings in vitest.config.ts) — takes its development values from here, so a deploy
 * can never pick them up by accident.
 */

/** Where each local Worker listens, by name (`sandbox`, `gateway`, `mcp`, `chat`, `web`); missing: its default. */
export type LocalPorts = Readonly<Record<string, number | undefined>>;

/** The default ports of `npm start` (README); the vitest projects use them as the Workers' public origins. */
export const DEFAULT_PORTS = { gateway: 8787, mcp: 8788, chat: 8789, web: 8790, sandbox: 8791 } as const;

const HOST = "127.0.0.1";

function origin(ports: LocalPorts, name: keyof typeof DEFAULT_PORTS): string {
	return `http://${HOST}:${ports[name] ?? DEFAULT_PORTS[name]}`;
}

/**
 * The gateway in development: dev routes and the dev mailbox on, the local sandbox and `upstreams` (a provider's
 * local mock or staging API: PENUMBRA_UPSTREAM_ALLOWLIST, read by `npm start`) allowed as upstreams, refusals
 * pointing at the local site.
 */
export function gatewayDevVars(
	ports: LocalPorts = {},
	upstreams: readonly string[] = [],
): Record<string, string> {
	return {
		ENVIRONMENT: "development",
		METRICS_STORE: "d1",
		UPSTREAM_ALLOWLIST: [origin(ports, "sandbox"), ...upstreams].join(","),
		WEB_URL: origin(ports, "web"),
	};
}

/** The MCP Worker in development: its own origin (OAuth resource, links) and the other Workers' local origins. */
export function mcpDevVars(ports: LocalPorts = {}): Record<string, string> {
	return {
		ENVIRONMENT: "development",
		METRICS_STORE: "d1",
		PUBLIC_URL: origin(ports, "mcp"),
		GATEWAY_PUBLIC_URL: origin(ports, "gateway"),
		WEB_URL: origin(ports, "web"),
	};
}

/** The chat Worker in development: plain-http cookies without `__Host-`, CORS for the local site. */
export function chatDevVars(ports: LocalPorts = {}): Record<string, string> {
	return {
		ENVIRONMENT: "development",
		METRICS_STORE: "d1",
		WEB_URL: origin(ports, "web"),
		MCP_URL: `${origin(ports, "mcp")}/mcp`,
	};
}
