export { type NotFoundOptions, notFoundHandler, onErrorHandler, problemFor } from "./problems.ts";
export {
	type AccessLine,
	type AccessLogOptions,
	accessLinesOn,
	logAccess,
	type RequestIdEnv,
	type RequestIdOptions,
	type RequestIdVariables,
	requestId,
} from "./request-id.ts";
export { type SameSiteWritesOptions, sameSiteWrites } from "./same-site.ts";
