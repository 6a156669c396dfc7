import { parse } from "yaml";
import { z } from "zod";

const specShape = z.looseObject({
	openapi: z.string().startsWith("3."),
	info: z.looseObject({ title: z.string(), version: z.string() }),
	paths: z.record(z.string(), z.unknown()),
});

export type OpenApiDocument = z.infer<typeof specShape>;

/** Parses a merchant's openapi.yaml; throws at first use if the provider file is not an OpenAPI document. */
export function parseSpec(yamlText: string, merchantId: string): OpenApiDocument {
	const parsed = specShape.safeParse(parse(yamlText));
	if (!parsed.success) {
		throw new Error(
			`providers/${merchantId}/openapi.yaml is not an OpenAPI 3 document: ${parsed.error.message}`,
		);
	}
	return parsed.data;
}

/** The spec as served: unchanged except `servers`, which points at wherever this sandbox actually runs. */
export function servedSpec(spec: OpenApiDocument, base: string): OpenApiDocument {
	return { ...spec, servers: [{ url: base }] };
}
