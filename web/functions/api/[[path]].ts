import type { Fetcher, PagesFunction } from "@cloudflare/workers-types";

interface Env {
	CHAT: Fetcher;
}

/** Every /api/* request goes to the chat Worker as it came: method, headers (cookie, Last-Event-ID), body, streams. */
export const onRequest: PagesFunction<Env> = ({ request, env }) => env.CHAT.fetch(request);
