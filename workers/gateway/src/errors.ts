import { notFoundHandler, onErrorHandler } from "@penumbra/core/middleware";
import type { AppEnv } from "./types.ts";

export { validationError } from "@penumbra/core/validation";

/** The one place errors become HTTP responses. */
export const onError = onErrorHandler<AppEnv>();

export const onNotFound = notFoundHandler<AppEnv>({ hint: "See /docs for the API." });
