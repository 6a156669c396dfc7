import { z } from "zod";
import { ERROR_STATUS, type ErrorCode } from "../errors.ts";

const CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];
export const ErrorCodeSchema = z.enum(CODES);

/** RFC 9457 problem details, as every HTTP error renders; `code` is stable, extensions pass through. */
export const ProblemSchema = z.looseObject({
	type: z.string(),
	title: z.string(),
	status: z.number().int(),
	detail: z.string(),
	code: ErrorCodeSchema,
	instance: z.string().optional(),
	request_id: z.string().optional(),
});
