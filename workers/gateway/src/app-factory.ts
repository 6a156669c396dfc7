import { OpenAPIHono } from "@hono/zod-openapi";
import { validationError } from "./errors.ts";
import type { AppEnv } from "./types.ts";

/** Every router is made here so request validation failures become one problem shape. */
export function createRouter(): OpenAPIHono<AppEnv> {
	return new OpenAPIHono<AppEnv>({
		defaultHook: (result) => {
			if (!result.success)
				throw validationError(result.error, result.target === "json" ? "/body" : `/${result.target}`);
		},
	});
}
