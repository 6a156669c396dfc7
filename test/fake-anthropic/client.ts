/**
 * Test-side handle on the fake Messages API over plain fetch, so the same helper works in Node (globalSetup,
 * node tests) and inside workerd (chat Worker tests), whichever process started the fake.
 */
import type { CallKind, RecordedCall, ScriptInput, SentChunk } from "./script.ts";

export type { RecordedCall, ScriptInput, SentChunk, Step } from "./script.ts";

export interface FakeModelClient {
	/** Registers (or replaces) a script; its `match` (default: its id) in the first user message selects it. */
	script(script: ScriptInput): Promise<{ id: string; match: string }>;
	/** Requests answered for a script (all scripts without an id); model calls only unless `kind` says otherwise. */
	calls(id?: string, kind?: CallKind | "all"): Promise<RecordedCall[]>;
	/** Delta chunks streamed for a script (every script's without an id), in the order written, with send times. */
	sent(id?: string): Promise<SentChunk[]>;
	/** Drops one script and its calls; without an id, everything (only when no other test file uses the fake). */
	reset(id?: string): Promise<void>;
	health(): Promise<{ ok: boolean; scripts: number }>;
}

async function expectOk(response: Response, what: string): Promise<Response> {
	if (response.ok) return response;
	throw new Error(`fake Anthropic: ${what} answered ${response.status}: ${await response.text()}`);
}

export function fakeModel(url: string, fetcher: typeof fetch = fetch): FakeModelClient {
	const base = url.replace(/\/+$/, "");
	return {
		async script(script) {
			const response = await fetcher(`${base}/_fake/scripts`, {
				method: "POST",
				headers: { "content-type": "application/json" },
				body: JSON.stringify(script),
			});
			await expectOk(response, `script ${script.id}`);
			return (await response.json()) as { id: string; match: string };
		},
		async calls(id, kind = "messages") {
			const query = new URLSearchParams({ kind });
			if (id !== undefined) query.set("script", id);
			const response = await expectOk(await fetcher(`${base}/_fake/calls?${query}`), "calls");
			return ((await response.json()) as { calls: RecordedCall[] }).calls;
		},
		async sent(id) {
			const query = id === undefined ? "" : `?${new URLSearchParams({ script: id })}`;
			const response = await expectOk(await fetcher(`${base}/_fake/sent${query}`), "sent");
			return ((await response.json()) as { sent: SentChunk[] }).sent;
		},
		async reset(id) {
			const path = id === undefined ? "/_fake/scripts" : `/_fake/scripts/${encodeURIComponent(id)}`;
			await expectOk(await fetcher(`${base}${path}`, { method: "DELETE" }), "reset");
		},
		async health() {
			const response = await expectOk(await fetcher(`${base}/_fake/health`), "health");
			return (await response.json()) as { ok: boolean; scripts: number };
		},
	};
}

/** A scripted tool-input value the fake fills from the last tool results: the first string value of `"<key>"`. */
export function fromResult(key: string): string {
	return `\${result:${key}}`;
}
