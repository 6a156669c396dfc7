import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import {
	type CompiledService,
	compileProvider,
	fetchSpec,
	REGISTRY_SEARCH_KEY,
	REGISTRY_SEARCH_VERSION_KEY,
} from "@penumbra/core/registry";
import { loadSearchIndex, parseSearchIndex } from "@penumbra/core/search";
import { afterEach, describe, expect, it } from "vitest";
import worker from "../src/index.ts";
import { addServices, call, createKey, json, sandboxOrigin } from "./helpers.ts";

const HOURLY = "0 * * * *";
const FIVE_MINUTES = "*/5 * * * *";

async function runCron(cron: string, at = new Date()): Promise<void> {
	await worker.scheduled(createScheduledController({ cron, scheduledTime: at.getTime() }), env);
}

function setSpecAvailable(available: boolean): Promise<Response> {
	return fetch(`${sandboxOrigin()}/_control/specs/skycast`, {
		method: "PUT",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ available }),
	});
}

/** A provider whose `endpoints` is the sandbox's served skycast spec: no local spec file at all. */
async function remoteProvider(id: string): Promise<CompiledService> {
	const url = `${sandboxOrigin()}/skycast/openapi.json`;
	const fetched = await fetchSpec(url, { allowlist: [sandboxOrigin()] });
	if (fetched.status !== "ok") throw new Error(`spec fetch: ${JSON.stringify(fetched)}`);
	const compiled = compileProvider({
		manifest: {
			id,
			name: "Remote Cast",
			description: "Weather from a spec fetched by URL",
			category: "weather",
			tags: ["weather"],
			endpoints: url,
			upstream: `${sandboxOrigin()}/skycast`,
		},
		manifestFile: `providers/${id}/provider.yaml`,
		spec: fetched.spec,
		specFile: url,
		...(fetched.etag ? { etag: fetched.etag } : {}),
	});
	if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
	return compiled.service;
}

interface Health {
	status: string;
	registry: { stale_services: string[]; refreshed_at: string | null };
}

interface Detail {
	service: { stale: boolean };
	source: { kind: string; url?: string; last_error?: string; refreshed_at?: string };
}

afterEach(async () => {
	await setSpecAvailable(true);
});

describe("remote specs", () => {
	it("serves a provider added from a spec URL, with no code and no local spec file", async () => {
		await addServices(await remoteProvider("remotecast"));
		const { key } = await createKey("identified");
		const response = await call("/v1/services/remotecast/tools/get_current_conditions", {
			key,
			body: { parameters: { city: "lisbon" } },
		});
		expect(response.status).toBe(200);
		const detail = await json<Detail>(await call("/v1/services/remotecast"));
		expect(detail.source).toMatchObject({ kind: "url", url: `${sandboxOrigin()}/skycast/openapi.json` });
		expect(JSON.stringify(detail)).not.toContain("manifest");
	});

	it("keeps the last good version when the spec goes away, reports stale, and recovers when it returns", async () => {
		await addServices(await remoteProvider("remotecast"));
		const { key } = await createKey("identified");

		await runCron(HOURLY);
		let health = await json<Health>(await call("/v1/health"));
		expect(health.registry.stale_services).not.toContain("remotecast");

		expect((await setSpecAvailable(false)).status).toBe(200);
		await runCron(HOURLY);
		health = await json<Health>(await call("/v1/health"));
		expect(health.status).toBe("degraded");
		expect(health.registry.stale_services).toContain("remotecast");
		let detail = await json<Detail>(await call("/v1/services/remotecast"));
		expect(detail.service.stale).toBe(true);
		expect(detail.source.last_error).toMatch(/HTTP 503/);
		// The last good version is still served.
		const still = await call("/v1/services/remotecast/tools/get_current_conditions", {
			key,
			body: { parameters: { city: "lisbon" } },
		});
		expect(still.status).toBe(200);

		await setSpecAvailable(true);
		await runCron(HOURLY);
		health = await json<Health>(await call("/v1/health"));
		expect(health.registry.stale_services).not.toContain("remotecast");
		detail = await json<Detail>(await call("/v1/services/remotecast"));
		expect(detail.service.stale).toBe(false);
		expect(detail.source.last_error).toBeUndefined();
		expect(Date.parse(health.registry.refreshed_at ?? "")).not.toBeNaN();
	});

	it("asks conditionally: an unchanged spec answers 304 and is not recompiled", async () => {
		const service = await remoteProvider("remotecast");
		expect(service.spec.kind === "url" && service.spec.etag).toBeTruthy();
		await addServices(service);
		const response = await call("/v1/admin/registry/refresh", {
			headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` },
			body: { services: ["remotecast"] },
		});
		const body = await json<{ results: { id: string; outcome: string }[] }>(response);
		expect(body.results).toEqual([{ id: "remotecast", outcome: "unchanged" }]);
	});

	it("recompiles when the stored ETag no longer matches", async () => {
		const service = await remoteProvider("remotecast");
		if (service.spec.kind !== "url") throw new Error("expected a remote spec");
		await addServices({ ...service, spec: { ...service.spec, etag: '"old"' } });
		const response = await call("/v1/admin/registry/refresh", {
			headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` },
			body: { services: ["remotecast", "skycast"] },
		});
		const body = await json<{ results: { id: string; outcome: string }[] }>(response);
		expect(body.results.map((r) => [r.id, r.outcome])).toEqual([
			["remotecast", "updated"],
			["skycast", "skipped"],
		]);
	});

	it("rewrites a recompiled service in the search index", async () => {
		const service = await remoteProvider("remotecast");
		if (service.spec.kind !== "url") throw new Error("expected a remote spec");
		await addServices({
			...service,
			card: { ...service.card, name: "Old Cast" },
			spec: { ...service.spec, etag: '"old"' },
		});
		const search = async () =>
			loadSearchIndex(parseSearchIndex((await env.REGISTRY.get(REGISTRY_SEARCH_KEY, "text")) ?? ""));
		expect((await search()).search("old cast").results[0]?.name).toBe("Old Cast");
		await call("/v1/admin/registry/refresh", {
			headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` },
			body: { services: ["remotecast"] },
		});
		const refreshed = await search();
		const [hit] = refreshed.search("remote cast").results;
		expect(hit).toMatchObject({ id: "remotecast", name: "Remote Cast" });
		// Readers notice the new index by its few-byte version stamp.
		expect(await env.REGISTRY.get(REGISTRY_SEARCH_VERSION_KEY)).toBe(refreshed.builtAt);
	});

	it("the 5-minute cron flags a remote service whose refreshes stopped", async () => {
		await addServices(await remoteProvider("remotecast"));
		await runCron(FIVE_MINUTES);
		expect((await json<Health>(await call("/v1/health"))).registry.stale_services).not.toContain(
			"remotecast",
		);
		await runCron(FIVE_MINUTES, new Date(Date.now() + 4 * 3600 * 1000));
		expect((await json<Health>(await call("/v1/health"))).registry.stale_services).toContain("remotecast");
	});

	it("refuses the refresh API without the admin token", async () => {
		const response = await call("/v1/admin/registry/refresh", { body: {} });
		expect(response.status).toBe(401);
	});
});
