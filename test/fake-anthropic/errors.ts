import type { ZodError } from "zod";

export interface ApiErrorBody {
	type: "error";
	error: { type: string; message: string };
	request_id: string;
}

/** An API error answer: HTTP status + the body the real API sends. */
export class FakeApiError extends Error {
	readonly status: number;
	readonly type: string;
	readonly retryAfter: number | undefined;

	constructor(status: number, type: string, message: string, retryAfter?: number) {
		super(message);
		this.status = status;
		this.type = type;
		this.retryAfter = retryAfter;
	}
}

/** Zod issues in the API's own style: `messages.0.content: Field required`. */
export function describeIssues(error: ZodError, prefix: readonly (string | number)[] = []): string {
	return error.issues
		.map((issue) => {
			const at = [...prefix, ...issue.path].map(String).join(".");
			if (issue.code === "unrecognized_keys") {
				return issue.keys
					.map((key) => `${at ? `${at}.` : ""}${key}: Extra inputs are not permitted`)
					.join("; ");
			}
			const missing = issue.code === "invalid_type" && issue.message.includes("received undefined");
			return `${at || "body"}: ${missing ? "Field required" : issue.message}`;
		})
		.join("; ");
}
