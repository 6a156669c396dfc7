import {
	type AlertsReport,
	AlertsReportSchema,
	type Health,
	HealthSchema,
	type MetricsReport,
	MetricsReportSchema,
	type OperatorPurchases,
	OperatorPurchasesSchema,
	type ServiceHealth,
	ServiceHealthSchema,
} from "@penumbra/core/contracts";
import type { z } from "zod";
import { ApiError, api, networkProblem, problemFrom } from "../../lib/api.ts";

/**
 * The operator dashboard's calls (`/api/operator/*` on the chat Worker, which holds the operator's session cookie).
 * Every answer is parsed with its contract: a gateway that answers another shape shows as that panel's error, not as
 * wrong figures. Kept out of the first-load chunk with the rest of the dashboard.
 */

export type { AlertsReport, Health, MetricsReport, OperatorPurchases, ServiceHealth };

export interface OperatorSessionState {
	signed_in: boolean;
	expires_at?: string;
}

/** Thrown when an answer does not have its contract's shape (an older or newer gateway). */
export class ShapeError extends Error {
	constructor(what: string, error: z.ZodError) {
		super(`The gateway's ${what} answer has an unexpected shape (${error.issues[0]?.message ?? "invalid"}).`);
		this.name = "ShapeError";
	}
}

function parsed<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
	const result = schema.safeParse(value);
	if (!result.success) throw new ShapeError(what, result.error);
	return result.data;
}

export function operatorSession(): Promise<OperatorSessionState> {
	return api<OperatorSessionState>("/api/operator/session", { quietAuth: true });
}

export function signInOperator(adminToken: string): Promise<OperatorSessionState> {
	return api<OperatorSessionState>("/api/operator/session", {
		method: "POST",
		body: { admin_token: adminToken },
		quietAuth: true,
	});
}

export function signOutOperator(): Promise<void> {
	return api<void>("/api/operator/session", { method: "DELETE", quietAuth: true });
}

// quietAuth: an ended operator session is not the owner's session ending (the page shows its own sign-in).
const read = (path: string, signal?: AbortSignal) =>
	api<unknown>(path, { quietAuth: true, ...(signal ? { signal } : {}) });

export async function metrics(sinceIso: string, signal?: AbortSignal): Promise<MetricsReport> {
	const query = new URLSearchParams({ by: "service", since: sinceIso });
	return parsed(MetricsReportSchema, await read(`/api/operator/metrics?${query}`, signal), "metrics");
}

export async function alerts(signal?: AbortSignal): Promise<AlertsReport> {
	return parsed(AlertsReportSchema, await read("/api/operator/alerts", signal), "alerts");
}

export async function purchases(signal?: AbortSignal): Promise<OperatorPurchases> {
	return parsed(OperatorPurchasesSchema, await read("/api/operator/purchases", signal), "purchases");
}

/**
 * A health answer: 200 when up, 503 when down, with the same body either way (so not through `api`, which would
 * turn the 503 into an error and lose the reasons).
 */
async function healthRead<S extends z.ZodType>(path: string, schema: S, what: string, signal?: AbortSignal) {
	let response: Response;
	try {
		response = await fetch(path, {
			headers: { accept: "application/json" },
			credentials: "same-origin",
			...(signal ? { signal } : {}),
		});
	} catch (error) {
		if (signal?.aborted) throw error;
		throw new ApiError(networkProblem());
	}
	if (response.ok || response.status === 503) {
		const body: unknown = await response
			.clone()
			.json()
			.catch(() => null);
		const result = schema.safeParse(body);
		if (result.success) return result.data as z.output<S>;
		if (response.ok) throw new ShapeError(what, result.error);
	}
	throw new ApiError(await problemFrom(response));
}

export function gatewayHealth(signal?: AbortSignal): Promise<Health> {
	return healthRead("/api/operator/health", HealthSchema, "health", signal);
}

export function serviceHealth(id: string, signal?: AbortSignal): Promise<ServiceHealth> {
	const path = `/api/operator/services/${encodeURIComponent(id)}/health`;
	return healthRead(path, ServiceHealthSchema, "service health", signal);
}

/** The catalog's service ids (the public list the site's services page reads). */
export async function serviceIds(signal?: AbortSignal): Promise<string[]> {
	const answer = await api<{ services?: { id: string }[] }>("/api/services?limit=200", {
		quietAuth: true,
		...(signal ? { signal } : {}),
	});
	return (answer.services ?? []).map((s) => s.id).sort();
}
